//! Billing: subscriptions, invoices, payments and payment methods as billing has them, the
//! billing side of an organization or customer ([`Accounts`]), the root lists over every
//! account in reach, and the writes that order, pay, change and cancel.

use super::customers::NewCustomerInput;
use super::{page_of, run_write, today, AccountHolderUnion, Customer, Date, Decimal, Money, Offer};
use crate::inputs::*;
use crate::loaders::{Batch, InvoicesOf, LoadError, PaymentMethodsOf, PaymentsOf, SubscriptionsOf};
use crate::paging::{connection, object, Conn, ListArgs};
use crate::req::{req, OrFail, R};
use crate::Req;
use async_graphql::dataloader::Loader;
use async_graphql::{Context, Description, SimpleObject, ID};
use partnergraph_core::ids::*;
use partnergraph_core::model::{self, AccountHolder};
use partnergraph_core::policy::read::ReadArea;
use partnergraph_core::traits::{AccountSet, ScopedAccounts};
use partnergraph_core::write::{InvoicePayment, Order, OrderFor, SubscriptionChange};
use partnergraph_core::{Error, NodeKind};
use std::hash::Hash;
use std::sync::Arc;

/// The billing and CRM side shared by organizations and customers, resolved from external ids.
pub(crate) struct Accounts<'a> {
    /// Where the holder's accounts live.
    pub external: &'a model::ExternalIds,
    /// The account the holder is, for `accountId` / `customerId` filters on nested lists.
    pub me: AccountRef,
}

impl Accounts<'_> {
    /// Whether a nested list's account filter names another holder (then the list is empty).
    pub fn excluded(&self, other: &Option<AccountRef>) -> bool {
        match (other, &self.me) {
            (None, _) => false,
            (Some(AccountRef::Organization(a)), AccountRef::Organization(b)) => a != b,
            (Some(AccountRef::Customer(a)), AccountRef::Customer(b)) => a != b,
            _ => true,
        }
    }

    /// The open balance of the holder's billing account.
    pub async fn balance(&self, ctx: &Context<'_>) -> R<Option<Money>> {
        let r = req(ctx);
        r.require(ReadArea::Billing)?;
        let Some(id) = &self.external.billing else {
            return Ok(None);
        };
        Ok(r.load(id.clone()).await?.map(|a| a.balance.into()))
    }

    /// The records of this holder's billing account (none without one), as the loader shares them.
    async fn billing_children<K, V>(
        &self,
        ctx: &Context<'_>,
        key: impl Fn(BillingAccountId) -> K,
    ) -> R<Arc<[V]>>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + 'static,
        Batch: Loader<K, Value = Arc<[V]>, Error = LoadError>,
    {
        let r = req(ctx);
        r.require(ReadArea::Billing)?;
        match &self.external.billing {
            Some(id) => r.shared_children(key(id.clone())).await,
            None => Ok(Arc::new([])),
        }
    }

    /// The holder's subscriptions.
    pub async fn subscriptions(
        &self,
        ctx: &Context<'_>,
        args: ListArgs<SubscriptionFilter, OrderBy<SubscriptionOrderField>>,
    ) -> R<Option<Conn<Subscription>>> {
        let (criteria, customer) = args.decode(req(ctx))?.split();
        let mut items = self.billing_children(ctx, SubscriptionsOf).await?;
        if self.excluded(&customer.map(AccountRef::Customer)) {
            items = Arc::new([]);
        }
        Ok(Some(page_of(&items[..], criteria, Subscription)))
    }

    /// The holder's invoices.
    pub async fn invoices(
        &self,
        ctx: &Context<'_>,
        args: ListArgs<InvoiceFilter, OrderBy<InvoiceOrderField>>,
    ) -> R<Option<Conn<Invoice>>> {
        let (criteria, account) = args.decode(req(ctx))?.split();
        let mut items = self.billing_children(ctx, InvoicesOf).await?;
        if self.excluded(&account) {
            items = Arc::new([]);
        }
        Ok(Some(page_of(&items[..], criteria, Invoice)))
    }

    /// The holder's payments.
    pub async fn payments(
        &self,
        ctx: &Context<'_>,
        args: ListArgs<(), OrderBy<PaymentOrderField>>,
    ) -> R<Option<Conn<Payment>>> {
        let criteria = args.decode(req(ctx))?;
        let items = self.billing_children(ctx, PaymentsOf).await?;
        Ok(Some(page_of(&items[..], criteria, Payment)))
    }

    /// The holder's stored payment methods.
    pub async fn payment_methods(&self, ctx: &Context<'_>) -> R<Option<Vec<PaymentMethod>>> {
        let methods = self.billing_children(ctx, PaymentMethodsOf).await?;
        Ok(Some(methods.iter().cloned().map(PaymentMethod).collect()))
    }
}

