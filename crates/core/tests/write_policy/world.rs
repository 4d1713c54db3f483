//! The channel and its personas, built in memory: distributor Northwind with partner Acme
//! (customer Initech), distributor Contoso with partner Globex (customer Umbrella); one
//! principal per persona kind, and records of users, profiles and offers to judge.

use partnergraph_core::ids::{CustomerId, OfferId, OrgId, ProfileId, UserId};
use partnergraph_core::model::{
    AccountHolder, BillingPeriod, Customer, CustomerStatus, Membership, Money, Offer, OrgKind,
    Organization, Profile, ProfileOwner, User, UserStatus,
};
use partnergraph_core::permission::{BuiltInProfile, Permission};
use partnergraph_core::principal::{Impersonator, Principal, Tenant};
use rust_decimal::Decimal;

// ---- The channel ----------------------------------------------------------------------------

pub(crate) use crate::common::*;

pub(crate) fn northwind() -> Organization {
    org(NORTHWIND, OrgKind::Distributor, None)
}

pub(crate) fn acme() -> Organization {
    org(ACME, OrgKind::Partner, Some(NORTHWIND))
}

pub(crate) fn globex() -> Organization {
    org(GLOBEX, OrgKind::Partner, Some(CONTOSO))
}

pub(crate) fn initech() -> Customer {
    customer(INITECH, ACME, NORTHWIND)
}

pub(crate) fn umbrella() -> Customer {
    customer(UMBRELLA, GLOBEX, CONTOSO)
}

/// A user record with the holder (organization or customer) it belongs to.
pub(crate) type Member = (User, Option<AccountHolder>);

/// A user of `holder` (a platform user when none).
pub(crate) fn member(id: &str, holder: Option<AccountHolder>) -> Member {
    let (membership, profile) = match &holder {
        None => (Membership::Platform, BuiltInProfile::Viewer),
        Some(AccountHolder::Organization(o)) => (
            Membership::Organization(o.id.clone()),
            BuiltInProfile::Viewer,
        ),
        Some(AccountHolder::Customer(c)) => (
            Membership::Customer(c.id.clone()),
            BuiltInProfile::CustomerUser,
        ),
    };
    (user(id, membership, profile.id()), holder)
}

pub(crate) fn platform_user() -> Member {
    member("user-pat", None)
}

pub(crate) fn northwind_operator() -> Member {
    member("user-nora", Some(AccountHolder::Organization(northwind())))
}

pub(crate) fn acme_operator() -> Member {
    member("user-victor", Some(AccountHolder::Organization(acme())))
}

pub(crate) fn globex_operator() -> Member {
    member("user-gina", Some(AccountHolder::Organization(globex())))
}

pub(crate) fn initech_user() -> Member {
    member("user-milton", Some(AccountHolder::Customer(initech())))
}

pub(crate) fn umbrella_user() -> Member {
    member("user-ada", Some(AccountHolder::Customer(umbrella())))
}

pub(crate) fn custom_profile(id: &str, owner: ProfileOwner, permissions: &[Permission]) -> Profile {
    Profile {
        id: ProfileId::from(id),
        code: id.to_uppercase().replace('-', "_"),
        name: id.to_owned(),
        permissions: permissions.iter().copied().collect(),
        owner,
    }
}

/// A custom profile an Acme admin created (and gave to victor, in the attack).
pub(crate) fn acme_desk() -> Profile {
    custom_profile(
        "acme-desk",
        ProfileOwner::Organization(OrgId::from(ACME)),
        &[Permission::ViewCustomers, Permission::ViewCases],
    )
}

/// A custom profile of Globex's.
pub(crate) fn globex_desk() -> Profile {
    custom_profile(
        "globex-desk",
        ProfileOwner::Organization(OrgId::from(GLOBEX)),
        &[Permission::ViewCustomers],
    )
}

/// A custom profile the platform created.
pub(crate) fn platform_auditor() -> Profile {
    custom_profile(
        "platform-auditor",
        ProfileOwner::Platform,
        &[Permission::ViewAuditLog],
    )
}

