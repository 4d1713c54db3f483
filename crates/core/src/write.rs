//! Writes: authorization, validation, idempotency, audit, and the saga behind writes that span
//! capabilities.
//!
//! Every write runs through [`Writes`], which knows connectors only as core's traits. A write
//! with an idempotency key is journaled through [`Directory::begin_operation`] before anything
//! else happens, so concurrent and retried calls with that key get the first call's answer.
//! Writes that span capabilities (a new customer: billing account, CRM account and contact,
//! subscription, directory record) journal each step before running it; every step is
//! idempotent by a key derived from the operation, so a step can be re-run after a crash
//! without creating twice. A failing step undoes the completed ones in reverse; a process that
//! stops mid-way resumes the operation on its next start ([`Writes::resume_unfinished`]).

mod access;
mod signup;

pub use access::{sha256_hex, ProfileInput};
pub use signup::{normalize_account_number, IdentityProvider, SignUp};

use crate::error::{Error, Result};
use crate::ids::*;
use crate::model::*;
use crate::permission::{BuiltInProfile, Permission};
use crate::principal::{Principal, Tenant};
use crate::traits::Connectors;
use async_trait::async_trait;
use chrono::Utc;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// How long a call waits for another call with the same idempotency key to finish.
const WAIT_FOR_TWIN: Duration = Duration::from_secs(10);
/// Longest accepted name, subject or email.
const MAX_TEXT: usize = 200;
/// Longest accepted case description.
const MAX_DESCRIPTION: usize = 10_000;

/// A stable id for the record a write step creates under `key`: retries of the step compute the
/// same id, which is what makes steps idempotent in the local store.
pub fn derived_id(prefix: &str, key: &str) -> String {
    let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, key.as_bytes());
    format!("{prefix}-{}", id.simple())
}

/// When a [`StepHook`] is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepPhase {
    /// Before the step's capability is called.
    Before,
    /// After the capability answered successfully.
    After,
}

/// Observes saga steps. Production uses [`NoHook`]; fault-injection tests fail or stall a step
/// here to prove that a failure or a crash at any point leaves all of an order or none of it.
#[async_trait]
pub trait StepHook: Send + Sync {
    /// Called around each step; an error fails the step at that point.
    async fn on_step(&self, step: &str, phase: StepPhase) -> Result<()>;
}

/// The hook that does nothing.
pub struct NoHook;

#[async_trait]
impl StepHook for NoHook {
    async fn on_step(&self, _: &str, _: StepPhase) -> Result<()> {
        Ok(())
    }
}

/// Mints the gateway's own session tokens; the server implements it with its token issuer,
/// so that core decides who may log in as whom without knowing token formats.
pub trait Sessions: Send + Sync {
    /// A short-lived token acting as `user` on behalf of `actor` for `reason`, and its expiry.
    fn impersonation_token(
        &self,
        user: &User,
        actor: &Principal,
        reason: &str,
    ) -> Result<(String, chrono::DateTime<Utc>)>;
}

/// Who is writing, for authorization and audit.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// The caller.
    pub principal: &'a Principal,
    /// The request, echoed in the audit log.
    pub request_id: &'a str,
}

/// A new end customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCustomer {
    /// The partner selling to it: required for distributor and platform callers, implied for
    /// partner callers.
    pub partner_id: Option<OrgId>,
    /// Display name.
    pub name: String,
    /// Main contact email.
    pub email: String,
    /// Main contact's first name.
    pub first_name: Option<String>,
    /// Main contact's last name.
    pub last_name: Option<String>,
}

/// Changes to a customer; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerChanges {
    /// The customer.
    pub customer_id: CustomerId,
    /// New display name.
    pub name: Option<String>,
    /// New main contact email.
    pub email: Option<String>,
    /// New details of the main contact person, in the CRM.
    pub contact: Option<ContactChange>,
}

/// Changes to a customer's main contact person; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactChange {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
}

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

/// A payment of one invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoicePayment {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// How much; the whole balance when absent.
    pub amount: Option<Decimal>,
    /// The currency the caller means; must be the invoice's when given.
    pub currency: Option<String>,
    /// The stored method to charge.
    pub payment_method_id: PaymentMethodId,
}

/// What paying an invoice did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentResult {
    /// The payment.
    pub payment_id: PaymentId,
    /// The invoice, with its new balance.
    pub invoice_id: InvoiceId,
}

/// A support case to open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRequest {
    /// The customer the case is about; the caller's own organization when absent.
    pub customer_id: Option<CustomerId>,
    /// One-line summary.
    pub subject: String,
    /// Details.
    pub description: String,
    /// Urgency.
    pub priority: CasePriority,
}

/// A user to invite onto a customer account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInvite {
    /// The customer.
    pub customer_id: CustomerId,
    /// Login email; must not be in use.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// `CUSTOMER_ADMIN` rather than `CUSTOMER_USER`.
    pub admin: bool,
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

/// Changes to a case; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseChange {
    /// The case.
    pub case_id: CaseId,
    /// New status.
    pub status: Option<CaseStatus>,
    /// New priority.
    pub priority: Option<CasePriority>,
    /// New description.
    pub description: Option<String>,
}

/// What deleting a customer removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deletion {
    /// The deleted customer's id.
    pub customer_id: CustomerId,
    /// Its name, for the confirmation.
    pub name: String,
    /// The records removed with it.
    pub removed: Removed,
}

/// The write side of the portal model.
#[derive(Clone)]
pub struct Writes {
    c: Connectors,
    identities: Arc<dyn IdentityProvider>,
    mailer: Arc<dyn crate::traits::Mailer>,
    hook: Arc<dyn StepHook>,
    sign_ups: signup::SignUpLimits,
}

impl Writes {
    /// Writes through `connectors`, with sign-in identities in `identities`, mail sent through
    /// `mailer` and `hook` around saga steps.
    pub fn new(
        connectors: Connectors,
        identities: Arc<dyn IdentityProvider>,
        mailer: Arc<dyn crate::traits::Mailer>,
        hook: Arc<dyn StepHook>,
    ) -> Self {
        Self {
            c: connectors,
            identities,
            mailer,
            hook,
            sign_ups: signup::SignUpLimits::new(),
        }
    }

