//! Domain types: what the portal shows, whichever system holds it.
//!
//! Connectors convert their wire types into these at their boundary; nothing above a connector
//! sees Zuora JSON, Salesforce records or database rows.

use crate::ids::*;
use crate::permission::Permission;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// An amount of money in one currency. Never a float: amounts are exact decimals end to end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// The amount, exact.
    pub amount: Decimal,
    /// ISO-4217 currency code.
    pub currency: String,
}

impl Money {
    /// `amount` in `currency`.
    pub fn new(amount: Decimal, currency: impl Into<String>) -> Self {
        Self {
            amount,
            currency: currency.into(),
        }
    }
}

/// Links from a directory record to the same account in upstream systems.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalIds {
    /// The billing account (Zuora account id, or the local store's).
    pub billing: Option<BillingAccountId>,
    /// The CRM account (Salesforce Account id, or the local store's).
    pub crm: Option<CrmAccountId>,
}

/// Where an organization sits in the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrgKind {
    /// Sells through partners; has no customers of its own.
    Distributor,
    /// A reseller: has end customers, may sit under a distributor.
    Partner,
}

/// Who receives the invoices of a subscription sold by a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InvoiceOwner {
    /// The partner is invoiced (the end customer's billing account has the partner as parent).
    Partner,
    /// The end customer is invoiced directly.
    Customer,
}

/// A distributor or partner organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    /// Directory id.
    pub id: OrgId,
    /// Distributor or partner.
    pub kind: OrgKind,
    /// Display name.
    pub name: String,
    /// For a partner, the distributor it sells under.
    pub parent_id: Option<OrgId>,
    /// The sales channel the organization sells through; offers are published per channel.
    pub sales_channel: String,
    /// Who is invoiced for subscriptions this organization sells.
    pub invoice_owner: InvoiceOwner,
    /// Links to the organization's own billing and CRM accounts.
    pub external: ExternalIds,
    /// When the directory record was created.
    pub created_at: DateTime<Utc>,
}

/// Whether an end customer account is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CustomerStatus {
    /// In use.
    Active,
    /// Deactivated: data kept, users refused.
    Inactive,
}

/// An end customer account, sold to by a partner.
///
/// `seats`, `skus` and `expires_on` are the directory's summary of the customer's active
/// subscriptions. They are kept beside the record so that customer lists can be filtered and
/// sorted by them in one query instead of fanning out to billing for every candidate row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// Directory id.
    pub id: CustomerId,
    /// The partner that sells to this customer.
    pub partner_id: OrgId,
    /// The partner's distributor, if any (denormalised so scope checks need no second lookup).
    pub distributor_id: Option<OrgId>,
    /// Display name.
    pub name: String,
    /// Main contact email of the account.
    pub email: String,
    /// The billing account number (e.g. `A00001234`).
    pub account_number: String,
    /// Active or inactive.
    pub status: CustomerStatus,
    /// Seats over all active subscriptions.
    pub seats: i64,
    /// SKUs of active subscriptions, sorted, without duplicates.
    pub skus: Vec<String>,
    /// The latest term end over active subscriptions.
    pub expires_on: Option<NaiveDate>,
    /// Links to the customer's billing and CRM accounts.
    pub external: ExternalIds,
    /// When the directory record was created.
    pub created_at: DateTime<Utc>,
}

/// Whose account an upstream record (an invoice, a case) belongs to.
#[derive(Debug, Clone, PartialEq)]
pub enum AccountHolder {
    /// An organization's own account.
    Organization(Organization),
    /// An end customer's account.
    Customer(Customer),
}

impl AccountHolder {
    /// The holder's external ids.
    pub fn external(&self) -> &ExternalIds {
        match self {
            AccountHolder::Organization(o) => &o.external,
            AccountHolder::Customer(c) => &c.external,
        }
    }
}

/// A sales channel's offer of a product: what partners may order for customers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    /// Catalog id.
    pub id: OfferId,
    /// Stable code (e.g. `M365-BP-MONTHLY`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// A short marketing label (e.g. `Most popular`).
    pub label: Option<String>,
    /// The sales channel the offer is published to.
    pub sales_channel: String,
    /// Partners the offer is restricted to; empty means every partner of the channel.
    pub eligible_partner_ids: Vec<OrgId>,
    /// The SKU a subscription to this offer carries.
    pub sku: String,
    /// Price per seat and billing period.
    pub price: Money,
    /// How often the offer is billed.
    pub billing_period: BillingPeriod,
    /// Smallest quantity that may be ordered.
    pub min_seats: i64,
    /// Largest quantity that may be ordered, if bounded.
    pub max_seats: Option<i64>,
}