pub(crate) fn offer(eligible: &[&str]) -> Offer {
    Offer {
        id: OfferId::from("offer-basic"),
        code: "BASIC".to_owned(),
        name: "Basic".to_owned(),
        label: None,
        sales_channel: "direct".to_owned(),
        eligible_partner_ids: eligible.iter().map(|id| OrgId::from(*id)).collect(),
        sku: "SKU-BASIC".to_owned(),
        price: Money::new(Decimal::new(10, 0), "USD"),
        billing_period: BillingPeriod::Monthly,
        min_seats: 1,
        max_seats: None,
    }
}

// ---- The personas ---------------------------------------------------------------------------

pub(crate) fn platform_admin() -> Principal {
    let perms = BuiltInProfile::PlatformAdmin.permissions();
    principal("user-pam", Tenant::Platform, perms)
}

pub(crate) fn distributor_admin() -> Principal {
    let perms = BuiltInProfile::DistributorAdmin.permissions();
    principal(
        "user-dora",
        organization(NORTHWIND, OrgKind::Distributor),
        perms,
    )
}

pub(crate) fn partner_admin() -> Principal {
    let perms = BuiltInProfile::Admin.permissions();
    principal("user-alice", organization(ACME, OrgKind::Partner), perms)
}

/// Globex's admin: olga, the attacker of the trust issue.
pub(crate) fn foreign_partner_admin() -> Principal {
    let perms = BuiltInProfile::Admin.permissions();
    principal("user-olga", organization(GLOBEX, OrgKind::Partner), perms)
}

/// An Acme operator whose custom profile only lets them work cases.
pub(crate) fn limited_partner_user() -> Principal {
    let perms = [
        Permission::ViewCustomers,
        Permission::ViewCases,
        Permission::ManageCases,
    ];
    let tenant = organization(ACME, OrgKind::Partner);
    principal("user-larry", tenant, perms.into_iter().collect())
}

pub(crate) fn customer_admin() -> Principal {
    let perms = BuiltInProfile::CustomerAdmin.permissions();
    principal("user-carla", of_customer(INITECH, ACME), perms)
}

pub(crate) fn customer_user() -> Principal {
    let perms = BuiltInProfile::CustomerUser.permissions();
    principal("user-carl", of_customer(INITECH, ACME), perms)
}

/// A platform admin logged in as Acme's admin.
pub(crate) fn impersonating() -> Principal {
    Principal {
        impersonator: Some(Impersonator {
            user_id: UserId::from("user-pam"),
            email: "user-pam@example.com".to_owned(),
            reason: "support ticket".to_owned(),
        }),
        ..partner_admin()
    }
}

/// Acme's admin, suspended: holds the profile, may do nothing.
pub(crate) fn suspended_admin() -> Principal {
    Principal {
        status: UserStatus::Suspended,
        ..partner_admin()
    }
}

/// A user of a deactivated customer: holds the profile, reaches nothing.
pub(crate) fn deactivated_customer_admin() -> Principal {
    Principal {
        tenant: Tenant::Customer {
            id: CustomerId::from(INITECH),
            partner_id: OrgId::from(ACME),
            status: CustomerStatus::Inactive,
        },
        ..customer_admin()
    }
}

/// Every persona kind, by name.
pub(crate) fn personas() -> Vec<(&'static str, Principal)> {
    vec![
        ("platform admin", platform_admin()),
        ("distributor admin", distributor_admin()),
        ("partner admin", partner_admin()),
        ("foreign partner admin", foreign_partner_admin()),
        ("limited partner user", limited_partner_user()),
        ("customer admin", customer_admin()),
        ("customer user", customer_user()),
        ("impersonating session", impersonating()),
        ("suspended admin", suspended_admin()),
        ("deactivated customer's admin", deactivated_customer_admin()),
        ("anonymous", Principal::anonymous()),
    ]
}