    /// Creates an end customer: billing account, CRM account and contact, directory record.
    pub async fn create_customer(
        &self,
        actor: Actor<'_>,
        input: NewCustomer,
        key: Option<&str>,
    ) -> Result<Customer> {
        let order = Order {
            customer: OrderFor::New(input),
            offer_id: OfferId::from(""),
            quantity: 0,
        };
        let result: OrderResult = self
            .journaled(actor, "createCustomer", key, &order, async |j| {
                self.run_order(actor, &order, false, j).await
            })
            .await?;
        self.customer(&result.customer_id).await
    }

    /// Changes a customer's name or contact email.
    pub async fn update_customer(
        &self,
        actor: Actor<'_>,
        input: CustomerChanges,
        key: Option<&str>,
    ) -> Result<Customer> {
        let id: CustomerId = self
            .journaled(actor, "updateCustomer", key, &input, async |_| {
                actor.principal.require(Permission::ManageCustomers)?;
                let mut customer = self.visible_customer(actor, &input.customer_id).await?;
                if let Some(name) = &input.name {
                    customer.name = text("name", name, MAX_TEXT)?;
                }
                if let Some(email) = &input.email {
                    customer.email = email_address("email", email)?;
                }
                if let Some(change) = &input.contact {
                    self.update_contact(&customer, change).await?;
                }
                self.c.directory.save_customer(&customer).await?;
                self.audit(actor, "customer.update", &customer).await;
                Ok(customer.id)
            })
            .await?;
        self.customer(&id).await
    }

    /// Updates the customer's main contact in the CRM (the one with the customer's email, else
    /// the first), creating it when the account has none.
    async fn update_contact(&self, customer: &Customer, change: &ContactChange) -> Result<()> {
        let crm = customer.external.crm.clone().ok_or_else(|| {
            Error::Conflict("the customer has no CRM account to keep a contact in".to_owned())
        })?;
        let contacts = self
            .c
            .crm
            .contacts_for_accounts(std::slice::from_ref(&crm))
            .await?;
        let mut contact = contacts
            .iter()
            .find(|c| c.email.eq_ignore_ascii_case(&customer.email))
            .or(contacts.first())
            .cloned()
            .unwrap_or_else(|| Contact {
                account_id: crm,
                first_name: String::new(),
                last_name: customer.name.clone(),
                email: customer.email.clone(),
                phone: None,
            });
        if let Some(first) = &change.first_name {
            contact.first_name = text("contact.firstName", first, MAX_TEXT)?;
        }
        if let Some(last) = &change.last_name {
            contact.last_name = text("contact.lastName", last, MAX_TEXT)?;
        }
        if let Some(phone) = &change.phone {
            let phone = text("contact.phone", phone, 40)?;
            if !phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
            {
                return Err(Error::bad_input(
                    "contact.phone",
                    "a phone number has digits, spaces and + - ( ) . only",
                ));
            }
            contact.phone = Some(phone);
        }
        self.c.crm.save_contact(&contact).await
    }

    /// Deactivates (`active = false`) or reactivates a customer. An inactive customer's users
    /// are refused at sign-in; its data stays.
    pub async fn set_customer_active(
        &self,
        actor: Actor<'_>,
        customer_id: CustomerId,
        active: bool,
        key: Option<&str>,
    ) -> Result<Customer> {
        let action = if active {
            "reactivateCustomer"
        } else {
            "deactivateCustomer"
        };
        let id: CustomerId = self
            .journaled(actor, action, key, &customer_id, async |_| {
                actor.principal.require(Permission::ManageCustomers)?;
                let mut customer = self.visible_customer(actor, &customer_id).await?;
                customer.status = if active {
                    CustomerStatus::Active
                } else {
                    CustomerStatus::Inactive
                };
                self.c.directory.save_customer(&customer).await?;
                let what = if active {
                    "customer.reactivate"
                } else {
                    "customer.deactivate"
                };
                self.audit(actor, what, &customer).await;
                Ok(customer.id)
            })
            .await?;
        self.customer(&id).await
    }

    /// Deletes a customer with all its data, in billing, CRM and the directory. Cannot be undone.
    pub async fn delete_customer(
        &self,
        actor: Actor<'_>,
        customer_id: CustomerId,
        key: Option<&str>,
    ) -> Result<Deletion> {
        self.journaled(actor, "deleteCustomer", key, &customer_id, async |_| {
            actor.principal.require(Permission::DeleteCustomers)?;
            let customer = self.visible_customer(actor, &customer_id).await?;
            let mut removed = Removed::default();
            if let Some(billing) = &customer.external.billing {
                removed = removed + self.c.billing.delete_billing_account(billing).await?;
            }
            if let Some(crm) = &customer.external.crm {
                removed = removed + self.c.crm.delete_crm_account(crm).await?;
            }
            removed = removed + self.c.directory.delete_customer(&customer.id).await?;
            self.audit(actor, "customer.delete", &customer).await;
            Ok(Deletion {
                customer_id: customer.id,
                name: customer.name,
                removed,
            })
        })
        .await
    }

    /// Orders an offer for an existing or a new customer.
    pub async fn place_order(
        &self,
        actor: Actor<'_>,
        order: Order,
        key: Option<&str>,
    ) -> Result<OrderResult> {
        self.journaled(actor, "placeOrder", key, &order, async |j| {
            self.run_order(actor, &order, true, j).await
        })
        .await
    }