impl Offer {
    /// Whether `partner` may order this offer: it sells through the offer's channel and, when the
    /// offer is restricted, is one of its eligible partners.
    pub fn is_eligible_for(&self, partner: &Organization) -> bool {
        partner.kind == OrgKind::Partner
            && partner.sales_channel == self.sales_channel
            && (self.eligible_partner_ids.is_empty()
                || self.eligible_partner_ids.contains(&partner.id))
    }
}

/// How often an offer is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BillingPeriod {
    /// Every month.
    Monthly,
    /// Every year.
    Annual,
}

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
}

/// An account in the CRM (a Salesforce Account), mirroring an organization or customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrmAccount {
    /// CRM id.
    pub id: CrmAccountId,
    /// Account name.
    pub name: String,
    /// Parent account (the partner's, for an end customer).
    pub parent_id: Option<CrmAccountId>,
}

/// A person at an account in the CRM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// CRM account the contact belongs to.
    pub account_id: CrmAccountId,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
    /// Phone number.
    pub phone: Option<String>,
}

/// Lifecycle of a support case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CaseStatus {
    /// Opened, untouched.
    New,
    /// Being worked on.
    Working,
    /// Escalated.
    Escalated,
    /// Done.
    Closed,
}

/// Urgency of a support case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CasePriority {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

/// A support case in the CRM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// CRM id.
    pub id: CaseId,
    /// Case number (e.g. `00001026`).
    pub number: String,
    /// The CRM account the case is about.
    pub account_id: CrmAccountId,
    /// One-line subject.
    pub subject: String,
    /// Full description.
    pub description: String,
    /// Lifecycle state.
    pub status: CaseStatus,
    /// Urgency.
    pub priority: CasePriority,
    /// When the case was opened.
    pub created_at: DateTime<Utc>,
    /// Comments, oldest first.
    #[serde(default)]
    pub comments: Vec<CaseComment>,
}

/// A comment on a support case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseComment {
    /// Unique within the case; derived from the write that added it, so a retry adds nothing.
    pub id: String,
    /// When it was added.
    pub at: DateTime<Utc>,
    /// Who wrote it.
    pub author_email: String,
    /// The text.
    pub body: String,
}

/// Whether a portal user may use the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserStatus {
    /// Known but not activated: authenticated once, sees nothing until an admin activates them.
    Pending,
    /// In use.
    Active,
    /// Blocked by an admin.
    Suspended,
}

/// What a user belongs to, which decides what they can ever see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Membership {
    /// The platform operator itself.
    Platform,
    /// An operator of a distributor or partner.
    Organization(OrgId),
    /// A user of one customer account.
    Customer(CustomerId),
}

/// A portal user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Directory id.
    pub id: UserId,
    /// Login email, unique.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// The user's profile.
    pub profile_id: ProfileId,
    /// Pending, active or suspended.
    pub status: UserStatus,
    /// Platform, organization or customer.
    pub membership: Membership,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
}

/// A named permission set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Directory id.
    pub id: ProfileId,
    /// Stable code (e.g. `ADMIN`): unique among the profiles of one owner, and never a
    /// built-in profile's code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// What holders of the profile may do.
    pub permissions: BTreeSet<Permission>,
    /// Who the profile belongs to, which decides who may see, edit and give it
    /// ([`Scope::permits_profile`](crate::Scope::permits_profile)).
    pub owner: ProfileOwner,
}

impl Profile {
    /// Whether the profile is one of the built-in ones, which nobody edits.
    pub fn is_built_in(&self) -> bool {
        self.owner == ProfileOwner::BuiltIn
    }
}

/// Who a profile belongs to. A custom profile belongs to whoever created it, so that an
/// organization's admins cannot edit or hand out another organization's profiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProfileOwner {
    /// One of the built-in profiles: fixed, seen and given by everyone (where it fits).
    BuiltIn,
    /// A custom profile of the platform operator. Custom profiles stored before profiles had
    /// owners are the platform's too (migration `m20261207_000005_profile_owners`): only
    /// platform admins may then edit or give them, the safe default.
    Platform,
    /// A custom profile of a distributor or partner, created by one of its admins.
    Organization(OrgId),
}

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditOutcome {
    /// Done.
    Success,
    /// Refused by authorization.
    Denied,
    /// Failed.
    Failed,
}

/// One audited action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Directory id.
    pub id: AuditEventId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it (the real actor, even when impersonating).
    pub actor_id: Option<UserId>,
    /// The actor's email at the time.
    pub actor_email: String,
    /// The impersonated user, when acting as someone else.
    pub on_behalf_of: Option<UserId>,
    /// What was done (e.g. `customer.update`).
    pub action: String,
    /// The global id of what it was done to.
    pub target: String,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// The request that did it.
    pub request_id: String,
    /// The organization whose audit log shows the event.
    pub org_id: Option<OrgId>,
    /// The customer the event concerns, if any.
    pub customer_id: Option<CustomerId>,
}

