//! List filters and sort fields, with their in-memory meaning ([`Listable`]).
//!
//! Connectors that push a filter down into SQL, SOQL or ZOQL must give it exactly the meaning
//! `matches` gives it here; the connector conformance tests compare the two.

use crate::ids::OrgId;
use crate::model::*;
use crate::paging::Listable;
use chrono::NaiveDate;
use std::cmp::Ordering;

/// Case-insensitive substring test, the meaning of every `…Contains` filter.
pub fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

/// Filters on customer lists; all given conditions must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerFilter {
    /// Name contains (case-insensitive).
    pub name_contains: Option<String>,
    /// Email contains (case-insensitive).
    pub email_contains: Option<String>,
    /// Status equals.
    pub status: Option<CustomerStatus>,
    /// Sold by this partner.
    pub partner_id: Option<OrgId>,
    /// Has an active subscription with this SKU.
    pub sku: Option<String>,
    /// Account number equals (exact).
    pub account_number: Option<String>,
    /// Expires strictly before this date.
    pub expires_before: Option<NaiveDate>,
    /// Expires strictly after this date.
    pub expires_after: Option<NaiveDate>,
}

/// Fields customer lists sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerOrderField {
    /// Name.
    Name,
    /// Account number.
    AccountNumber,
    /// Expiry (customers without one sort first).
    ExpiresOn,
    /// Seats.
    Seats,
    /// Creation time.
    CreatedAt,
}

impl Listable for Customer {
    type Field = CustomerOrderField;
    type Filter = CustomerFilter;

    fn matches(&self, f: &CustomerFilter, _today: NaiveDate) -> bool {
        f.name_contains
            .as_deref()
            .is_none_or(|n| contains_ci(&self.name, n))
            && f.email_contains
                .as_deref()
                .is_none_or(|e| contains_ci(&self.email, e))
            && f.status.is_none_or(|s| s == self.status)
            && f.partner_id.as_ref().is_none_or(|p| p == &self.partner_id)
            && f.sku.as_ref().is_none_or(|s| self.skus.contains(s))
            && f.account_number
                .as_deref()
                .is_none_or(|a| a == self.account_number)
            && f.expires_before
                .is_none_or(|d| self.expires_on.is_some_and(|e| e < d))
            && f.expires_after
                .is_none_or(|d| self.expires_on.is_some_and(|e| e > d))
    }

    fn compare(&self, other: &Self, field: CustomerOrderField) -> Ordering {
        match field {
            CustomerOrderField::Name => self.name.cmp(&other.name),
            CustomerOrderField::AccountNumber => self.account_number.cmp(&other.account_number),
            CustomerOrderField::ExpiresOn => self.expires_on.cmp(&other.expires_on),
            CustomerOrderField::Seats => self.seats.cmp(&other.seats),
            CustomerOrderField::CreatedAt => self.created_at.cmp(&other.created_at),
        }
    }

    fn tie_break(&self) -> &str {
        self.id.as_str()
    }
}

/// Filters on organization lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrganizationFilter {
    /// Distributor or partner.
    pub kind: Option<OrgKind>,
    /// Name contains (case-insensitive).
    pub name_contains: Option<String>,
    /// Partners of this distributor.
    pub parent_id: Option<OrgId>,
}

/// Fields organization lists sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationOrderField {
    /// Name.
    Name,
    /// Creation time.
    CreatedAt,
}

impl Listable for Organization {
    type Field = OrganizationOrderField;
    type Filter = OrganizationFilter;

    fn matches(&self, f: &OrganizationFilter, _today: NaiveDate) -> bool {
        f.kind.is_none_or(|k| k == self.kind)
            && f.name_contains
                .as_deref()
                .is_none_or(|n| contains_ci(&self.name, n))
            && f.parent_id
                .as_ref()
                .is_none_or(|p| self.parent_id.as_ref() == Some(p))
    }

    fn compare(&self, other: &Self, field: OrganizationOrderField) -> Ordering {
        match field {
            OrganizationOrderField::Name => self.name.cmp(&other.name),
            OrganizationOrderField::CreatedAt => self.created_at.cmp(&other.created_at),
        }
    }

