//! Orders and subscriptions: placing an order (an offer, some seats, for an existing or a new
//! customer), changing a subscription's seats or offer, cancelling it, and keeping the
//! customer's summary of its subscriptions (seats, SKUs, expiry) current. An order is checked
//! here ([`Writes::plan_order`]) and run as a saga (`saga.rs`).

use super::audit::audit_action;
use super::{Actor, Call, Writes};
use crate::error::{Error, Result};
use crate::ids::{BillingAccountId, CustomerId, OfferId, SubscriptionId};
use crate::model::{
    AccountHolder, Customer, Offer, Organization, Subscription, SubscriptionStatus,
};
use crate::policy::write::{self as policy, Write};
use crate::traits::one;
use crate::write::NewCustomer;
use chrono::Utc;
use serde::{Deserialize, Serialize};

/// Who an order is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderFor {
    /// An existing customer.
    Existing(CustomerId),
    /// A customer created by the order.
    New(NewCustomer),
}

/// An order: one offer, some seats, for a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The customer.
    pub customer: OrderFor,
    /// The offer.
    pub offer_id: OfferId,
    /// Seats.
    pub quantity: i64,
}

/// What an order created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderResult {
    /// The customer ordered for.
    pub customer_id: CustomerId,
    /// The new subscription, when the operation ordered one.
    pub subscription_id: Option<SubscriptionId>,
}

/// Changes to a subscription; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionChange {
    /// The subscription.
    pub subscription_id: SubscriptionId,
    /// New seat count.
    pub quantity: Option<i64>,
    /// New offer (an upgrade or downgrade).
    pub offer_id: Option<OfferId>,
}

/// An order checked and ready to run.
pub(super) struct OrderPlan {
    /// The existing customer ordered for.
    pub(super) customer: Option<Customer>,
    /// The customer the order creates, checked.
    pub(super) new: Option<NewCustomer>,
    /// The partner selling, whose eligibility the offer was checked against.
    pub(super) partner: Organization,
    /// The offer, when the order is for a subscription.
    pub(super) offer: Option<Offer>,
    /// Seats.
    pub(super) quantity: i64,
}

impl Writes {
    /// Orders an offer for an existing or a new customer.
    pub async fn place_order(&self, call: Call<'_, Order>) -> Result<OrderResult> {
        self.journaled("placeOrder", &call, async |j| {
            self.run_order(call.actor, &call.input, true, j).await
        })
        .await
    }

    /// Changes a subscription's seats or offer, within the offer's limits and eligibility.
    pub async fn change_subscription(
        &self,
        call: Call<'_, SubscriptionChange>,
    ) -> Result<SubscriptionId> {
        let input = &call.input;
        let id = &input.subscription_id;
        let ended = "the subscription has ended";
        let change = async |subscription: &mut Subscription, holder: &AccountHolder| {
            let partner = self.partner_of(holder).await?;
            let offer = match (&input.offer_id, &subscription.offer_id) {
                (Some(named), _) => self.eligible_offer(named, &partner).await?,
                (None, Some(current)) => match self.eligible_offer(current, &partner).await {
                    Err(Error::NotFound) => {
                        return Err(Error::Conflict(
                            "the subscription's offer is no longer sold to this partner; \
                             name the offer to change to"
                                .to_owned(),
                        ))
                    }
                    found => found?,
                },
                (None, None) => {
                    return Err(Error::bad_input("offerId", "name the offer to change to"))
                }
            };
            let quantity = input.quantity.unwrap_or(subscription.quantity);
            seats_within(&offer, quantity)?;
            subscription.quantity = quantity;
            subscription.sku = offer.sku.clone();
            subscription.offer_id = Some(offer.id);
            Ok(())
        };
        self.edit_subscription("changeSubscription", &call, id, ended, change)
            .await
    }

    /// Cancels a subscription (the input's id) now (the input's flag), or at the end of its
    /// term (it then stops renewing).
    pub async fn cancel_subscription(
        &self,
        call: Call<'_, (SubscriptionId, bool)>,
    ) -> Result<SubscriptionId> {
        let (id, immediately) = (&call.input.0, call.input.1);
        let ended = "the subscription has already ended";
        let change = async |subscription: &mut Subscription, _: &AccountHolder| {
            subscription.auto_renew = false;
            if immediately {
                subscription.status = SubscriptionStatus::Cancelled;
                subscription.term_end_date = Some(Utc::now().date_naive());
            }
            Ok(())
        };
        self.edit_subscription("cancelSubscription", &call, id, ended, change)
            .await
    }

    /// Runs `mutation` as a journaled edit of the subscription `id`: the caller needs the
    /// permission to manage subscriptions and must reach the subscription's account holder; a
    /// subscription that has ended is a conflict (`ended` says so). `change` edits the record,
    /// which billing then keeps (idempotently, under the operation's key); the holder's summary
    /// is refreshed and the change audited.
    async fn edit_subscription<I: Serialize>(
        &self,
        mutation: &str,
        call: &Call<'_, I>,
        id: &SubscriptionId,
        ended: &str,
        change: impl AsyncFnOnce(&mut Subscription, &AccountHolder) -> Result<()>,
    ) -> Result<SubscriptionId> {
        let actor = call.actor;
        self.journaled(mutation, call, async |j| {
            policy::permit(actor.principal, Write::ManageSubscriptions)?;
            let (mut subscription, holder) = self.visible_subscription(actor, id).await?;
            if matches!(
                subscription.status,
                SubscriptionStatus::Cancelled | SubscriptionStatus::Expired
            ) {
                return Err(Error::Conflict(ended.to_owned()));
            }
            change(&mut subscription, &holder).await?;
            let key = format!("{}/subscription", j.op.key);
            let updated = self
                .c
                .billing
                .update_subscription(&key, &subscription)
                .await?;
            self.after_subscription_change(&holder, &updated).await;
            let action = audit_action(mutation);
            self.audit_target(actor, action, updated.id.global(), &holder)
                .await;
            Ok(updated.id)
        })
        .await
    }

