//! List filters and sort fields, with their in-memory meaning ([`Listable`]).
//!
//! Connectors that push a filter down into SQL, SOQL or ZOQL must give it exactly the meaning
//! `matches` gives it here; the connector conformance tests compare the two.
//!
//! Each list is declared once, as a table (`listable!`): every filter condition with its meaning
//! next to it (so no condition can exist without one), and every sort field with the record
//! field it compares. The rules every list shares are written once, in the macro: a condition
//! not given passes, all given ones must hold, and records that compare equal are ordered by
//! id.

use crate::ids::OrgId;
use crate::model::*;
use crate::paging::Listable;
use chrono::NaiveDate;
use std::cmp::Ordering;

/// Case-insensitive substring test, the meaning of every `…Contains` filter.
pub fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

/// What a filter says of one record; [`Listable::matches`] of every list asks it.
trait Admits<R> {
    /// Whether `record` passes; `today` decides date-relative conditions.
    fn admits(&self, record: &R, today: NaiveDate) -> bool;
}

/// No filter: lists without one (payments) keep every record.
impl<R> Admits<R> for () {
    fn admits(&self, _: &R, _: NaiveDate) -> bool {
        true
    }
}

/// Declares one list: its filter (a struct of optional conditions, each with its meaning for a
/// record) and its sort fields, and implements [`Listable`] for the record type.
///
/// A condition row `name: Type => test` gives the filter `pub name: Option<Type>`; `test` is
/// evaluated with `name` bound to `&Type` (only when the condition is given), and the record and
/// the current date bound to the names in `|record, today|`. A sort row `Variant => field.path`
/// sorts by the records' values at `field.path`. Lists without a filter (`Record sorted by …`)
/// take `()` and keep every record.
macro_rules! listable {
    (@sorted $record:ident, $filter:ty,
        $(#[$doc:meta])* $field:ident {
            $($(#[$variant_doc:meta])* $variant:ident => $($key:ident).+,)+
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $field {
            $($(#[$variant_doc])* $variant,)+
        }

        impl Listable for $record {
            type Field = $field;
            type Filter = $filter;

            fn matches(&self, filter: &$filter, today: NaiveDate) -> bool {
                filter.admits(self, today)
            }

            fn compare(&self, other: &Self, field: $field) -> Ordering {
                match field {
                    $($field::$variant => self.$($key).+.cmp(&other.$($key).+),)+
                }
            }

            fn tie_break(&self) -> &str {
                self.id.as_str()
            }
        }
    };
    (
        $(#[$filter_doc:meta])*
        $record:ident filtered by $filter:ident |$rec:ident, $today:ident| {
            $($(#[$cond_doc:meta])* $cond:ident: $cond_ty:ty => $test:expr,)+
        }
        $(#[$doc:meta])*
        sorted by $field:ident { $($sorts:tt)+ }
    ) => {
        $(#[$filter_doc])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $filter {
            $($(#[$cond_doc])* pub $cond: Option<$cond_ty>,)+
        }

        impl Admits<$record> for $filter {
            fn admits(&self, $rec: &$record, $today: NaiveDate) -> bool {
                $(self.$cond.as_ref().is_none_or(|$cond| $test))&&+
            }
        }

        listable!(@sorted $record, $filter, $(#[$doc])* $field { $($sorts)+ });
    };
    ($(#[$doc:meta])* $record:ident sorted by $field:ident { $($sorts:tt)+ }) => {
        listable!(@sorted $record, (), $(#[$doc])* $field { $($sorts)+ });
    };
}

listable! {
    /// Filters on customer lists; all given conditions must hold.
    Customer filtered by CustomerFilter |c, _today| {
        /// Name contains (case-insensitive).
        name_contains: String => contains_ci(&c.name, name_contains),
        /// Email contains (case-insensitive).
        email_contains: String => contains_ci(&c.email, email_contains),
        /// Status equals.
        status: CustomerStatus => *status == c.status,
        /// Sold by this partner.
        partner_id: OrgId => *partner_id == c.partner_id,
        /// Has an active subscription with this SKU.
        sku: String => c.skus.contains(sku),
        /// Account number equals (exact).
        account_number: String => *account_number == c.account_number,
        /// Expires strictly before this date.
        expires_before: NaiveDate => c.expires_on.is_some_and(|e| e < *expires_before),
        /// Expires strictly after this date.
        expires_after: NaiveDate => c.expires_on.is_some_and(|e| e > *expires_after),
    }
    /// Fields customer lists sort by.
    sorted by CustomerOrderField {
        /// Name.
        Name => name,
        /// Account number.
        AccountNumber => account_number,
        /// Expiry (customers without one sort first).
        ExpiresOn => expires_on,
        /// Seats.
        Seats => seats,
        /// Creation time.
        CreatedAt => created_at,
    }
}

listable! {
    /// Filters on organization lists.
    Organization filtered by OrganizationFilter |o, _today| {
        /// Distributor or partner.
        kind: OrgKind => *kind == o.kind,
        /// Name contains (case-insensitive).
        name_contains: String => contains_ci(&o.name, name_contains),
        /// Partners of this distributor.
        parent_id: OrgId => o.parent_id.as_ref() == Some(parent_id),
    }
    /// Fields organization lists sort by.
    sorted by OrganizationOrderField {
        /// Name.
        Name => name,
        /// Creation time.
        CreatedAt => created_at,
    }
}

listable! {
    /// Filters on offer lists.
    Offer filtered by OfferFilter |o, _today| {
        /// Published to this sales channel.
        sales_channel: String => *sales_channel == o.sales_channel,
        /// Carries this SKU.
        sku: String => *sku == o.sku,
        /// Name contains (case-insensitive).
        name_contains: String => contains_ci(&o.name, name_contains),
    }
    /// Fields offer lists sort by.
    sorted by OfferOrderField {
        /// Name.
        Name => name,
        /// Code.
        Code => code,
        /// Price per seat.
        Price => price.amount,
    }
}

listable! {
    /// Filters on subscription lists.
    Subscription filtered by SubscriptionFilter |s, _today| {
        /// Status equals.
        status: SubscriptionStatus => *status == s.status,
        /// SKU equals.
        sku: String => *sku == s.sku,
        /// Term ends strictly before this date.
        ends_before: NaiveDate => s.term_end_date.is_some_and(|e| e < *ends_before),
        /// Term ends strictly after this date.
        ends_after: NaiveDate => s.term_end_date.is_some_and(|e| e > *ends_after),
    }
    /// Fields subscription lists sort by.
    sorted by SubscriptionOrderField {
        /// Number.
        Number => number,
        /// Start date.
        StartDate => start_date,
        /// Term end date.
        TermEndDate => term_end_date,
        /// Seats.
        Quantity => quantity,
    }
}

listable! {
    /// Filters on invoice lists.
    Invoice filtered by InvoiceFilter |i, today| {
        /// Status equals.
        status: InvoiceStatus => *status == i.status,
        /// Overdue (open and past due) or not.
        overdue: bool => *overdue == i.is_overdue(today),
        /// Due strictly before this date.
        due_before: NaiveDate => i.due_date < *due_before,
        /// Due strictly after this date.
        due_after: NaiveDate => i.due_date > *due_after,
        /// Invoiced on or after this date.
        invoiced_after: NaiveDate => i.invoice_date >= *invoiced_after,
    }
    /// Fields invoice lists sort by.
    sorted by InvoiceOrderField {
        /// Number.
        Number => number,
        /// Invoice date.
        InvoiceDate => invoice_date,
        /// Due date.
        DueDate => due_date,
        /// Amount.
        Amount => amount.amount,
        /// Open balance.
        Balance => balance.amount,
    }
}

listable! {
    /// Fields payment lists sort by (payments have no filter yet).
    Payment sorted by PaymentOrderField {
        /// Effective date.
        EffectiveDate => effective_date,
        /// Amount.
        Amount => amount.amount,
    }
}

listable! {
    /// Filters on case lists.
    Case filtered by CaseFilter |c, _today| {
        /// Status equals.
        status: CaseStatus => *status == c.status,
        /// Priority equals.
        priority: CasePriority => *priority == c.priority,
        /// Not closed.
        open: bool => *open == (c.status != CaseStatus::Closed),
    }
    /// Fields case lists sort by.
    sorted by CaseOrderField {
        /// Number.
        Number => number,
        /// Opening time.
        CreatedAt => created_at,
        /// Priority.
        Priority => priority,
    }
}

listable! {
    /// Filters on user lists.
    User filtered by UserFilter |u, _today| {
        /// Status equals.
        status: UserStatus => *status == u.status,
        /// Email contains (case-insensitive).
        email_contains: String => contains_ci(&u.email, email_contains),
        /// Operators of this organization.
        org_id: OrgId => matches!(&u.membership, Membership::Organization(id) if id == org_id),
    }
    /// Fields user lists sort by.
    sorted by UserOrderField {
        /// Email.
        Email => email,
        /// Creation time.
        CreatedAt => created_at,
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
