//! Enums, filters and orders as clients write them, and their core meaning.

use crate::schema::Date;
use async_graphql::{Enum, InputObject, InputType, ID};
use chrono::{DateTime, Utc};
use partnergraph_core::filter as core;
use partnergraph_core::ids::*;
use partnergraph_core::paging::{Direction, Order};
use partnergraph_core::{Error, GlobalId, NodeKind, Result};

/// Decodes a global id that must name an entity of `kind`; `field` names the argument at fault.
pub(crate) fn decode_id(id: &ID, kind: NodeKind, field: &str) -> Result<String> {
    GlobalId::decode_as(id.as_str(), kind).map_err(|_| {
        Error::bad_input(
            field,
            format!("`{field}` is not a valid {} id", kind.as_str()),
        )
    })
}

/// [`decode_id`] as the id type of the record it names.
pub(crate) fn decode<T: From<String>>(id: &ID, kind: NodeKind, field: &str) -> Result<T> {
    decode_id(id, kind, field).map(T::from)
}

/// Sort direction.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum SortDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

impl From<SortDirection> for Direction {
    fn from(d: SortDirection) -> Self {
        match d {
            SortDirection::Asc => Direction::Asc,
            SortDirection::Desc => Direction::Desc,
        }
    }
}

/// How to sort a list: by a field, in a direction.
#[derive(InputObject)]
#[graphql(concrete(name = "CustomerOrder", params(CustomerOrderField)))]
#[graphql(concrete(name = "OrganizationOrder", params(OrganizationOrderField)))]
#[graphql(concrete(name = "OfferOrder", params(OfferOrderField)))]
#[graphql(concrete(name = "SubscriptionOrder", params(SubscriptionOrderField)))]
#[graphql(concrete(name = "InvoiceOrder", params(InvoiceOrderField)))]
#[graphql(concrete(name = "PaymentOrder", params(PaymentOrderField)))]
#[graphql(concrete(name = "CaseOrder", params(CaseOrderField)))]
#[graphql(concrete(name = "UserOrder", params(UserOrderField)))]
pub struct OrderBy<F: InputType> {
    /// The field to sort by.
    pub field: F,
    /// The direction; ascending unless given.
    #[graphql(default)]
    pub direction: SortDirection,
}

/// A list's `orderBy` field, with the order its list has when the caller gives none: a list
/// has one natural order wherever it appears (at the root or under a record).
pub(crate) trait OrderField: InputType + Copy {
    /// The field as core sorts by it.
    type Core: From<Self>;
    /// The natural order.
    const NATURAL: (Self::Core, Direction);
}

/// The order a list uses: the client's, or the list's natural one.
pub(crate) fn order<F: OrderField>(given: Option<OrderBy<F>>) -> Order<F::Core> {
    match given {
        Some(o) => Order {
            field: o.field.into(),
            direction: o.direction.into(),
        },
        None => Order {
            field: F::NATURAL.0,
            direction: F::NATURAL.1,
        },
    }
}

/// A list's `filter` input: what it means in core's terms.
pub(crate) trait FilterInput: Default {
    /// The filter core applies; for billing and CRM lists, with the account the list is
    /// narrowed to.
    type Core;
    /// Decodes the filter; an id of the wrong kind is `BAD_USER_INPUT`.
    fn into_core(self) -> Result<Self::Core>;
}

/// Lists without a filter argument.
impl FilterInput for () {
    type Core = ();
    fn into_core(self) -> Result<()> {
        Ok(())
    }
}

/// Each order field's list's natural order.
macro_rules! natural_order {
    ($($field:ident => $natural:ident $direction:ident;)+) => {$(
        impl OrderField for $field {
            type Core = core::$field;
            const NATURAL: (core::$field, Direction) = (core::$field::$natural, Direction::$direction);
        }
    )+};
}

natural_order! {
    CustomerOrderField => Name Asc;
    OrganizationOrderField => Name Asc;
    OfferOrderField => Name Asc;
    SubscriptionOrderField => StartDate Desc;
    InvoiceOrderField => InvoiceDate Desc;
    PaymentOrderField => EffectiveDate Desc;
    CaseOrderField => CreatedAt Desc;
    UserOrderField => Email Asc;
}

