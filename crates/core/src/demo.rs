//! The demo dataset: one deterministic channel with distributors, partners, customers and all
//! their billing, CRM and directory records.
//!
//! It lives in core, as domain values, so that every store seeds the same world: the local store
//! for `serve --demo`, and the Zuora and Salesforce sandboxes, whose records must line up with the
//! directory's external ids. Dates are relative to `today`, so "overdue" and "expires soon" stay
//! meaningful whenever the demo runs.

use crate::model::*;
use chrono::NaiveDate;

/// Everything `serve --demo` seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoData {
    /// Built-in profiles.
    pub profiles: Vec<Profile>,
    /// Distributors and partners.
    pub organizations: Vec<Organization>,
    /// End customers.
    pub customers: Vec<Customer>,
    /// Portal users (operators and customer users), including the documented personas.
    pub users: Vec<User>,
    /// Catalog offers.
    pub offers: Vec<Offer>,
    /// Billing accounts of organizations and customers.
    pub billing_accounts: Vec<BillingAccount>,
    /// Subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// Invoices.
    pub invoices: Vec<Invoice>,
    /// Payments.
    pub payments: Vec<Payment>,
    /// Payment methods.
    pub payment_methods: Vec<PaymentMethod>,
    /// CRM accounts of organizations and customers.
    pub crm_accounts: Vec<CrmAccount>,
    /// CRM contacts.
    pub contacts: Vec<Contact>,
    /// Support cases.
    pub cases: Vec<Case>,
    /// A few audit events, so the audit log is not empty on first start.
    pub audit_events: Vec<AuditEvent>,
}