    /// Pays (part of) an invoice with a stored payment method of the same account.
    pub async fn pay_invoice(
        &self,
        actor: Actor<'_>,
        input: InvoicePayment,
        key: Option<&str>,
    ) -> Result<PaymentResult> {
        self.journaled(actor, "payInvoice", key, &input, async |j| {
            let op_key = j.op.key.clone();
            actor.principal.require(Permission::PayInvoices)?;
            let invoice = self
                .c
                .billing
                .invoices(std::slice::from_ref(&input.invoice_id))
                .await?
                .pop()
                .ok_or(Error::NotFound)?;
            let holder = self
                .c
                .directory
                .holders_by_billing_account(std::slice::from_ref(&invoice.account_id))
                .await?
                .pop()
                .filter(|h| actor.principal.scope().permits_holder(h))
                .ok_or(Error::NotFound)?;
            let method = self
                .c
                .billing
                .payment_methods(std::slice::from_ref(&input.payment_method_id))
                .await?
                .pop()
                .ok_or(Error::NotFound)?;
            if method.account_id != invoice.account_id {
                // Another account's method: out of reach is NOT_FOUND like an unknown id; one
                // the caller may see is the wrong input.
                let visible = self
                    .c
                    .directory
                    .holders_by_billing_account(std::slice::from_ref(&method.account_id))
                    .await?
                    .pop()
                    .is_some_and(|h| actor.principal.scope().permits_holder(&h));
                return Err(if visible {
                    Error::bad_input(
                        "paymentMethodId",
                        "the payment method is not on the invoice's account",
                    )
                } else {
                    Error::NotFound
                });
            }
            if invoice.balance.amount <= Decimal::ZERO {
                return Err(Error::Conflict("the invoice is already paid".to_owned()));
            }
            if let Some(currency) = &input.currency {
                if !currency.eq_ignore_ascii_case(&invoice.balance.currency) {
                    return Err(Error::bad_input(
                        "currency",
                        format!("the invoice is in {}", invoice.balance.currency),
                    ));
                }
            }
            let amount = input.amount.unwrap_or(invoice.balance.amount);
            if amount <= Decimal::ZERO {
                return Err(Error::bad_input("amount", "the amount must be positive"));
            }
            if amount > invoice.balance.amount {
                return Err(Error::bad_input(
                    "amount",
                    format!(
                        "the amount exceeds the invoice's balance of {} {}",
                        invoice.balance.amount, invoice.balance.currency
                    ),
                ));
            }
            let payment = self
                .c
                .billing
                .apply_payment(
                    &format!("{op_key}/payment"),
                    &NewPayment {
                        invoice_id: invoice.id.clone(),
                        amount: Money::new(amount, invoice.balance.currency.clone()),
                        payment_method_id: method.id,
                        effective_date: Utc::now().date_naive(),
                    },
                )
                .await?;
            self.audit_target(actor, "invoice.pay", invoice.id.global(), &holder)
                .await;
            Ok(PaymentResult {
                payment_id: payment.id,
                invoice_id: invoice.id,
            })
        })
        .await
    }

    /// Opens a support case on a customer's account or the caller's organization's.
    pub async fn create_case(
        &self,
        actor: Actor<'_>,
        input: CaseRequest,
        key: Option<&str>,
    ) -> Result<CaseId> {
        self.journaled(actor, "createCase", key, &input, async |j| {
            let op_key = j.op.key.clone();
            actor.principal.require(Permission::ManageCases)?;
            let subject = text("subject", &input.subject, MAX_TEXT)?;
            let description = long_text("description", &input.description)?;
            let holder = match &input.customer_id {
                Some(id) => AccountHolder::Customer(self.visible_customer(actor, id).await?),
                None => self.own_account(actor).await?,
            };
            let account_id = holder.external().crm.clone().ok_or_else(|| {
                Error::Conflict("the account has no CRM account to open cases on".to_owned())
            })?;
            let case = self
                .c
                .crm
                .create_case(
                    &format!("{op_key}/case"),
                    &NewCase {
                        account_id,
                        subject,
                        description,
                        priority: input.priority,
                    },
                )
                .await?;
            self.audit_target(actor, "case.create", case.id.global(), &holder)
                .await;
            Ok(case.id)
        })
        .await
    }

    /// Invites a user onto a customer account; the user is `PENDING` until it signs in.
    pub async fn invite_customer_user(
        &self,
        actor: Actor<'_>,
        input: UserInvite,
        key: Option<&str>,
    ) -> Result<UserId> {
        self.journaled(actor, "inviteCustomerUser", key, &input, async |j| {
            actor.principal.require(Permission::ManageUsers)?;
            let customer = self.visible_customer(actor, &input.customer_id).await?;
            let email = email_address("email", &input.email)?;
            let id = UserId::from(derived_id("user", &j.op.key));
            if let Some(existing) = self.c.directory.user_by_email(&email).await? {
                if existing.id != id {
                    return Err(Error::Conflict(format!(
                        "{email} already has a portal user"
                    )));
                }
            }
            let profile = if input.admin {
                BuiltInProfile::CustomerAdmin
            } else {
                BuiltInProfile::CustomerUser
            };
            let user = User {
                id,
                email,
                first_name: text("firstName", &input.first_name, MAX_TEXT)?,
                last_name: text("lastName", &input.last_name, MAX_TEXT)?,
                profile_id: profile.id(),
                status: UserStatus::Pending,
                membership: Membership::Customer(customer.id.clone()),
                created_at: j.op.created_at,
            };
            self.c.directory.save_user(&user).await?;
            let holder = AccountHolder::Customer(customer);
            self.audit_target(actor, "user.invite", user.id.global(), &holder)
                .await;
            Ok(user.id)
        })
        .await
    }

    /// Removes a user from a customer account.
    pub async fn remove_customer_user(
        &self,
        actor: Actor<'_>,
        user_id: UserId,
        key: Option<&str>,
    ) -> Result<UserId> {
        self.journaled(actor, "removeCustomerUser", key, &user_id, async |_| {
            actor.principal.require(Permission::ManageUsers)?;
            let user = self
                .c
                .directory
                .users(std::slice::from_ref(&user_id))
                .await?
                .pop()
                .ok_or(Error::NotFound)?;
            let Membership::Customer(customer_id) = &user.membership else {
                return Err(Error::NotFound);
            };
            let customer = self.visible_customer(actor, customer_id).await?;
            if user.id == actor.principal.user_id {
                return Err(Error::Conflict("you cannot remove yourself".to_owned()));
            }
            self.c.directory.delete_user(&user.id).await?;
            let holder = AccountHolder::Customer(customer);
            self.audit_target(actor, "user.remove", user.id.global(), &holder)
                .await;
            Ok(user.id)
        })
        .await
    }

    /// Changes a subscription's seats or offer, within the offer's limits and eligibility.
    pub async fn change_subscription(
        &self,
        actor: Actor<'_>,
        input: SubscriptionChange,
        key: Option<&str>,
    ) -> Result<SubscriptionId> {
        self.journaled(actor, "changeSubscription", key, &input, async |j| {
            actor.principal.require(Permission::ManageSubscriptions)?;
            let (mut subscription, holder) = self
                .visible_subscription(actor, &input.subscription_id)
                .await?;
            if matches!(
                subscription.status,
                SubscriptionStatus::Cancelled | SubscriptionStatus::Expired
            ) {
                return Err(Error::Conflict("the subscription has ended".to_owned()));
            }
            let partner = self.partner_of(&holder).await?;
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
            let key = format!("{}/subscription", j.op.key);
            let updated = self
                .c
                .billing
                .update_subscription(&key, &subscription)
                .await?;
            self.after_subscription_change(&holder, &updated).await;
            self.audit_target(actor, "subscription.change", updated.id.global(), &holder)
                .await;
            Ok(updated.id)
        })
        .await
    }