macro_rules! remote_enum {
    ($(#[$doc:meta] $name:ident = $remote:literal { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? })+) => {$(
        #[$doc]
        #[derive(Enum, Copy, Clone, Eq, PartialEq)]
        #[graphql(remote = $remote)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }
    )+};
}

remote_enum! {
    /// Distributor or partner.
    OrganizationKind = "partnergraph_core::model::OrgKind" {
        /// Sells through partners.
        Distributor,
        /// A reseller with end customers.
        Partner,
    }
    /// Who receives the invoices of subscriptions a partner sells.
    InvoiceOwner = "partnergraph_core::model::InvoiceOwner" {
        /// The partner is invoiced.
        Partner,
        /// The end customer is invoiced directly.
        Customer,
    }
    /// Whether an organization sells through the portal.
    OrganizationStatus = "partnergraph_core::model::OrgStatus" {
        /// Selling: its operators work in the portal.
        Active,
        /// Deactivated: its operators are refused; its customers keep their access; nothing
        /// is deleted.
        Inactive,
    }
    /// Whether a customer account is in use.
    CustomerStatus = "partnergraph_core::model::CustomerStatus" {
        /// In use.
        Active,
        /// Deactivated: data kept, users refused.
        Inactive,
    }
    /// Lifecycle of a subscription.
    SubscriptionStatus = "partnergraph_core::model::SubscriptionStatus" {
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
    /// Status of an invoice.
    InvoiceStatus = "partnergraph_core::model::InvoiceStatus" {
        /// Not posted yet.
        Draft,
        /// Posted, with a balance to pay.
        Open,
        /// Fully paid.
        Paid,
        /// Cancelled.
        Canceled,
    }
    /// Outcome of a payment.
    PaymentStatus = "partnergraph_core::model::PaymentStatus" {
        /// Collected.
        Processed,
        /// Refused by the payment gateway.
        Error,
        /// Reversed.
        Refunded,
    }
    /// Kind of a stored payment method.
    PaymentMethodType = "partnergraph_core::model::PaymentMethodType" {
        /// A card.
        CreditCard,
        /// A bank debit.
        BankTransfer,
        /// PayPal.
        PayPal,
    }
    /// Lifecycle of a support case.
    CaseStatus = "partnergraph_core::model::CaseStatus" {
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
    CasePriority = "partnergraph_core::model::CasePriority" {
        /// Low.
        Low,
        /// Medium.
        Medium,
        /// High.
        High,
    }
    /// Whether a portal user may use the portal.
    UserStatus = "partnergraph_core::model::UserStatus" {
        /// Known but not activated: sees nothing until an administrator activates them.
        Pending,
        /// In use.
        Active,
        /// Blocked by an administrator.
        Suspended,
    }
    /// How an audited action ended.
    AuditOutcome = "partnergraph_core::model::AuditOutcome" {
        /// Done.
        Success,
        /// Refused by authorization.
        Denied,
        /// Failed.
        Failed,
    }
    /// How often an offer is billed.
    BillingPeriod = "partnergraph_core::model::BillingPeriod" {
        /// Every month.
        Monthly,
        /// Every year.
        Annual,
    }
    /// Fields customer lists sort by.
    CustomerOrderField = "partnergraph_core::filter::CustomerOrderField" {
        /// Name.
        Name,
        /// Billing account number.
        AccountNumber,
        /// Latest term end of the active subscriptions (customers without one first).
        ExpiresOn,
        /// Seats over the active subscriptions.
        Seats,
        /// When the customer was created.
        CreatedAt,
    }
    /// Fields organization lists sort by.
    OrganizationOrderField = "partnergraph_core::filter::OrganizationOrderField" {
        /// Name.
        Name,
        /// When the organization was created.
        CreatedAt,
    }
    /// Fields offer lists sort by.
    OfferOrderField = "partnergraph_core::filter::OfferOrderField" {
        /// Name.
        Name,
        /// Offer code.
        Code,
        /// Price per seat.
        Price,
    }
    /// Fields subscription lists sort by.
    SubscriptionOrderField = "partnergraph_core::filter::SubscriptionOrderField" {
        /// Subscription number.
        Number,
        /// Start date.
        StartDate,
        /// End of the current term.
        TermEndDate,
        /// Seats.
        Quantity,
    }
    /// Fields invoice lists sort by.
    InvoiceOrderField = "partnergraph_core::filter::InvoiceOrderField" {
        /// Invoice number.
        Number,
        /// Invoice date.
        InvoiceDate,
        /// Due date.
        DueDate,
        /// Total amount.
        Amount,
        /// Amount still to pay.
        Balance,
    }
    /// Fields payment lists sort by.
    PaymentOrderField = "partnergraph_core::filter::PaymentOrderField" {
        /// When the payment took effect.
        EffectiveDate,
        /// Amount.
        Amount,
    }
    /// Fields case lists sort by.
    CaseOrderField = "partnergraph_core::filter::CaseOrderField" {
        /// Case number.
        Number,
        /// When the case was opened.
        CreatedAt,
        /// Priority (low to high).
        Priority,
    }
    /// Fields user lists sort by.
    UserOrderField = "partnergraph_core::filter::UserOrderField" {
        /// Login email.
        Email,
        /// When the user was created.
        CreatedAt,
    }
}

/// Filters on customer lists; all given conditions must hold.
#[derive(InputObject, Default)]
pub struct CustomerFilter {
    /// Name contains this text (case-insensitive).
    pub name_contains: Option<String>,
    /// Email contains this text (case-insensitive).
    pub email_contains: Option<String>,
    /// Status equals.
    pub status: Option<CustomerStatus>,
    /// Sold by this partner (an Organization id).
    pub partner_id: Option<ID>,
    /// Has an active subscription with this SKU.
    pub sku: Option<String>,
    /// Billing account number equals.
    pub account_number: Option<String>,
    /// Latest term end strictly before this date.
    pub expires_before: Option<Date>,
    /// Latest term end strictly after this date.
    pub expires_after: Option<Date>,
}

impl FilterInput for CustomerFilter {
    type Core = core::CustomerFilter;
    fn into_core(self) -> Result<Self::Core> {
        Ok(core::CustomerFilter {
            name_contains: self.name_contains,
            email_contains: self.email_contains,
            status: self.status.map(Into::into),
            partner_id: self
                .partner_id
                .map(|id| decode_id(&id, NodeKind::Organization, "filter.partnerId"))
                .transpose()?
                .map(OrgId::from),
            sku: self.sku,
            account_number: self.account_number,
            expires_before: self.expires_before.map(|d| d.0),
            expires_after: self.expires_after.map(|d| d.0),
        })
    }
}

/// Filters on organization lists.
#[derive(InputObject, Default)]
pub struct OrganizationFilter {
    /// Distributors or partners only.
    pub kind: Option<OrganizationKind>,
    /// Name contains this text (case-insensitive).
    pub name_contains: Option<String>,
}

impl FilterInput for OrganizationFilter {
    type Core = core::OrganizationFilter;
    fn into_core(self) -> Result<Self::Core> {
        Ok(core::OrganizationFilter {
            kind: self.kind.map(Into::into),
            name_contains: self.name_contains,
            parent_id: None,
        })
    }
}

/// Filters on offer lists.
#[derive(InputObject, Default)]
pub struct OfferFilter {
    /// Published to this sales channel.
    pub sales_channel: Option<String>,
    /// Carries this SKU.
    pub sku: Option<String>,
    /// Name contains this text (case-insensitive).
    pub name_contains: Option<String>,
}

impl FilterInput for OfferFilter {
    type Core = core::OfferFilter;
    fn into_core(self) -> Result<Self::Core> {
        Ok(core::OfferFilter {
            sales_channel: self.sales_channel,
            sku: self.sku,
            name_contains: self.name_contains,
        })
    }
}

/// Filters on subscription lists.
#[derive(InputObject, Default)]
pub struct SubscriptionFilter {
    /// Status equals.
    pub status: Option<SubscriptionStatus>,
    /// SKU equals.
    pub sku: Option<String>,
    /// Term ends strictly before this date.
    pub ends_before: Option<Date>,
    /// Term ends strictly after this date.
    pub ends_after: Option<Date>,
    /// Subscriptions of this customer only (a Customer id).
    pub customer_id: Option<ID>,
}

impl FilterInput for SubscriptionFilter {
    type Core = (core::SubscriptionFilter, Option<CustomerId>);
    fn into_core(self) -> Result<Self::Core> {
        let customer = self
            .customer_id
            .map(|id| decode_id(&id, NodeKind::Customer, "filter.customerId"))
            .transpose()?
            .map(CustomerId::from);
        Ok((
            core::SubscriptionFilter {
                status: self.status.map(Into::into),
                sku: self.sku,
                ends_before: self.ends_before.map(|d| d.0),
                ends_after: self.ends_after.map(|d| d.0),
            },
            customer,
        ))
    }
}

/// An account a billing or CRM list is narrowed to: an organization's own, or a customer's.
pub(crate) enum AccountRef {
    Organization(OrgId),
    Customer(CustomerId),
}

/// Decodes an `accountId` filter.
pub(crate) fn account_ref(id: Option<ID>) -> Result<Option<AccountRef>> {
    let Some(id) = id else { return Ok(None) };
    let bad = || {
        Error::bad_input(
            "filter.accountId",
            "`filter.accountId` must be an Organization or Customer id",
        )
    };
    let global = GlobalId::decode(id.as_str()).map_err(|_| bad())?;
    match global.kind {
        NodeKind::Organization => Ok(Some(AccountRef::Organization(global.local.into()))),
        NodeKind::Customer => Ok(Some(AccountRef::Customer(global.local.into()))),
        _ => Err(bad()),
    }
}

/// Filters on invoice lists.
#[derive(InputObject, Default)]
pub struct InvoiceFilter {
    /// Status equals.
    pub status: Option<InvoiceStatus>,
    /// Overdue (open and past its due date) or not.
    pub overdue: Option<bool>,
    /// Due strictly before this date.
    pub due_before: Option<Date>,
    /// Due strictly after this date.
    pub due_after: Option<Date>,
    /// Invoiced on or after this date.
    pub invoiced_after: Option<Date>,
    /// Invoices of this account only (an Organization or Customer id).
    pub account_id: Option<ID>,
}

impl FilterInput for InvoiceFilter {
    type Core = (core::InvoiceFilter, Option<AccountRef>);
    fn into_core(self) -> Result<Self::Core> {
        Ok((
            core::InvoiceFilter {
                status: self.status.map(Into::into),
                overdue: self.overdue,
                due_before: self.due_before.map(|d| d.0),
                due_after: self.due_after.map(|d| d.0),
                invoiced_after: self.invoiced_after.map(|d| d.0),
            },
            account_ref(self.account_id)?,
        ))
    }
}

/// Filters on case lists.
#[derive(InputObject, Default)]
pub struct CaseFilter {
    /// Status equals.
    pub status: Option<CaseStatus>,
    /// Priority equals.
    pub priority: Option<CasePriority>,
    /// Not closed (true) or closed (false).
    pub open: Option<bool>,
    /// Cases of this account only (an Organization or Customer id).
    pub account_id: Option<ID>,
}

impl FilterInput for CaseFilter {
    type Core = (core::CaseFilter, Option<AccountRef>);
    fn into_core(self) -> Result<Self::Core> {
        Ok((
            core::CaseFilter {
                status: self.status.map(Into::into),
                priority: self.priority.map(Into::into),
                open: self.open,
            },
            account_ref(self.account_id)?,
        ))
    }
}

/// Filters on user lists.
#[derive(InputObject, Default)]
pub struct UserFilter {
    /// Status equals.
    pub status: Option<UserStatus>,
    /// Email contains this text (case-insensitive).
    pub email_contains: Option<String>,
    /// Operators of this organization only (an Organization id).
    pub organization_id: Option<ID>,
}

impl FilterInput for UserFilter {
    type Core = core::UserFilter;
    fn into_core(self) -> Result<Self::Core> {
        Ok(core::UserFilter {
            status: self.status.map(Into::into),
            email_contains: self.email_contains,
            org_id: self
                .organization_id
                .map(|id| decode_id(&id, NodeKind::Organization, "filter.organizationId"))
                .transpose()?
                .map(OrgId::from),
        })
    }
}

/// Filters on the audit log.
#[derive(InputObject, Default)]
pub struct AuditFilter {
    /// Action equals (e.g. `customer.update`).
    pub action: Option<String>,
    /// Outcome equals.
    pub outcome: Option<AuditOutcome>,
    /// At or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Strictly before this instant.
    pub until: Option<DateTime<Utc>>,
}

impl FilterInput for AuditFilter {
    type Core = core::AuditFilter;
    fn into_core(self) -> Result<Self::Core> {
        Ok(core::AuditFilter {
            action: self.action,
            outcome: self.outcome.map(Into::into),
            since: self.since,
            until: self.until,
        })
    }
}
