//! What the billing system holds (Zuora, or the local store): accounts, subscriptions,
//! invoices, payments and payment methods, and the records a write creates there.

use super::*;

/// Lifecycle of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SubscriptionStatus {
    /// Ordered, not yet active.
    Pending,
    /// Running.
    Active,
    /// Temporarily stopped.
    Suspended,
    /// Cancelled before its term ended.
    Cancelled,
    /// Ran out at term end.
    Expired,
}

/// A subscription in billing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    /// Billing id.
    pub id: SubscriptionId,
    /// Subscription number (e.g. `S00000042`).
    pub number: String,
    /// The billing account that owns the subscription (the end customer's).
    pub account_id: BillingAccountId,
    /// The offer subscribed to.
    pub offer_id: Option<OfferId>,
    /// The SKU subscribed to.
    pub sku: String,
    /// Lifecycle state.
    pub status: SubscriptionStatus,
    /// Seats.
    pub quantity: i64,
    /// When the subscription started.
    pub start_date: NaiveDate,
    /// When the current term ends (none for evergreen subscriptions).
    pub term_end_date: Option<NaiveDate>,
    /// Whether the term renews by itself.
    pub auto_renew: bool,
    /// Who receives the invoices.
    pub invoice_owner: InvoiceOwner,
}

/// The status of an invoice as billing records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InvoiceStatus {
    /// Not posted yet.
    Draft,
    /// Posted with a balance above zero.
    Open,
    /// Posted and fully paid.
    Paid,
    /// Cancelled.
    Canceled,
}

/// An invoice in billing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    /// Billing id.
    pub id: InvoiceId,
    /// Invoice number (e.g. `INV00000123`).
    pub number: String,
    /// The billing account invoiced.
    pub account_id: BillingAccountId,
    /// Invoice date.
    pub invoice_date: NaiveDate,
    /// Payment due date.
    pub due_date: NaiveDate,
    /// Total amount.
    pub amount: Money,
    /// What is still to be paid.
    pub balance: Money,
    /// Status.
    pub status: InvoiceStatus,
}

impl Invoice {
    /// An open invoice past its due date.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status == InvoiceStatus::Open && self.due_date < today
    }
}

/// Outcome of a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PaymentStatus {
    /// Collected.
    Processed,
    /// Refused by the gateway.
    Error,
    /// Reversed.
    Refunded,
}

/// A payment in billing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    /// Billing id.
    pub id: PaymentId,
    /// Payment number (e.g. `P-00000017`).
    pub number: String,
    /// The paying billing account.
    pub account_id: BillingAccountId,
    /// Amount paid.
    pub amount: Money,
    /// When the payment took effect.
    pub effective_date: NaiveDate,
    /// Outcome.
    pub status: PaymentStatus,
    /// The method used, if stored.
    pub payment_method_id: Option<PaymentMethodId>,
    /// The invoice the payment was applied to, if any.
    pub invoice_id: Option<InvoiceId>,
}

/// Kind of a stored payment method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PaymentMethodType {
    /// A card.
    CreditCard,
    /// A bank debit.
    BankTransfer,
    /// PayPal.
    PayPal,
}

/// A stored payment method of a billing account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentMethod {
    /// Billing id.
    pub id: PaymentMethodId,
    /// The owning billing account.
    pub account_id: BillingAccountId,
    /// Card, bank or PayPal.
    pub kind: PaymentMethodType,
    /// Card brand or bank name.
    pub brand: Option<String>,
    /// Last four digits of the card or account number.
    pub last4: Option<String>,
    /// Expiry as `YYYY-MM`, for cards.
    pub expires: Option<String>,
    /// Whether the account pays with this method by default.
    pub is_default: bool,
}

/// A billing account: the money side of an organization or customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingAccount {
    /// Billing id.
    pub id: BillingAccountId,
    /// Account number.
    pub account_number: String,
    /// Account name.
    pub name: String,
    /// Total open balance.
    pub balance: Money,
    /// Parent account in the billing hierarchy (the partner's, for an end customer).
    pub parent_id: Option<BillingAccountId>,
    /// The CRM account of the same customer or organization (Zuora's `crmId`), where linked.
    #[serde(default)]
    pub crm_id: Option<CrmAccountId>,
}

/// A billing account to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewBillingAccount {
    /// Account name.
    pub name: String,
    /// Currency the account is billed in.
    pub currency: String,
    /// The parent account (the partner's), for channel hierarchies.
    pub parent_id: Option<BillingAccountId>,
}

/// A subscription to create; the billing system numbers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSubscription {
    /// The subscribing billing account.
    pub account_id: BillingAccountId,
    /// The offer ordered.
    pub offer: Offer,
    /// Seats.
    pub quantity: i64,
    /// First day of service.
    pub start_date: NaiveDate,
    /// Who is invoiced.
    pub invoice_owner: InvoiceOwner,
}

/// A payment to apply to one invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPayment {
    /// The invoice paid.
    pub invoice_id: InvoiceId,
    /// How much.
    pub amount: Money,
    /// The stored method charged.
    pub payment_method_id: PaymentMethodId,
    /// The day the payment takes effect.
    pub effective_date: NaiveDate,
}