    /// Cancels a subscription now, or at the end of its term (it then stops renewing).
    pub async fn cancel_subscription(
        &self,
        actor: Actor<'_>,
        subscription_id: SubscriptionId,
        immediately: bool,
        key: Option<&str>,
    ) -> Result<SubscriptionId> {
        let input = (&subscription_id, immediately);
        self.journaled(actor, "cancelSubscription", key, &input, async |j| {
            actor.principal.require(Permission::ManageSubscriptions)?;
            let (mut subscription, holder) =
                self.visible_subscription(actor, &subscription_id).await?;
            if matches!(
                subscription.status,
                SubscriptionStatus::Cancelled | SubscriptionStatus::Expired
            ) {
                return Err(Error::Conflict(
                    "the subscription has already ended".to_owned(),
                ));
            }
            subscription.auto_renew = false;
            if immediately {
                subscription.status = SubscriptionStatus::Cancelled;
                subscription.term_end_date = Some(Utc::now().date_naive());
            }
            let key = format!("{}/subscription", j.op.key);
            let updated = self
                .c
                .billing
                .update_subscription(&key, &subscription)
                .await?;
            self.after_subscription_change(&holder, &updated).await;
            self.audit_target(actor, "subscription.cancel", updated.id.global(), &holder)
                .await;
            Ok(updated.id)
        })
        .await
    }

    /// Changes a case's status, priority or description.
    pub async fn update_case(
        &self,
        actor: Actor<'_>,
        input: CaseChange,
        key: Option<&str>,
    ) -> Result<CaseId> {
        self.journaled(actor, "updateCase", key, &input, async |_| {
            actor.principal.require(Permission::ManageCases)?;
            let (mut case, holder) = self.visible_case(actor, &input.case_id).await?;
            if let Some(status) = input.status {
                case.status = status;
            }
            if let Some(priority) = input.priority {
                case.priority = priority;
            }
            if let Some(description) = &input.description {
                case.description = long_text("description", description)?;
            }
            let case = self.c.crm.update_case(&case).await?;
            self.audit_target(actor, "case.update", case.id.global(), &holder)
                .await;
            Ok(case.id)
        })
        .await
    }

    /// Adds a comment to a case.
    pub async fn add_case_comment(
        &self,
        actor: Actor<'_>,
        case_id: CaseId,
        body: String,
        key: Option<&str>,
    ) -> Result<CaseId> {
        let input = (&case_id, &body);
        self.journaled(actor, "addCaseComment", key, &input, async |j| {
            actor.principal.require(Permission::ManageCases)?;
            let (mut case, holder) = self.visible_case(actor, &case_id).await?;
            let body = long_text("body", &body)?;
            if body.is_empty() {
                return Err(Error::bad_input("body", "`body` must not be empty"));
            }
            let id = derived_id("comment", &j.op.key);
            if !case.comments.iter().any(|c| c.id == id) {
                case.comments.push(CaseComment {
                    id,
                    at: j.op.created_at,
                    author_email: actor.principal.email.clone(),
                    body,
                });
            }
            let case = self.c.crm.update_case(&case).await?;
            self.audit_target(actor, "case.comment", case.id.global(), &holder)
                .await;
            Ok(case.id)
        })
        .await
    }

    /// A subscription whose account holder the caller may see, with that holder.
    async fn visible_subscription(
        &self,
        actor: Actor<'_>,
        id: &SubscriptionId,
    ) -> Result<(Subscription, AccountHolder)> {
        let subscription = self
            .c
            .billing
            .subscriptions(std::slice::from_ref(id))
            .await?
            .pop()
            .ok_or(Error::NotFound)?;
        let holder = self
            .c
            .directory
            .holders_by_billing_account(std::slice::from_ref(&subscription.account_id))
            .await?
            .pop()
            .filter(|h| actor.principal.scope().permits_holder(h))
            .ok_or(Error::NotFound)?;
        Ok((subscription, holder))
    }

    /// A case whose account holder the caller may see, with that holder.
    async fn visible_case(&self, actor: Actor<'_>, id: &CaseId) -> Result<(Case, AccountHolder)> {
        let case = self
            .c
            .crm
            .cases(std::slice::from_ref(id))
            .await?
            .pop()
            .ok_or(Error::NotFound)?;
        let holder = self
            .c
            .directory
            .holders_by_crm_account(std::slice::from_ref(&case.account_id))
            .await?
            .pop()
            .filter(|h| actor.principal.scope().permits_holder(h))
            .ok_or(Error::NotFound)?;
        Ok((case, holder))
    }

    /// An offer `partner` may sell. Any other is `NOT_FOUND`, like an offer that does not
    /// exist: the caller reaches the partner, so an offer the partner may not sell is one the
    /// caller may not order for it (and, for partner and customer callers, may not see).
    async fn eligible_offer(&self, id: &OfferId, partner: &Organization) -> Result<Offer> {
        self.c
            .catalog
            .offers(std::slice::from_ref(id))
            .await?
            .pop()
            .filter(|o| o.is_eligible_for(partner))
            .ok_or(Error::NotFound)
    }

    /// The partner whose eligibility governs what the holder may order.
    async fn partner_of(&self, holder: &AccountHolder) -> Result<Organization> {
        let id = match holder {
            AccountHolder::Customer(c) => c.partner_id.clone(),
            AccountHolder::Organization(o) => o.id.clone(),
        };
        self.c
            .directory
            .organizations(std::slice::from_ref(&id))
            .await?
            .pop()
            .ok_or(Error::NotFound)
    }

    async fn after_subscription_change(&self, holder: &AccountHolder, s: &Subscription) {
        if let AccountHolder::Customer(c) = holder {
            if let Err(e) = self.refresh_summary(&c.id, &s.account_id).await {
                tracing::warn!(error = %e, customer = %c.id, "customer summary not refreshed");
            }
        }
    }