    /// A subscription whose account holder the caller may see, with that holder.
    async fn visible_subscription(
        &self,
        actor: Actor<'_>,
        id: &SubscriptionId,
    ) -> Result<(Subscription, AccountHolder)> {
        let subscription = one(id, |ids| self.c.billing.subscriptions(ids)).await?;
        let subscription = subscription.ok_or(Error::NotFound)?;
        let holder = self.billing_holder(actor, &subscription.account_id).await?;
        Ok((subscription, holder))
    }

    /// An offer `partner` may sell; any other is `NOT_FOUND` ([`policy::orderable_offer`]).
    async fn eligible_offer(&self, id: &OfferId, partner: &Organization) -> Result<Offer> {
        let found = one(id, |ids| self.c.catalog.offers(ids)).await?;
        policy::orderable_offer(found, partner)
    }

    /// The partner whose eligibility governs what the holder may order.
    async fn partner_of(&self, holder: &AccountHolder) -> Result<Organization> {
        let id = match holder {
            AccountHolder::Customer(c) => c.partner_id.clone(),
            AccountHolder::Organization(o) => o.id.clone(),
        };
        self.load_org(&id).await?.ok_or(Error::NotFound)
    }

    /// Refreshes the summary of the customer whose subscription `s` changed; a failure is
    /// logged, not returned: the change stands, and the next order or sync refreshes it.
    async fn after_subscription_change(&self, holder: &AccountHolder, s: &Subscription) {
        if let AccountHolder::Customer(c) = holder {
            if let Err(e) = self.refresh_summary(&c.id, &s.account_id).await {
                tracing::warn!(error = %e, customer = %c.id, "customer summary not refreshed");
            }
        }
    }

    /// Checks the order against the caller's permissions, scope, the offer's eligibility and
    /// seat limits, before anything is written.
    pub(super) async fn plan_order(
        &self,
        actor: Actor<'_>,
        order: &Order,
        with_subscription: bool,
    ) -> Result<OrderPlan> {
        let p = actor.principal;
        if with_subscription {
            policy::permit(p, Write::ManageSubscriptions)?;
        }
        let (customer, new) = match &order.customer {
            OrderFor::Existing(id) => (Some(self.visible_customer(actor, id).await?), None),
            OrderFor::New(new) => {
                policy::permit(p, Write::CreateCustomer)?;
                (None, Some(self.validate_new_customer(actor, new).await?))
            }
        };
        let partner_id = match (&customer, &new) {
            (Some(c), _) => c.partner_id.clone(),
            (_, Some((partner, _))) => partner.id.clone(),
            _ => return Err(Error::internal("an order without a customer")),
        };
        let partner = self.load_org(&partner_id).await?.ok_or(Error::NotFound)?;
        let offer = if with_subscription {
            let offer = self.eligible_offer(&order.offer_id, &partner).await?;
            seats_within(&offer, order.quantity)?;
            Some(offer)
        } else {
            None
        };
        Ok(OrderPlan {
            customer,
            new: new.map(|(_, n)| n),
            partner,
            offer,
            quantity: order.quantity,
        })
    }

    /// Recomputes the customer's summary of its subscriptions from billing and keeps it.
    pub(super) async fn refresh_summary(
        &self,
        id: &CustomerId,
        account: &BillingAccountId,
    ) -> Result<()> {
        let subscriptions = self
            .c
            .billing
            .subscriptions_for_accounts(std::slice::from_ref(account))
            .await?;
        let mut customer = self.customer(id).await?;
        summarize(&mut customer, &subscriptions);
        self.c.directory.save_customer(&customer).await
    }
}

/// Customer summary fields derived from its subscriptions.
fn summarize(customer: &mut Customer, subscriptions: &[Subscription]) {
    let active: Vec<&Subscription> = subscriptions
        .iter()
        .filter(|s| {
            s.status == SubscriptionStatus::Active || s.status == SubscriptionStatus::Pending
        })
        .collect();
    customer.seats = active.iter().map(|s| s.quantity).sum();
    let mut skus: Vec<String> = active.iter().map(|s| s.sku.clone()).collect();
    skus.sort();
    skus.dedup();
    customer.skus = skus;
    customer.expires_on = active.iter().filter_map(|s| s.term_end_date).min();
}

/// Fails unless `quantity` is within the offer's seat limits.
fn seats_within(offer: &Offer, quantity: i64) -> Result<()> {
    let min = offer.min_seats.max(1);
    if quantity >= min && offer.max_seats.is_none_or(|max| quantity <= max) {
        return Ok(());
    }
    Err(Error::bad_input(
        "quantity",
        match offer.max_seats {
            Some(max) => format!("the quantity must be between {min} and {max} for this offer"),
            None => format!("the quantity must be at least {min}"),
        },
    ))
}
