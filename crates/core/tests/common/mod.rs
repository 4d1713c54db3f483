//! The channel both policy suites (`read_policy.rs`, `write_policy/`) judge against, built in
//! memory: distributor Northwind with partner Acme (customer Initech), distributor Contoso with
//! partner Globex (customer Umbrella). One source for the records, so that the read and the
//! write policy are seen to agree about the same world.

// Each test binary compiles its own copy of this module and uses only part of it.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use partnergraph_core::ids::{CustomerId, OrgId, ProfileId, UserId};
use partnergraph_core::model::{
    Customer, CustomerStatus, ExternalIds, InvoiceOwner, Membership, OrgKind, OrgStatus,
    Organization, User, UserStatus,
};
use partnergraph_core::permission::Permission;
use partnergraph_core::principal::{Principal, Tenant};
use std::collections::BTreeSet;

pub const NORTHWIND: &str = "org-northwind";
pub const CONTOSO: &str = "org-contoso";
pub const ACME: &str = "org-acme";
pub const GLOBEX: &str = "org-globex";
pub const INITECH: &str = "cus-initech";
pub const UMBRELLA: &str = "cus-umbrella";

/// When every record here was created: the policies never look at it.
pub fn created() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("a valid date")
}

/// The organization `id`, under `parent` when it has one.
pub fn org(id: &str, kind: OrgKind, parent: Option<&str>) -> Organization {
    Organization {
        id: OrgId::from(id),
        kind,
        name: id.to_owned(),
        parent_id: parent.map(OrgId::from),
        sales_channel: "direct".to_owned(),
        invoice_owner: InvoiceOwner::Partner,
        external: ExternalIds::default(),
        created_at: created(),
        status: OrgStatus::Active,
        email: None,
    }
}

/// The active customer `id` of `partner`, under `distributor`.
pub fn customer(id: &str, partner: &str, distributor: &str) -> Customer {
    Customer {
        id: CustomerId::from(id),
        partner_id: OrgId::from(partner),
        distributor_id: Some(OrgId::from(distributor)),
        name: id.to_owned(),
        email: format!("billing@{id}.example"),
        account_number: "A00000001".to_owned(),
        status: CustomerStatus::Active,
        seats: 0,
        skus: Vec::new(),
        expires_on: None,
        external: ExternalIds::default(),
        created_at: created(),
    }
}

/// An active caller `id` of `tenant` holding `permissions`, not in a login-as session.
pub fn principal(id: &str, tenant: Tenant, permissions: BTreeSet<Permission>) -> Principal {
    Principal {
        user_id: UserId::from(id),
        email: format!("{id}@example.com"),
        status: UserStatus::Active,
        tenant,
        profile_id: ProfileId::from("profile"),
        profile_code: String::new(),
        permissions,
        impersonator: None,
    }
}

/// An active user `id` with `membership`, holding the profile `profile`.
pub fn user(id: &str, membership: Membership, profile: ProfileId) -> User {
    User {
        id: UserId::from(id),
        email: format!("{id}@example.com"),
        first_name: String::new(),
        last_name: id.to_owned(),
        profile_id: profile,
        status: UserStatus::Active,
        membership,
        created_at: created(),
    }
}

/// The tenant of a caller in the organization `id`.
pub fn organization(id: &str, kind: OrgKind) -> Tenant {
    Tenant::Organization {
        id: OrgId::from(id),
        kind,
        status: OrgStatus::Active,
    }
}

/// The tenant of a caller in the active customer `id` of `partner`.
pub fn of_customer(id: &str, partner: &str) -> Tenant {
    Tenant::Customer {
        id: CustomerId::from(id),
        partner_id: OrgId::from(partner),
        status: CustomerStatus::Active,
    }
}