/// A subscription of a customer to an offer, from billing.
#[derive(Description)]
pub struct Subscription(pub model::Subscription);

object! {
node impl Subscription {
    /// Subscription number.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// The subscribing customer (null when not visible).
    async fn customer(&self, ctx: &Context<'_>) -> R<Option<Customer>> {
        Ok(match req(ctx).billing_holder(&self.0.account_id).await? {
            Some(AccountHolder::Customer(c)) => Some(Customer(c)),
            _ => None,
        })
    }
    /// The offer subscribed to.
    async fn offer(&self, ctx: &Context<'_>) -> R<Option<Offer>> {
        match &self.0.offer_id {
            Some(id) => Ok(req(ctx).load(id.clone()).await?.map(Offer)),
            None => Ok(None),
        }
    }
    /// Lifecycle state.
    async fn status(&self) -> SubscriptionStatus {
        self.0.status.into()
    }
    /// Seats.
    async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    /// The SKU subscribed to.
    async fn sku(&self) -> &str {
        &self.0.sku
    }
    /// When the subscription started.
    async fn start_date(&self) -> Date {
        Date(self.0.start_date)
    }
    /// When the current term ends (null for evergreen subscriptions).
    async fn term_end_date(&self) -> Option<Date> {
        self.0.term_end_date.map(Date)
    }
    /// Whether the term renews by itself.
    async fn auto_renew(&self) -> bool {
        self.0.auto_renew
    }
    /// Who receives the invoices: the partner or the end customer.
    async fn invoice_owner(&self) -> InvoiceOwner {
        self.0.invoice_owner.into()
    }
}
}

/// An invoice from billing.
#[derive(Description)]
pub struct Invoice(pub model::Invoice);

object! {
node impl Invoice {
    /// Invoice number.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// The organization or customer invoiced (null when not visible).
    async fn account(&self, ctx: &Context<'_>) -> R<Option<AccountHolderUnion>> {
        holder_union(ctx, &self.0.account_id).await
    }
    /// Invoice date.
    async fn invoice_date(&self) -> Date {
        Date(self.0.invoice_date)
    }
    /// Payment due date.
    async fn due_date(&self) -> Date {
        Date(self.0.due_date)
    }
    /// Total amount.
    async fn amount(&self) -> Money {
        self.0.amount.clone().into()
    }
    /// What is still to be paid.
    async fn balance(&self) -> Money {
        self.0.balance.clone().into()
    }
    /// Status.
    async fn status(&self) -> InvoiceStatus {
        self.0.status.into()
    }
    /// Open and past its due date (judged today, UTC).
    async fn overdue(&self) -> bool {
        self.0.is_overdue(today())
    }
}
}

/// The visible holder of a billing account, as the union objects show it.
async fn holder_union(
    ctx: &Context<'_>,
    account: &BillingAccountId,
) -> R<Option<AccountHolderUnion>> {
    Ok(req(ctx).billing_holder(account).await?.map(Into::into))
}

/// A payment from billing.
#[derive(Description)]
pub struct Payment(pub model::Payment);