    fn tie_break(&self) -> &str {
        self.id.as_str()
    }
}

/// Filters on offer lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfferFilter {
    /// Published to this sales channel.
    pub sales_channel: Option<String>,
    /// Carries this SKU.
    pub sku: Option<String>,
    /// Name contains (case-insensitive).
    pub name_contains: Option<String>,
}

/// Fields offer lists sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferOrderField {
    /// Name.
    Name,
    /// Code.
    Code,
    /// Price per seat.
    Price,
}

impl Listable for Offer {
    type Field = OfferOrderField;
    type Filter = OfferFilter;

    fn matches(&self, f: &OfferFilter, _today: NaiveDate) -> bool {
        f.sales_channel
            .as_deref()
            .is_none_or(|c| c == self.sales_channel)
            && f.sku.as_deref().is_none_or(|s| s == self.sku)
            && f.name_contains
                .as_deref()
                .is_none_or(|n| contains_ci(&self.name, n))
    }

    fn compare(&self, other: &Self, field: OfferOrderField) -> Ordering {
        match field {
            OfferOrderField::Name => self.name.cmp(&other.name),
            OfferOrderField::Code => self.code.cmp(&other.code),
            OfferOrderField::Price => self.price.amount.cmp(&other.price.amount),
        }
    }

    fn tie_break(&self) -> &str {
        self.id.as_str()
    }
}

/// Filters on subscription lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubscriptionFilter {
    /// Status equals.
    pub status: Option<SubscriptionStatus>,
    /// SKU equals.
    pub sku: Option<String>,
    /// Term ends strictly before this date.
    pub ends_before: Option<NaiveDate>,
    /// Term ends strictly after this date.
    pub ends_after: Option<NaiveDate>,
}

/// Fields subscription lists sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionOrderField {
    /// Number.
    Number,
    /// Start date.
    StartDate,
    /// Term end date.
    TermEndDate,
    /// Seats.
    Quantity,
}

impl Listable for Subscription {
    type Field = SubscriptionOrderField;
    type Filter = SubscriptionFilter;

    fn matches(&self, f: &SubscriptionFilter, _today: NaiveDate) -> bool {
        f.status.is_none_or(|s| s == self.status)
            && f.sku.as_deref().is_none_or(|s| s == self.sku)
            && f.ends_before
                .is_none_or(|d| self.term_end_date.is_some_and(|e| e < d))
            && f.ends_after
                .is_none_or(|d| self.term_end_date.is_some_and(|e| e > d))
    }

    fn compare(&self, other: &Self, field: SubscriptionOrderField) -> Ordering {
        match field {
            SubscriptionOrderField::Number => self.number.cmp(&other.number),
            SubscriptionOrderField::StartDate => self.start_date.cmp(&other.start_date),
            SubscriptionOrderField::TermEndDate => self.term_end_date.cmp(&other.term_end_date),
            SubscriptionOrderField::Quantity => self.quantity.cmp(&other.quantity),
        }
    }

    fn tie_break(&self) -> &str {
        self.id.as_str()
    }
}

/// Filters on invoice lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InvoiceFilter {
    /// Status equals.
    pub status: Option<InvoiceStatus>,
    /// Overdue (open and past due) or not.
    pub overdue: Option<bool>,
    /// Due strictly before this date.
    pub due_before: Option<NaiveDate>,
    /// Due strictly after this date.
    pub due_after: Option<NaiveDate>,
    /// Invoiced on or after this date.
    pub invoiced_after: Option<NaiveDate>,
}

/// Fields invoice lists sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceOrderField {
    /// Number.
    Number,
    /// Invoice date.
    InvoiceDate,
    /// Due date.
    DueDate,
    /// Amount.
    Amount,
    /// Open balance.
    Balance,
}

impl Listable for Invoice {
    type Field = InvoiceOrderField;
    type Filter = InvoiceFilter;

    fn matches(&self, f: &InvoiceFilter, today: NaiveDate) -> bool {
        f.status.is_none_or(|s| s == self.status)
            && f.overdue.is_none_or(|o| o == self.is_overdue(today))
            && f.due_before.is_none_or(|d| self.due_date < d)
            && f.due_after.is_none_or(|d| self.due_date > d)
            && f.invoiced_after.is_none_or(|d| self.invoice_date >= d)
    }

