//! How each domain record is laid out in its table: the lookup columns, then the record as JSON.

use crate::LocalError;
use partnergraph_core::model::*;
use sea_orm::sea_query::{Alias, Value};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// `users.membership_kind` of platform operators.
pub const PLATFORM: &str = "platform";
/// `users.membership_kind` of distributor and partner operators.
pub const ORGANIZATION: &str = "organization";
/// `users.membership_kind` of customer users.
pub const CUSTOMER: &str = "customer";

/// The store's tables.
#[derive(Debug, Clone, Copy)]
pub enum Table {
    Organizations,
    Customers,
    Users,
    Profiles,
    Offers,
    BillingAccounts,
    Subscriptions,
    Invoices,
    Payments,
    PaymentMethods,
    CrmAccounts,
    Contacts,
    Cases,
    AuditEvents,
    Operations,
    RevokedTokens,
    Identities,
    Activations,
}

impl Table {
    /// Every table (the tests crate searches them all for a deleted record).
    #[cfg(feature = "testing")]
    pub const ALL: [Table; 18] = [
        Table::Organizations,
        Table::Customers,
        Table::Users,
        Table::Profiles,
        Table::Offers,
        Table::BillingAccounts,
        Table::Subscriptions,
        Table::Invoices,
        Table::Payments,
        Table::PaymentMethods,
        Table::CrmAccounts,
        Table::Contacts,
        Table::Cases,
        Table::AuditEvents,
        Table::Operations,
        Table::RevokedTokens,
        Table::Identities,
        Table::Activations,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::Organizations => "organizations",
            Table::Customers => "customers",
            Table::Users => "users",
            Table::Profiles => "profiles",
            Table::Offers => "offers",
            Table::BillingAccounts => "billing_accounts",
            Table::Subscriptions => "subscriptions",
            Table::Invoices => "invoices",
            Table::Payments => "payments",
            Table::PaymentMethods => "payment_methods",
            Table::CrmAccounts => "crm_accounts",
            Table::Contacts => "contacts",
            Table::Cases => "cases",
            Table::AuditEvents => "audit_events",
            Table::Operations => "operations",
            Table::RevokedTokens => "revoked_tokens",
            Table::Identities => "identities",
            Table::Activations => "activation_tokens",
        }
    }

    /// Whether the read cache may remember this table's reads: every table a page reads, and
    /// none whose reads decide a write (the journal, sign-in identities, activation tokens) or
    /// grow with every request (the audit log). The writes to these tables end the cache's
    /// version (`local_impl!`'s `writes`); the others' writes need not.
    pub fn cached(self) -> bool {
        !matches!(
            self,
            Table::AuditEvents | Table::Operations | Table::Identities | Table::Activations
        )
    }

    pub fn alias(self) -> Alias {
        Alias::new(self.name())
    }

    /// Column order of [`Record::row`]: `id`, `doc`, then the lookup columns (as the migration
    /// creates them).
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Table::Organizations => &["id", "doc", "parent_id", "billing_id", "crm_id"],
            Table::Customers => &[
                "id",
                "doc",
                "partner_id",
                "distributor_id",
                "billing_id",
                "crm_id",
                "expires_on",
                "status",
            ],
            Table::Users => &[
                "id",
                "doc",
                "email_lower",
                "membership_kind",
                "membership_id",
            ],
            Table::Profiles => &["id", "doc", "owner_org_id"],
            Table::Offers | Table::CrmAccounts => &["id", "doc"],
            Table::BillingAccounts => &["id", "doc", "account_number"],
            Table::Subscriptions
            | Table::Invoices
            | Table::Payments
            | Table::PaymentMethods
            | Table::Contacts
            | Table::Cases => &["id", "doc", "account_id"],
            Table::AuditEvents => &["id", "doc", "org_id", "customer_id"],
            Table::Operations => &["id", "doc", "status"],
            Table::RevokedTokens | Table::Identities | Table::Activations => &["id", "doc"],
        }
    }
}

/// A domain record stored in its own table.
pub trait Record: Serialize + DeserializeOwned + Clone + Send + Sync + Sized + 'static {
    /// Its table.
    const TABLE: Table;

    /// The primary key.
    fn key(&self) -> String;

    /// The lookup columns after `id` and `doc`, in [`Table::columns`] order.
    fn lookups(&self) -> Vec<Option<String>>;

    /// The full row, in [`Table::columns`] order.
    fn row(&self) -> Result<Vec<Value>, LocalError> {
        let doc = serde_json::to_string(self).map_err(|source| LocalError::Decode {
            table: Self::TABLE.name(),
            source,
        })?;
        let mut row = vec![Value::from(self.key()), Value::from(doc)];
        row.extend(self.lookups().into_iter().map(Value::from));
        Ok(row)
    }
}