object! {
node impl Payment {
    /// Payment number.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// The paying organization or customer (null when not visible).
    async fn account(&self, ctx: &Context<'_>) -> R<Option<AccountHolderUnion>> {
        holder_union(ctx, &self.0.account_id).await
    }
    /// Amount paid.
    async fn amount(&self) -> Money {
        self.0.amount.clone().into()
    }
    /// When the payment took effect.
    async fn effective_date(&self) -> Date {
        Date(self.0.effective_date)
    }
    /// Outcome.
    async fn status(&self) -> PaymentStatus {
        self.0.status.into()
    }
    /// The stored method used, if any.
    async fn payment_method(&self, ctx: &Context<'_>) -> R<Option<PaymentMethod>> {
        match &self.0.payment_method_id {
            Some(id) => Ok(req(ctx).load(id.clone()).await?.map(PaymentMethod)),
            None => Ok(None),
        }
    }
    /// The invoice the payment was applied to, if any.
    async fn invoice(&self, ctx: &Context<'_>) -> R<Option<Invoice>> {
        let r = req(ctx);
        let Some(id) = &self.0.invoice_id else {
            return Ok(None);
        };
        match r.load(id.clone()).await? {
            Some(i) if r.billing_holder(&i.account_id).await?.is_some() => Ok(Some(Invoice(i))),
            _ => Ok(None),
        }
    }
}
}

/// A stored payment method of a billing account.
#[derive(Description)]
pub struct PaymentMethod(pub model::PaymentMethod);

object! {
node impl PaymentMethod {
    /// Card, bank transfer or PayPal.
    #[graphql(name = "type")]
    async fn kind(&self) -> PaymentMethodType {
        self.0.kind.into()
    }
    /// Card brand or bank name.
    async fn brand(&self) -> Option<&str> {
        self.0.brand.as_deref()
    }
    /// Last four digits of the card or account number.
    async fn last4(&self) -> Option<&str> {
        self.0.last4.as_deref()
    }
    /// Card expiry as `YYYY-MM`.
    async fn expires(&self) -> Option<&str> {
        self.0.expires.as_deref()
    }
    /// Whether the account pays with this method by default.
    async fn is_default(&self) -> bool {
        self.0.is_default
    }
}
}

/// The external ids of the account a filter names, if the caller may see it.
async fn holder_of(r: &Req, account: AccountRef) -> R<Option<model::ExternalIds>> {
    Ok(match account {
        AccountRef::Organization(id) => r.organization(&id).await?.map(|o| o.external),
        AccountRef::Customer(id) => r.customer(&id).await?.map(|c| c.external),
    })
}

/// The accounts of one upstream a root list covers: the scope's (`side` picks billing or CRM),
/// narrowed to the filter's account (`of` picks that holder's account on the same side). A
/// holder the caller may not see, or without an account there, narrows to nothing.
pub(crate) async fn accounts_in_reach<Id: PartialEq + Clone>(
    r: &Req,
    account: Option<AccountRef>,
    side: fn(ScopedAccounts) -> AccountSet<Id>,
    of: fn(model::ExternalIds) -> Option<Id>,
) -> R<AccountSet<Id>> {
    let scoped = side(
        r.connectors
            .directory
            .accounts_in_scope(&r.scope)
            .await
            .or_fail(r)?,
    );
    Ok(match account {
        None => scoped,
        Some(account) => match holder_of(r, account).await?.and_then(of) {
            Some(id) => scoped.narrow_to(&id),
            None => AccountSet::Only(Vec::new()),
        },
    })
}

/// The billing lists over every account the caller may see.
#[derive(Default, Description)]
pub(crate) struct BillingQuery;