    fn compare(&self, other: &Self, field: InvoiceOrderField) -> Ordering {
        match field {
            InvoiceOrderField::Number => self.number.cmp(&other.number),
            InvoiceOrderField::InvoiceDate => self.invoice_date.cmp(&other.invoice_date),
            InvoiceOrderField::DueDate => self.due_date.cmp(&other.due_date),
            InvoiceOrderField::Amount => self.amount.amount.cmp(&other.amount.amount),
            InvoiceOrderField::Balance => self.balance.amount.cmp(&other.balance.amount),
        }
    }

    fn tie_break(&self) -> &str {
        self.id.as_str()
    }
}

/// Fields payment lists sort by (payments have no filter yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentOrderField {
    /// Effective date.
    EffectiveDate,
    /// Amount.
    Amount,
}

impl Listable for Payment {
    type Field = PaymentOrderField;
    type Filter = ();

    fn matches(&self, _: &(), _today: NaiveDate) -> bool {
        true
    }

    fn compare(&self, other: &Self, field: PaymentOrderField) -> Ordering {
        match field {
            PaymentOrderField::EffectiveDate => self.effective_date.cmp(&other.effective_date),
            PaymentOrderField::Amount => self.amount.amount.cmp(&other.amount.amount),
        }
    }

    fn tie_break(&self) -> &str {
        self.id.as_str()
    }
}

/// Filters on case lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseFilter {
    /// Status equals.
    pub status: Option<CaseStatus>,
    /// Priority equals.
    pub priority: Option<CasePriority>,
    /// Not closed.
    pub open: Option<bool>,
}

/// Fields case lists sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseOrderField {
    /// Number.
    Number,
    /// Opening time.
    CreatedAt,
    /// Priority.
    Priority,
}

impl Listable for Case {
    type Field = CaseOrderField;
    type Filter = CaseFilter;

    fn matches(&self, f: &CaseFilter, _today: NaiveDate) -> bool {
        f.status.is_none_or(|s| s == self.status)
            && f.priority.is_none_or(|p| p == self.priority)
            && f.open
                .is_none_or(|o| o == (self.status != CaseStatus::Closed))
    }

    fn compare(&self, other: &Self, field: CaseOrderField) -> Ordering {
        match field {
            CaseOrderField::Number => self.number.cmp(&other.number),
            CaseOrderField::CreatedAt => self.created_at.cmp(&other.created_at),
            CaseOrderField::Priority => self.priority.cmp(&other.priority),
        }
    }

    fn tie_break(&self) -> &str {
        self.id.as_str()
    }
}

/// Filters on user lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserFilter {
    /// Status equals.
    pub status: Option<UserStatus>,
    /// Email contains (case-insensitive).
    pub email_contains: Option<String>,
    /// Operators of this organization.
    pub org_id: Option<OrgId>,
}

/// Fields user lists sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserOrderField {
    /// Email.
    Email,
    /// Creation time.
    CreatedAt,
}

impl Listable for User {
    type Field = UserOrderField;
    type Filter = UserFilter;

    fn matches(&self, f: &UserFilter, _today: NaiveDate) -> bool {
        f.status.is_none_or(|s| s == self.status)
            && f.email_contains
                .as_deref()
                .is_none_or(|e| contains_ci(&self.email, e))
            && f.org_id
                .as_ref()
                .is_none_or(|o| self.membership == Membership::Organization(o.clone()))
    }

    fn compare(&self, other: &Self, field: UserOrderField) -> Ordering {
        match field {
            UserOrderField::Email => self.email.cmp(&other.email),
            UserOrderField::CreatedAt => self.created_at.cmp(&other.created_at),
        }
    }

    fn tie_break(&self) -> &str {
        self.id.as_str()
    }
}

/// Filters on the audit log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditFilter {
    /// Action equals (e.g. `customer.update`).
    pub action: Option<String>,
    /// Outcome equals.
    pub outcome: Option<AuditOutcome>,
    /// At or after this instant.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Strictly before this instant.
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}