fn s(v: &impl AsRef<str>) -> Option<String> {
    Some(v.as_ref().to_owned())
}

fn opt<T: AsRef<str>>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(|v| v.as_ref().to_owned())
}

macro_rules! record {
    ($ty:ty, $table:ident, |$r:ident| $key:expr, [$($lookup:expr),*]) => {
        impl Record for $ty {
            const TABLE: Table = Table::$table;
            fn key(&self) -> String {
                let $r = self;
                $key
            }
            fn lookups(&self) -> Vec<Option<String>> {
                #[allow(unused_variables)]
                let $r = self;
                vec![$($lookup),*]
            }
        }
    };
}

record!(
    Organization,
    Organizations,
    |r| r.id.0.clone(),
    [
        opt(&r.parent_id),
        opt(&r.external.billing),
        opt(&r.external.crm)
    ]
);
record!(
    Customer,
    Customers,
    |r| r.id.0.clone(),
    [
        s(&r.partner_id),
        opt(&r.distributor_id),
        opt(&r.external.billing),
        opt(&r.external.crm),
        r.expires_on.map(|d| d.to_string()),
        customer_status(r.status)
    ]
);
record!(
    User,
    Users,
    |r| r.id.0.clone(),
    [
        Some(r.email.trim().to_lowercase()),
        Some(
            match r.membership {
                Membership::Platform => PLATFORM,
                Membership::Organization(_) => ORGANIZATION,
                Membership::Customer(_) => CUSTOMER,
            }
            .to_owned()
        ),
        match &r.membership {
            Membership::Platform => None,
            Membership::Organization(o) => s(o),
            Membership::Customer(c) => s(c),
        }
    ]
);
record!(
    Profile,
    Profiles,
    |r| r.id.0.clone(),
    [match &r.owner {
        ProfileOwner::Organization(org) => s(org),
        ProfileOwner::BuiltIn | ProfileOwner::Platform => None,
    }]
);
record!(Offer, Offers, |r| r.id.0.clone(), []);
record!(
    BillingAccount,
    BillingAccounts,
    |r| r.id.0.clone(),
    [s(&r.account_number)]
);
record!(
    Subscription,
    Subscriptions,
    |r| r.id.0.clone(),
    [s(&r.account_id)]
);
record!(Invoice, Invoices, |r| r.id.0.clone(), [s(&r.account_id)]);
record!(Payment, Payments, |r| r.id.0.clone(), [s(&r.account_id)]);
record!(
    PaymentMethod,
    PaymentMethods,
    |r| r.id.0.clone(),
    [s(&r.account_id)]
);
record!(CrmAccount, CrmAccounts, |r| r.id.0.clone(), []);
// A contact has no id of its own in the domain: it is the person at an account with an email.
record!(
    Contact,
    Contacts,
    |r| format!("{}:{}", r.account_id, r.email.to_lowercase()),
    [s(&r.account_id)]
);
record!(Case, Cases, |r| r.id.0.clone(), [s(&r.account_id)]);
record!(
    AuditEvent,
    AuditEvents,
    |r| r.id.0.clone(),
    [opt(&r.org_id), opt(&r.customer_id)]
);
record!(
    Operation,
    Operations,
    |r| r.key.clone(),
    [Some(operation_status(r.status).to_owned())]
);

/// `customers.status`: the status as the record's JSON spells it, so that rows the migration
/// filled from that JSON and rows written since agree.
pub fn customer_status(status: CustomerStatus) -> Option<String> {
    match serde_json::to_value(status) {
        Ok(serde_json::Value::String(s)) => Some(s),
        _ => None,
    }
}

/// `operations.status` of an operation.
pub fn operation_status(status: OperationStatus) -> &'static str {
    match status {
        OperationStatus::Running => "running",
        OperationStatus::Compensating => "compensating",
        OperationStatus::Completed => "completed",
        OperationStatus::Failed => "failed",
    }
}
record!(RevokedToken, RevokedTokens, |r| r.jti.clone(), []);
record!(Identity, Identities, |r| r.email.clone(), []);
record!(ActivationToken, Activations, |r| r.token_hash.clone(), []);