object! {
impl BillingQuery {
    /// Subscriptions of every account the caller may see (needs VIEW_BILLING).
    async fn subscriptions(&self, ctx: &Context<'_>) -> R<Conn<Subscription>>
    where list(root_cost, args, filter: SubscriptionFilter, order_by: SubscriptionOrderField)
    {
        let r = req(ctx);
        r.require(ReadArea::Billing)?;
        let (c, customer) = args.decode(r)?.split();
        let customer = customer.map(AccountRef::Customer);
        let accounts = accounts_in_reach(r, customer, |s| s.billing, |e| e.billing).await?;
        let billing = &r.connectors.billing;
        let page = billing.list_subscriptions(&accounts, &c.filter, c.order, &c.page);
        Ok(connection(page.await.or_fail(r)?, Subscription))
    }

    /// Invoices of every account the caller may see (needs VIEW_BILLING).
    async fn invoices(&self, ctx: &Context<'_>) -> R<Conn<Invoice>>
    where list(root_cost, args, filter: InvoiceFilter, order_by: InvoiceOrderField)
    {
        let r = req(ctx);
        r.require(ReadArea::Billing)?;
        let (c, account) = args.decode(r)?.split();
        let accounts = accounts_in_reach(r, account, |s| s.billing, |e| e.billing).await?;
        let page = r.connectors.billing.list_invoices(&accounts, &c.filter, c.order, &c.page);
        Ok(connection(page.await.or_fail(r)?, Invoice))
    }
}
}

write_input! {
/// Input of `placeOrder`: an offer and seats, for an existing customer (`customerId`) or a
/// new one (`newCustomer`).
pub struct PlaceOrderInput {
    /// An existing customer.
    pub customer_id: Option<ID>,
    /// A customer to create with the order.
    pub new_customer: Option<NewCustomerInput>,
    /// The offer ordered; the selling partner must be eligible for it.
    pub offer_id: ID,
    /// Seats, within the offer's minimum and maximum.
    pub quantity: i32,
}
}

impl PlaceOrderInput {
    fn into_core(self) -> partnergraph_core::Result<Order> {
        let customer = match (self.customer_id, self.new_customer) {
            (Some(id), None) => OrderFor::Existing(decode(&id, NodeKind::Customer, "customerId")?),
            (None, Some(new)) => OrderFor::New(new.into_core()?),
            _ => {
                return Err(Error::bad_input(
                    "customerId",
                    "give either `customerId` or `newCustomer`",
                ))
            }
        };
        Ok(Order {
            customer,
            offer_id: decode(&self.offer_id, NodeKind::Offer, "offerId")?,
            quantity: i64::from(self.quantity),
        })
    }
}

write_input! {
/// Input of `payInvoice`.
pub struct PayInvoiceInput {
    /// The invoice.
    pub invoice_id: ID,
    /// How much to pay, in the invoice's currency; the whole balance when absent.
    pub amount: Option<Decimal>,
    /// The currency of `amount`; refused unless it is the invoice's.
    pub currency: Option<String>,
    /// A stored payment method of the invoice's account.
    pub payment_method_id: ID,
}
}

/// What `placeOrder` created.
#[derive(SimpleObject)]
pub struct PlaceOrderPayload {
    /// The customer ordered for (new or existing).
    pub customer: Customer,
    /// The new subscription.
    pub subscription: Option<Subscription>,
}

/// What `payInvoice` did.
#[derive(SimpleObject)]
pub struct PayInvoicePayload {
    /// The payment.
    pub payment: Option<Payment>,
    /// The invoice, with its new balance and status.
    pub invoice: Option<Invoice>,
}

/// Ordering and paying.
#[derive(Default, Description)]
pub(crate) struct OrdersMutation;

object! {
impl OrdersMutation {
    /// Orders an offer for an existing customer or a new one created with the order (needs
    /// MANAGE_SUBSCRIPTIONS, and MANAGE_CUSTOMERS for a new customer). The invoice owner of
    /// the subscription follows the partner's setting.
    async fn place_order(&self, ctx: &Context<'_>) -> R<PlaceOrderPayload>
    where write(input: PlaceOrderInput)
    {
        let key = input.idempotency_key.clone();
        let (r, result) = run_write(ctx, key.as_deref(), input.into_core(), |w, call| {
            w.place_order(call)
        })
        .await?;
        let customer = r
            .customer(&result.customer_id)
            .await?
            .ok_or_else(|| r.fail(Error::NotFound))?;
        let subscription = match result.subscription_id {
            Some(id) => r.load(id).await?.map(Subscription),
            None => None,
        };
        Ok(PlaceOrderPayload {
            customer: Customer(customer),
            subscription,
        })
    }

    /// Pays an invoice in full or in part with a stored payment method of its account (needs
    /// PAY_INVOICES). Paying more than the balance, or a paid invoice, is refused.
    async fn pay_invoice(&self, ctx: &Context<'_>) -> R<PayInvoicePayload>
    where write(input: PayInvoiceInput)
    {
        let key = input.idempotency_key.as_deref();
        let payment = (|| {
            Ok::<_, Error>(InvoicePayment {
                invoice_id: decode(&input.invoice_id, NodeKind::Invoice, "invoiceId")?,
                amount: input.amount.map(|a| a.0),
                currency: input.currency.clone(),
                payment_method_id: decode(
                    &input.payment_method_id,
                    NodeKind::PaymentMethod,
                    "paymentMethodId",
                )?,
            })
        })();
        let (r, result) = run_write(ctx, key, payment, |w, call| w.pay_invoice(call)).await?;
        // Read after the write, past the request's loader cache.
        let c = &r.connectors;
        let invoice = c.billing.invoices(&[result.invoice_id]).await.or_fail(r)?;
        let payment = c.billing.payments(&[result.payment_id]).await.or_fail(r)?;
        Ok(PayInvoicePayload {
            payment: payment.into_iter().next().map(Payment),
            invoice: invoice.into_iter().next().map(Invoice),
        })
    }
}
}

write_input! {
/// Input of `changeSubscription`; absent fields stay as they are.
pub struct ChangeSubscriptionInput {
    /// The subscription.
    pub subscription_id: ID,
    /// New seat count, within the offer's limits.
    pub quantity: Option<i32>,
    /// New offer, which the partner must be eligible for.
    pub offer_id: Option<ID>,
}
}

write_input! {
/// Input of `cancelSubscription`.
pub struct CancelSubscriptionInput {
    /// The subscription.
    pub subscription_id: ID,
    /// End service today rather than at the end of the term (when it simply stops renewing).
    #[graphql(default)]
    pub immediately: bool,
}
}

/// What a subscription mutation touched.
#[derive(SimpleObject)]
pub struct SubscriptionPayload {
    /// The subscription as billing now has it.
    pub subscription: Option<Subscription>,
}

/// The subscription as billing has it after a write (past the request's loader cache).
async fn subscription_payload(r: &Req, id: SubscriptionId) -> R<SubscriptionPayload> {
    let found = r.connectors.billing.subscriptions(&[id]).await.or_fail(r)?;
    Ok(SubscriptionPayload {
        subscription: found.into_iter().next().map(Subscription),
    })
}

fn subscription_id(id: &ID) -> partnergraph_core::Result<SubscriptionId> {
    decode(id, NodeKind::Subscription, "subscriptionId")
}

/// Changing and cancelling subscriptions.
#[derive(Default, Description)]
pub(crate) struct SubscriptionsMutation;

object! {
impl SubscriptionsMutation {
    /// Changes a subscription's seats or offer (needs MANAGE_SUBSCRIPTIONS).
    async fn change_subscription(&self, ctx: &Context<'_>) -> R<SubscriptionPayload>
    where write(input: ChangeSubscriptionInput)
    {
        let key = input.idempotency_key.as_deref();
        let change = subscription_id(&input.subscription_id).and_then(|subscription_id| {
            Ok(SubscriptionChange {
                subscription_id,
                quantity: input.quantity.map(i64::from),
                offer_id: input
                    .offer_id
                    .as_ref()
                    .map(|id| decode(id, NodeKind::Offer, "offerId"))
                    .transpose()?,
            })
        });
        let (r, id) = run_write(ctx, key, change, |w, call| w.change_subscription(call)).await?;
        subscription_payload(r, id).await
    }

    /// Cancels a subscription at the end of its term, or immediately (needs
    /// MANAGE_SUBSCRIPTIONS).
    async fn cancel_subscription(&self, ctx: &Context<'_>) -> R<SubscriptionPayload>
    where write(input: CancelSubscriptionInput)
    {
        let key = input.idempotency_key.as_deref();
        let id = subscription_id(&input.subscription_id).map(|id| (id, input.immediately));
        let (r, id) = run_write(ctx, key, id, |w, call| w.cancel_subscription(call)).await?;
        subscription_payload(r, id).await
    }
}
}