/// What deleting an account removed, per kind of record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    /// Subscriptions.
    pub subscriptions: u64,
    /// Invoices.
    pub invoices: u64,
    /// Payments.
    pub payments: u64,
    /// Stored payment methods.
    pub payment_methods: u64,
    /// CRM contacts.
    pub contacts: u64,
    /// Support cases.
    pub cases: u64,
    /// Portal users of the customer.
    pub users: u64,
}

impl std::ops::Add for Removed {
    type Output = Removed;

    fn add(self, o: Removed) -> Removed {
        Removed {
            subscriptions: self.subscriptions + o.subscriptions,
            invoices: self.invoices + o.invoices,
            payments: self.payments + o.payments,
            payment_methods: self.payment_methods + o.payment_methods,
            contacts: self.contacts + o.contacts,
            cases: self.cases + o.cases,
            users: self.users + o.users,
        }
    }
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

/// A CRM account to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCrmAccount {
    /// Account name.
    pub name: String,
    /// The parent account (the partner's).
    pub parent_id: Option<CrmAccountId>,
    /// Its first contact, created with it in one transaction: a CRM never holds a new end
    /// customer without the person to talk to.
    #[serde(default)]
    pub contact: Option<NewContact>,
}

/// A person to record at a new CRM account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewContact {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
    /// Phone number.
    pub phone: Option<String>,
}

impl NewContact {
    /// The contact once its account exists.
    pub fn at(&self, account_id: &CrmAccountId) -> Contact {
        Contact {
            account_id: account_id.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
        }
    }
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

/// A support case to open; the CRM numbers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCase {
    /// The CRM account the case is about.
    pub account_id: CrmAccountId,
    /// One-line summary.
    pub subject: String,
    /// Details.
    pub description: String,
    /// Urgency.
    pub priority: CasePriority,
}

/// Where a journaled operation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperationStatus {
    /// Steps are running (or were, when the process stopped).
    Running,
    /// A step failed; completed steps are being undone.
    Compensating,
    /// Done; `result` holds the answer replayed for the same key.
    Completed,
    /// Failed and fully undone; `error` holds the answer replayed for the same key.
    Failed,
}

/// A step of a journaled operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step's name, e.g. `billing.account`.
    pub name: String,
    /// Whether the step is known to have completed (otherwise its outcome is unknown).
    pub done: bool,
    /// What the step asks its capability for, kept so that a step whose outcome is unknown can
    /// be re-issued (creates are idempotent by key) to learn what to undo.
    pub request: Option<serde_json::Value>,
    /// What the step produced (ids), for later steps and for compensation.
    pub output: Option<serde_json::Value>,
    /// The upstream refused the step: it created nothing, and there is nothing to undo.
    #[serde(default)]
    pub refused: bool,
}

/// A client error kept in the journal so that a replay answers exactly as the first call did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredError {
    /// `NOT_FOUND`, `FORBIDDEN`, `BAD_USER_INPUT`, `CONFLICT`, `UPSTREAM_UNAVAILABLE`,
    /// `UPSTREAM_REJECTED` or `INTERNAL`.
    pub code: String,
    /// The client message.
    pub message: String,
    /// The input field at fault.
    pub field: Option<String>,
}

/// A write in the operation journal: idempotency record and, for writes spanning systems, the
/// saga's progress, so that a retry or a restart resumes or undoes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// `<user id>/<idempotency key>`: keys are per caller.
    pub key: String,
    /// The mutation, e.g. `placeOrder`.
    pub action: String,
    /// The input as given, compared on replay and used to resume.
    pub input: serde_json::Value,
    /// Who asked.
    pub actor_id: UserId,
    /// Where it stands.
    pub status: OperationStatus,
    /// Steps started so far, in order.
    pub steps: Vec<StepRecord>,
    /// The result of a completed operation.
    pub result: Option<serde_json::Value>,
    /// The error of a failed operation.
    pub error: Option<StoredError>,
    /// When it started.
    pub created_at: DateTime<Utc>,
}

/// A token withdrawn before its expiry (logout, or an admin cutting a session short).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedToken {
    /// The token's `jti`.
    pub jti: String,
    /// When the token would have expired anyway; the record is useless after that.
    pub expires_at: DateTime<Utc>,
}

/// A sign-in identity of the embedded identity store: an email and a password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Login email, lower-cased (the key).
    pub email: String,
    /// The password's argon2id hash in PHC string format; never the password.
    pub password_hash: String,
    /// The portal user it signs in as.
    pub user_id: UserId,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// A pending activation link, stored by the hash of its token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationToken {
    /// SHA-256 of the token, hex (the key).
    pub token_hash: String,
    /// The user it activates.
    pub user_id: UserId,
    /// When the link stops working.
    pub expires_at: DateTime<Utc>,
}

/// An email to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// Recipient.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}