    /// Resumes the journaled operations a stopped process left unfinished: orders run to the
    /// end (their steps are idempotent); other writes, single steps whose outcome is unknown,
    /// are marked failed so that a replay answers instead of waiting.
    pub async fn resume_unfinished(&self) -> Result<usize> {
        let ops = self.c.directory.unfinished_operations().await?;
        let count = ops.len();
        for op in ops {
            let mut journal = Journal {
                op,
                directory: self.c.directory.clone(),
            };
            let outcome = match journal.op.action.as_str() {
                "placeOrder" | "createCustomer" => {
                    let resumed = self.resume_order(&mut journal).await;
                    match resumed {
                        Ok(result) => serde_json::to_value(result).map_err(Error::internal),
                        Err(e) => Err(e),
                    }
                }
                _ => Err(Error::Internal(
                    "the gateway stopped while this write ran; check its target".to_owned(),
                )),
            };
            journal.finish(outcome).await?;
        }
        Ok(count)
    }

    async fn resume_order(&self, journal: &mut Journal) -> Result<OrderResult> {
        let order: Order =
            serde_json::from_value(journal.op.input.clone()).map_err(Error::internal)?;
        let actor_id = journal.op.actor_id.clone();
        let principal = self.principal_of(&actor_id).await?;
        let actor = Actor {
            principal: &principal,
            request_id: "resume",
        };
        let with_subscription = journal.op.action == "placeOrder";
        if journal.op.status == OperationStatus::Compensating {
            self.compensate(journal).await?;
            return Err(Error::Internal(
                "the order failed and was undone".to_owned(),
            ));
        }
        self.run_order(actor, &order, with_subscription, journal)
            .await
    }

    /// The principal an operation was started by, rebuilt from the directory for a resume.
    async fn principal_of(&self, user_id: &UserId) -> Result<Principal> {
        let user = self
            .c
            .directory
            .users(std::slice::from_ref(user_id))
            .await?
            .pop()
            .ok_or(Error::NotFound)?;
        Principal::of_user(self.c.directory.as_ref(), user).await
    }

