//! Domain types: what the portal shows, whichever system holds it.
//!
//! Connectors convert their wire types into these at their boundary; nothing above a connector
//! sees Zuora JSON, Salesforce records or database rows.
//!
//! One room per domain: [`channel`] (organizations, customers, offers), [`billing`]
//! (subscriptions, invoices, payments, accounts), [`crm`] (CRM accounts, contacts, cases),
//! [`access`] (users, profiles, audit, identities and tokens), [`operations`] (the write
//! journal). Every type is re-exported here, so `model::Customer` is how the rest of the code
//! names it.

pub mod access;
pub mod billing;
pub mod channel;
pub mod crm;
pub mod operations;

pub use access::*;
pub use billing::*;
pub use channel::*;
pub use crm::*;
pub use operations::*;

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