    /// Runs `run` as a journaled operation. Without an idempotency key it runs under a fresh
    /// one (still journaled, so a crash mid-way is resumed). With a key, the first call runs
    /// it; later calls with the same input get the journaled answer (waiting while the first
    /// still runs); a different input under the same key is a conflict.
    async fn journaled<I, O>(
        &self,
        actor: Actor<'_>,
        action: &str,
        key: Option<&str>,
        input: &I,
        run: impl AsyncFnOnce(&mut Journal) -> Result<O>,
    ) -> Result<O>
    where
        I: Serialize,
        O: Serialize + DeserializeOwned,
    {
        let key = match key {
            Some(key) => idempotency_key(key)?.to_owned(),
            None => format!("auto-{}", uuid::Uuid::new_v4().simple()),
        };
        let op = Operation {
            key: format!("{}/{key}", actor.principal.user_id),
            action: action.to_owned(),
            input: serde_json::to_value(input).map_err(Error::internal)?,
            actor_id: actor.principal.user_id.clone(),
            status: OperationStatus::Running,
            steps: Vec::new(),
            result: None,
            error: None,
            created_at: Utc::now(),
        };
        let deadline = tokio::time::Instant::now() + WAIT_FOR_TWIN;
        while let Some(existing) = self.c.directory.begin_operation(&op).await? {
            if existing.action != op.action || existing.input != op.input {
                return Err(Error::Conflict(
                    "this idempotency key was used with a different input".to_owned(),
                ));
            }
            match existing.status {
                OperationStatus::Completed => {
                    let result = existing.result.unwrap_or_default();
                    return serde_json::from_value(result).map_err(Error::internal);
                }
                OperationStatus::Failed => return Err(replayed(existing.error)),
                OperationStatus::Running | OperationStatus::Compensating => {
                    if tokio::time::Instant::now() >= deadline {
                        return Err(Error::Conflict(
                            "a request with this idempotency key is still running".to_owned(),
                        ));
                    }
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
            }
        }
        let mut journal = Journal {
            op,
            directory: self.c.directory.clone(),
        };
        let outcome = run(&mut journal).await;
        match outcome {
            Ok(result) => {
                let value = serde_json::to_value(&result).map_err(Error::internal)?;
                journal.finish(Ok(value)).await?;
                Ok(result)
            }
            Err(e) => {
                if !matches!(
                    e,
                    Error::Forbidden(_) | Error::NotFound | Error::BadInput { .. }
                ) {
                    tracing::warn!(error = %e, key = %journal.op.key, action, "write failed");
                }
                self.audit_failure(actor, audit_action(action), &e).await;
                let replay = stored(&e);
                journal.finish(Err(e)).await?;
                Err(replayed(Some(replay)))
            }
        }
    }

    /// Validates and runs the order's steps; on a step failure undoes the completed ones.
    async fn run_order(
        &self,
        actor: Actor<'_>,
        order: &Order,
        with_subscription: bool,
        journal: &mut Journal,
    ) -> Result<OrderResult> {
        let key = journal.op.key.clone();
        let plan = self.plan_order(actor, order, with_subscription).await?;
        match self.order_steps(&plan, &key, journal).await {
            Ok(result) => {
                let customer = self.customer(&result.customer_id).await?;
                let action = if with_subscription {
                    "order.place"
                } else {
                    "customer.create"
                };
                self.audit(actor, action, &customer).await;
                Ok(result)
            }
            Err(e) => {
                journal.op.status = OperationStatus::Compensating;
                journal.save().await?;
                if let Err(undo) = self.compensate(journal).await {
                    // What the undo could not reach stays upstream; the journal's steps say what.
                    tracing::error!(error = %undo, cause = %e, key = %key, "order undo incomplete");
                    return Err(undo);
                }
                Err(e)
            }
        }
    }

    /// Checks the order against the caller's permissions, scope, the offer's eligibility and
    /// seat limits, before anything is written.
    async fn plan_order(
        &self,
        actor: Actor<'_>,
        order: &Order,
        with_subscription: bool,
    ) -> Result<OrderPlan> {
        let p = actor.principal;
        if with_subscription {
            p.require(Permission::ManageSubscriptions)?;
        }
        let (customer, new) = match &order.customer {
            OrderFor::Existing(id) => (Some(self.visible_customer(actor, id).await?), None),
            OrderFor::New(new) => {
                p.require(Permission::ManageCustomers)?;
                (None, Some(self.validate_new_customer(actor, new).await?))
            }
        };
        let partner_id = match (&customer, &new) {
            (Some(c), _) => c.partner_id.clone(),
            (_, Some((partner, _))) => partner.id.clone(),
            _ => return Err(Error::internal("an order without a customer")),
        };
        let partner = self
            .c
            .directory
            .organizations(std::slice::from_ref(&partner_id))
            .await?
            .pop()
            .ok_or(Error::NotFound)?;
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

    async fn validate_new_customer(
        &self,
        actor: Actor<'_>,
        new: &NewCustomer,
    ) -> Result<(Organization, NewCustomer)> {
        let name = text("name", &new.name, MAX_TEXT)?;
        let email = email_address("email", &new.email)?;
        let partner_id = match (&actor.principal.tenant, &new.partner_id) {
            (
                Tenant::Organization {
                    id,
                    kind: OrgKind::Partner,
                },
                None,
            ) => id.clone(),
            (_, Some(id)) => id.clone(),
            (_, None) => {
                return Err(Error::bad_input(
                    "partnerId",
                    "name the partner selling to the new customer",
                ))
            }
        };
        let partner = self
            .c
            .directory
            .organizations(std::slice::from_ref(&partner_id))
            .await?
            .pop()
            .filter(|o| o.kind == OrgKind::Partner)
            .filter(|o| actor.principal.scope().permits_organization(o))
            .ok_or(Error::NotFound)?;
        let optional = |field: &str, v: &Option<String>| -> Result<Option<String>> {
            v.as_deref().map(|v| text(field, v, MAX_TEXT)).transpose()
        };
        Ok((
            partner.clone(),
            NewCustomer {
                partner_id: Some(partner.id),
                name,
                email,
                first_name: optional("firstName", &new.first_name)?,
                last_name: optional("lastName", &new.last_name)?,
            },
        ))
    }

    /// The steps, each journaled before it runs and idempotent under its own key.
    async fn order_steps(
        &self,
        plan: &OrderPlan,
        key: &str,
        journal: &mut Journal,
    ) -> Result<OrderResult> {
        let partner = &plan.partner;
        let customer = match (&plan.customer, &plan.new) {
            (Some(c), _) => c.clone(),
            (None, Some(new)) => {
                let billing_request = NewBillingAccount {
                    name: new.name.clone(),
                    currency: self.order_currency(plan).await?,
                    parent_id: partner.external.billing.clone(),
                };
                let billing: BillingAccount = self
                    .step(journal, "billing.account", &billing_request, async |r| {
                        let key = format!("{key}/billing");
                        self.c.billing.create_billing_account(&key, r).await
                    })
                    .await?;
                let crm_request = NewCrmAccount {
                    name: new.name.clone(),
                    parent_id: partner.external.crm.clone(),
                    contact: Some(NewContact {
                        first_name: new.first_name.clone().unwrap_or_default(),
                        last_name: new.last_name.clone().unwrap_or_else(|| new.name.clone()),
                        email: new.email.clone(),
                        phone: None,
                    }),
                };
                let crm: CrmAccount = self
                    .step(journal, "crm.account", &crm_request, async |r| {
                        let key = format!("{key}/crm");
                        self.c.crm.create_crm_account(&key, r).await
                    })
                    .await?;
                let customer = Customer {
                    id: CustomerId::from(derived_id("cus", key)),
                    partner_id: partner.id.clone(),
                    distributor_id: partner.parent_id.clone(),
                    name: new.name.clone(),
                    email: new.email.clone(),
                    account_number: billing.account_number.clone(),
                    status: CustomerStatus::Active,
                    seats: 0,
                    skus: Vec::new(),
                    expires_on: None,
                    external: ExternalIds {
                        billing: Some(billing.id.clone()),
                        crm: Some(crm.id.clone()),
                    },
                    created_at: journal.op.created_at,
                };
                self.step(journal, "directory.customer", &customer, async |c| {
                    self.c.directory.save_customer(c).await.map(|()| c.clone())
                })
                .await?
            }
            (None, None) => return Err(Error::internal("an order without a customer")),
        };
        let Some(offer) = &plan.offer else {
            return Ok(OrderResult {
                customer_id: customer.id,
                subscription_id: None,
            });
        };
        let account_id = customer
            .external
            .billing
            .clone()
            .ok_or_else(|| Error::Conflict("the customer has no billing account".to_owned()))?;
        let request = NewSubscription {
            account_id: account_id.clone(),
            offer: offer.clone(),
            quantity: plan.quantity,
            start_date: journal.op.created_at.date_naive(),
            invoice_owner: partner.invoice_owner,
        };
        let subscription: Subscription = self
            .step(journal, "billing.subscription", &request, async |r| {
                let key = format!("{key}/subscription");
                self.c.billing.create_subscription(&key, r).await
            })
            .await?;
        // Seats, SKUs and expiry are derived from the subscriptions: if refreshing them fails
        // the order still stands, and the next order or sync refreshes them.
        if let Err(e) = self.refresh_summary(&customer.id, &account_id).await {
            tracing::warn!(error = %e, customer = %customer.id, "customer summary not refreshed");
        }
        Ok(OrderResult {
            customer_id: customer.id,
            subscription_id: Some(subscription.id),
        })
    }

    /// The currency a new customer's account is billed in: the offer's, or else the partner's
    /// (billing systems keep a hierarchy in one currency).
    async fn order_currency(&self, plan: &OrderPlan) -> Result<String> {
        if let Some(offer) = &plan.offer {
            return Ok(offer.price.currency.clone());
        }
        let parent = match &plan.partner.external.billing {
            Some(id) => self
                .c
                .billing
                .accounts(std::slice::from_ref(id))
                .await?
                .pop(),
            None => None,
        };
        Ok(parent.map_or_else(|| "USD".to_owned(), |a| a.balance.currency))
    }

    async fn refresh_summary(&self, id: &CustomerId, account: &BillingAccountId) -> Result<()> {
        let subscriptions = self
            .c
            .billing
            .subscriptions_for_accounts(std::slice::from_ref(account))
            .await?;
        let mut customer = self.customer(id).await?;
        summarize(&mut customer, &subscriptions);
        self.c.directory.save_customer(&customer).await
    }

    /// Journals a step with its request, runs it with the hook around it, and journals its
    /// output. A step already done (in a resumed operation) answers from the journal.
    async fn step<R, T>(
        &self,
        journal: &mut Journal,
        name: &str,
        request: &R,
        run: impl AsyncFnOnce(&R) -> Result<T>,
    ) -> Result<T>
    where
        R: Serialize,
        T: Serialize + DeserializeOwned,
    {
        let done = journal
            .op
            .steps
            .iter()
            .find(|s| s.name == name && s.done)
            .and_then(|s| s.output.clone())
            .and_then(|o| serde_json::from_value(o).ok());
        if let Some(done) = done {
            return Ok(done);
        }
        if !journal.op.steps.iter().any(|s| s.name == name) {
            journal.op.steps.push(StepRecord {
                name: name.to_owned(),
                done: false,
                request: Some(serde_json::to_value(request).map_err(Error::internal)?),
                output: None,
                refused: false,
            });
            journal.save().await?;
        }
        self.hook.on_step(name, StepPhase::Before).await?;
        let output = match run(request).await {
            Ok(output) => output,
            Err(e) => {
                // A refusal is an outcome: the undo need not re-issue the step to learn it.
                if matches!(e, Error::Upstream(crate::UpstreamError::Rejected { .. })) {
                    if let Some(record) = journal.op.steps.iter_mut().find(|s| s.name == name) {
                        record.refused = true;
                    }
                    journal.save().await?;
                }
                return Err(e);
            }
        };
        self.hook.on_step(name, StepPhase::After).await?;
        let value = serde_json::to_value(&output).map_err(Error::internal)?;
        if let Some(record) = journal.op.steps.iter_mut().find(|s| s.name == name) {
            record.done = true;
            record.output = Some(value);
        }
        journal.save().await?;
        Ok(output)
    }

    /// Undoes every started step of an order, newest first, but for those the upstream
    /// refused (they created nothing). A step whose outcome is unknown is re-issued first
    /// (creates are idempotent by key) to learn what it created (see [`learnt`]), so an
    /// unanswered create leaves nothing behind.
    async fn compensate(&self, journal: &mut Journal) -> Result<()> {
        let key = journal.op.key.clone();
        let steps = journal.op.steps.clone();
        for step in steps.iter().rev().filter(|step| !step.refused) {
            let request = step.request.clone().unwrap_or_default();
            match step.name.as_str() {
                "directory.customer" => {
                    let customer: Customer = decode(&request)?;
                    self.c.directory.delete_customer(&customer.id).await?;
                }
                "crm.account" => {
                    let reissue = async {
                        let key = format!("{key}/crm");
                        self.c
                            .crm
                            .create_crm_account(&key, &decode(&request)?)
                            .await
                    };
                    let account = learnt(step, reissue).await?;
                    self.c.crm.delete_crm_account(&account.id).await?;
                }
                "billing.account" => {
                    let reissue = async {
                        let key = format!("{key}/billing");
                        let new = decode(&request)?;
                        self.c.billing.create_billing_account(&key, &new).await
                    };
                    let account = learnt(step, reissue).await?;
                    self.c.billing.delete_billing_account(&account.id).await?;
                }
                "billing.subscription" => {
                    let reissue = async {
                        let key = format!("{key}/subscription");
                        let new = decode(&request)?;
                        self.c.billing.create_subscription(&key, &new).await
                    };
                    let subscription = learnt(step, reissue).await?;
                    self.c.billing.delete_subscription(&subscription.id).await?;
                }
                // Contacts go with their CRM account; the summary is derived data.
                _ => {}
            }
        }
        Ok(())
    }

    async fn customer(&self, id: &CustomerId) -> Result<Customer> {
        self.c
            .directory
            .customers(std::slice::from_ref(id))
            .await?
            .pop()
            .ok_or(Error::NotFound)
    }

    /// A customer the caller may see; anything else is `NOT_FOUND`.
    async fn visible_customer(&self, actor: Actor<'_>, id: &CustomerId) -> Result<Customer> {
        let customer = self.customer(id).await?;
        if actor.principal.scope().permits_customer(&customer) {
            Ok(customer)
        } else {
            Err(Error::NotFound)
        }
    }

    /// The caller's own account: its organization's or its customer's.
    async fn own_account(&self, actor: Actor<'_>) -> Result<AccountHolder> {
        match &actor.principal.tenant {
            Tenant::Organization { id, .. } => self
                .c
                .directory
                .organizations(std::slice::from_ref(id))
                .await?
                .pop()
                .map(AccountHolder::Organization)
                .ok_or(Error::NotFound),
            Tenant::Customer { id, .. } => Ok(AccountHolder::Customer(self.customer(id).await?)),
            Tenant::Platform => Err(Error::bad_input(
                "customerId",
                "name the customer the case is about",
            )),
        }
    }

    async fn audit(&self, actor: Actor<'_>, action: &str, customer: &Customer) {
        self.audit_target(
            actor,
            action,
            customer.id.global(),
            &AccountHolder::Customer(customer.clone()),
        )
        .await;
    }

    async fn audit_target(
        &self,
        actor: Actor<'_>,
        action: &str,
        target: crate::GlobalId,
        holder: &AccountHolder,
    ) {
        let (org_id, customer_id) = match holder {
            AccountHolder::Organization(o) => (Some(o.id.clone()), None),
            AccountHolder::Customer(c) => (Some(c.partner_id.clone()), Some(c.id.clone())),
        };
        self.record(
            actor,
            action,
            target.encode(),
            AuditOutcome::Success,
            org_id,
            customer_id,
        )
        .await;
    }

    async fn audit_failure(&self, actor: Actor<'_>, action: &str, error: &Error) {
        let outcome = match error {
            Error::Forbidden(_) | Error::NotFound => AuditOutcome::Denied,
            _ => AuditOutcome::Failed,
        };
        let org_id = self.actor_org(actor);
        self.record(actor, action, String::new(), outcome, org_id, None)
            .await;
    }

    /// The organization whose audit log shows the caller's own actions.
    fn actor_org(&self, actor: Actor<'_>) -> Option<OrgId> {
        match &actor.principal.tenant {
            Tenant::Organization { id, .. } => Some(id.clone()),
            Tenant::Customer { partner_id, .. } => Some(partner_id.clone()),
            Tenant::Platform => None,
        }
    }

    /// Appends to the audit log. An audit failure is logged, not returned: the write it
    /// describes has already happened and must not be reported as failed.
    async fn record(
        &self,
        actor: Actor<'_>,
        action: &str,
        target: String,
        outcome: AuditOutcome,
        org_id: Option<OrgId>,
        customer_id: Option<CustomerId>,
    ) {
        let p = actor.principal;
        let (actor_id, actor_email, on_behalf_of) = match &p.impersonator {
            Some(real) => (
                real.user_id.clone(),
                real.email.clone(),
                Some(p.user_id.clone()),
            ),
            None => (p.user_id.clone(), p.email.clone(), None),
        };
        let event = AuditEvent {
            id: AuditEventId::from(format!("audit-{}", uuid::Uuid::now_v7().simple())),
            at: Utc::now(),
            actor_id: Some(actor_id),
            actor_email,
            on_behalf_of,
            action: action.to_owned(),
            target,
            outcome,
            request_id: actor.request_id.to_owned(),
            org_id,
            customer_id,
        };
        if let Err(e) = self.c.directory.record_audit(&event).await {
            tracing::error!(error = %e, action, "could not record an audit event");
        }
    }
}

/// An order checked and ready to run.
struct OrderPlan {
    customer: Option<Customer>,
    new: Option<NewCustomer>,
    partner: Organization,
    offer: Option<Offer>,
    quantity: i64,
}

/// An operation being run, saved to the directory as it progresses.
struct Journal {
    op: Operation,
    directory: Arc<dyn crate::traits::Directory>,
}

impl Journal {
    async fn save(&self) -> Result<()> {
        self.directory.save_operation(&self.op).await
    }

    async fn finish(&mut self, outcome: Result<serde_json::Value>) -> Result<()> {
        match outcome {
            Ok(value) => {
                self.op.status = OperationStatus::Completed;
                self.op.result = Some(value);
            }
            Err(e) => {
                self.op.status = OperationStatus::Failed;
                self.op.error = Some(stored(&e));
            }
        }
        self.save().await
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

/// The audit log's name for a mutation (`customer.update` for `updateCustomer`).
fn audit_action(mutation: &str) -> &str {
    match mutation {
        "createCustomer" => "customer.create",
        "updateCustomer" => "customer.update",
        "deactivateCustomer" => "customer.deactivate",
        "reactivateCustomer" => "customer.reactivate",
        "deleteCustomer" => "customer.delete",
        "placeOrder" => "order.place",
        "payInvoice" => "invoice.pay",
        "createCase" => "case.create",
        "updateCase" => "case.update",
        "addCaseComment" => "case.comment",
        "inviteCustomerUser" => "user.invite",
        "removeCustomerUser" => "user.remove",
        "changeSubscription" => "subscription.change",
        "activateUser" => "user.activate",
        "changeUserProfile" => "user.profile",
        "suspendUser" => "user.suspend",
        "removeUser" => "user.remove",
        "saveProfile" => "profile.save",
        "sendActivationLink" => "user.activation_link",
        "cancelSubscription" => "subscription.cancel",
        other => other,
    }
}

/// What a started order step created: its journaled output when it finished, else what
/// re-issuing it under its key answers (the first result, if the first request got through).
async fn learnt<T: DeserializeOwned>(
    step: &StepRecord,
    reissue: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    match (step.done, &step.output) {
        (true, Some(output)) => decode(output),
        _ => reissue.await,
    }
}

fn decode<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T> {
    serde_json::from_value(value.clone()).map_err(Error::internal)
}

/// The error a client gets, as kept in the journal.
fn stored(e: &Error) -> StoredError {
    use crate::UpstreamError::{NotFound, Rejected};
    let (code, field, message) = match e {
        Error::NotFound => ("NOT_FOUND", None, e.to_string()),
        Error::Forbidden(_) => ("FORBIDDEN", None, e.to_string()),
        Error::BadInput { field, message } => ("BAD_USER_INPUT", field.clone(), message.clone()),
        Error::Conflict(_) => ("CONFLICT", None, e.to_string()),
        // Only sign-up is throttled, and it is not journaled: nothing replays this.
        Error::RateLimited { .. } => ("RATE_LIMITED", None, e.to_string()),
        Error::Upstream(NotFound) => ("NOT_FOUND", None, "not found".to_owned()),
        Error::Upstream(Rejected { .. }) => (
            "UPSTREAM_REJECTED",
            None,
            "an upstream system refused the request".to_owned(),
        ),
        Error::Upstream(_) => (
            "UPSTREAM_UNAVAILABLE",
            None,
            "an upstream system failed; the write did not complete".to_owned(),
        ),
        Error::Internal(_) => ("INTERNAL", None, "the write failed".to_owned()),
    };
    StoredError {
        code: code.to_owned(),
        message,
        field,
    }
}

/// The client error a journaled failure replays as.
fn replayed(e: Option<StoredError>) -> Error {
    let Some(e) = e else {
        return Error::Internal("the write failed".to_owned());
    };
    match e.code.as_str() {
        "NOT_FOUND" => Error::NotFound,
        "FORBIDDEN" => Error::Forbidden(e.message.trim_start_matches("forbidden: ").to_owned()),
        "BAD_USER_INPUT" => Error::BadInput {
            field: e.field,
            message: e.message,
        },
        "CONFLICT" => Error::Conflict(e.message.trim_start_matches("conflict: ").to_owned()),
        "UPSTREAM_UNAVAILABLE" => {
            crate::UpstreamError::Unavailable("an upstream system".to_owned()).into()
        }
        "UPSTREAM_REJECTED" => crate::UpstreamError::Rejected {
            code: "replayed".to_owned(),
            message: e.message,
        }
        .into(),
        _ => Error::Internal(e.message),
    }
}

fn idempotency_key(key: &str) -> Result<&str> {
    let key = key.trim();
    if key.is_empty() || key.len() > 100 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::bad_input(
            "idempotencyKey",
            "an idempotency key is 1 to 100 printable ASCII characters",
        ));
    }
    Ok(key)
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

/// A required single-line text of at most `max` characters, trimmed.
fn text(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::bad_input(
            field,
            format!("`{field}` must not be empty"),
        ));
    }
    if value.chars().count() > max || value.contains(['\n', '\r']) {
        return Err(Error::bad_input(
            field,
            format!("`{field}` must be one line of at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

fn long_text(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    if value.chars().count() > MAX_DESCRIPTION {
        return Err(Error::bad_input(
            field,
            format!("`{field}` must be at most {MAX_DESCRIPTION} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// A plausible email address, trimmed: one `@`, a dot in the domain, no spaces.
fn email_address(field: &str, value: &str) -> Result<String> {
    let value = text(field, value, MAX_TEXT)?;
    let valid = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.contains(char::is_whitespace)
        }
        None => false,
    };
    if valid {
        Ok(value)
    } else {
        Err(Error::bad_input(
            field,
            format!("`{value}` is not an email address"),
        ))
    }
}
