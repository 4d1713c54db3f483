//! The read policy per persona kind, against an in-memory directory: who sees which
//! organization, customer, user, profile and offer, which node kinds and list areas need which
//! permission, and the cross-tenant cases of the trust issue (a customer user does not see its
//! partner; a filter on a hidden id reads as a nonexistent one; other tenants' records and node
//! ids are out of reach). Lookups are counted, so that the policy is seen to load only what a
//! decision needs.

mod common;

use common::{customer, of_customer, org, organization};
use common::{ACME, CONTOSO, GLOBEX, INITECH, NORTHWIND, UMBRELLA};
use partnergraph_core::ids::{CustomerId, NodeKind, OrgId, ProfileId};
use partnergraph_core::model::{
    AccountHolder, BillingPeriod, Customer, CustomerStatus, Membership, Money, Offer, OrgKind,
    Organization, Profile, ProfileOwner, User, UserStatus,
};
use partnergraph_core::permission::{BuiltInProfile, Permission};
use partnergraph_core::policy::read::{Lookup, ReadArea, ReadPolicy};
use partnergraph_core::principal::Impersonator;
use partnergraph_core::{Error, Principal, Scope, Tenant};
use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A small channel: two distributors, a partner under each (and a second one under the first),
/// a customer of each partner, and their users.
struct Directory {
    orgs: HashMap<OrgId, Organization>,
    customers: HashMap<CustomerId, Customer>,
    lookups: AtomicUsize,
}

impl Lookup for Directory {
    type Error = Infallible;

    async fn organization(&self, id: &OrgId) -> Result<Option<Organization>, Infallible> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        Ok(self.orgs.get(id).cloned())
    }

    async fn customer(&self, id: &CustomerId) -> Result<Option<Customer>, Infallible> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        Ok(self.customers.get(id).cloned())
    }

    async fn partners_of(&self, distributor: &OrgId) -> Result<Vec<Organization>, Infallible> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        let mut partners: Vec<_> = self
            .orgs
            .values()
            .filter(|o| o.parent_id.as_ref() == Some(distributor))
            .cloned()
            .collect();
        partners.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        Ok(partners)
    }
}

const HOOLI: &str = "org-hooli";

/// A user of `membership` with the read-only VIEWER profile.
fn user(id: &str, membership: Membership) -> User {
    common::user(id, membership, BuiltInProfile::Viewer.id())
}

fn directory() -> Directory {
    let orgs = [
        org(NORTHWIND, OrgKind::Distributor, None),
        org(CONTOSO, OrgKind::Distributor, None),
        org(ACME, OrgKind::Partner, Some(NORTHWIND)),
        org(HOOLI, OrgKind::Partner, Some(NORTHWIND)),
        org(GLOBEX, OrgKind::Partner, Some(CONTOSO)),
    ];
    let customers = [
        customer(INITECH, ACME, NORTHWIND),
        customer(UMBRELLA, GLOBEX, CONTOSO),
    ];
    Directory {
        orgs: orgs.into_iter().map(|o| (o.id.clone(), o)).collect(),
        customers: customers.into_iter().map(|c| (c.id.clone(), c)).collect(),
        lookups: AtomicUsize::new(0),
    }
}

fn principal(id: &str, tenant: Tenant, profile: BuiltInProfile) -> Principal {
    Principal {
        profile_id: profile.id(),
        profile_code: profile.code().to_owned(),
        ..common::principal(id, tenant, profile.permissions())
    }
}

/// The persona kinds, in the order of every table below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persona {
    PlatformAdmin,
    DistributorAdmin,
    PartnerAdmin,
    PartnerUser,
    CustomerAdmin,
    CustomerUser,
    Impersonating,
    Anonymous,
}

const PERSONAS: [Persona; 8] = [
    Persona::PlatformAdmin,
    Persona::DistributorAdmin,
    Persona::PartnerAdmin,
    Persona::PartnerUser,
    Persona::CustomerAdmin,
    Persona::CustomerUser,
    Persona::Impersonating,
    Persona::Anonymous,
];

impl Persona {
    fn principal(self) -> Principal {
        match self {
            Persona::PlatformAdmin => principal(
                "u-platform",
                Tenant::Platform,
                BuiltInProfile::PlatformAdmin,
            ),
            Persona::DistributorAdmin => principal(
                "u-northwind",
                organization(NORTHWIND, OrgKind::Distributor),
                BuiltInProfile::DistributorAdmin,
            ),
            Persona::PartnerAdmin => principal(
                "u-acme-admin",
                organization(ACME, OrgKind::Partner),
                BuiltInProfile::Admin,
            ),
            Persona::PartnerUser => principal(
                "u-acme-rep",
                organization(ACME, OrgKind::Partner),
                BuiltInProfile::AccountExecutive,
            ),
            Persona::CustomerAdmin => principal(
                "u-initech-admin",
                of_customer(INITECH, ACME),
                BuiltInProfile::CustomerAdmin,
            ),
            Persona::CustomerUser => principal(
                "u-carl",
                of_customer(INITECH, ACME),
                BuiltInProfile::CustomerUser,
            ),
            Persona::Impersonating => {
                // The partner admin logged in as carl: carl's tenant, the permissions both hold.
                let admin = Persona::PartnerAdmin.principal();
                let mut p = Persona::CustomerUser.principal();
                p.permissions
                    .retain(|perm| admin.permissions.contains(perm));
                p.impersonator = Some(Impersonator {
                    user_id: admin.user_id,
                    email: admin.email,
                    reason: "support".to_owned(),
                });
                p
            }
            Persona::Anonymous => Principal::anonymous(),
        }
    }
}

/// Runs `check` with the policy of `persona` over a fresh directory.
fn with_policy<T>(
    persona: Persona,
    check: impl FnOnce(&ReadPolicy<'_, Directory>, &Directory) -> T,
) -> T {
    let principal = persona.principal();
    let scope = principal.scope();
    let dir = directory();
    let policy = ReadPolicy::new(&principal, &scope, &dir);
    check(&policy, &dir)
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

fn ok<T>(r: Result<T, Infallible>) -> T {
    match r {
        Ok(v) => v,
        Err(never) => match never {},
    }
}

/// Checks a table of expectations: per persona, one bool per item (named by id).
fn table<const N: usize>(
    what: &str,
    items: [&str; N],
    expected: [[bool; N]; 8],
    sees: impl Fn(&ReadPolicy<'_, Directory>, &str) -> bool,
) {
    let name = |item: &&str| format!("{what} {item}");
    records_table(&items, expected, name, |p, item| sees(p, item));
}

/// Checks a table of expectations about records: per persona, one bool per record; `name`
/// says which record a failure is about.
fn records_table<T, const N: usize>(
    records: &[T; N],
    expected: [[bool; N]; 8],
    name: impl Fn(&T) -> String,
    sees: impl Fn(&ReadPolicy<'_, Directory>, &T) -> bool,
) {
    for (persona, row) in PERSONAS.iter().zip(expected) {
        for (record, want) in records.iter().zip(row) {
            let got = with_policy(*persona, |p, _| sees(p, record));
            assert_eq!(got, want, "{persona:?} seeing {}", name(record));
        }
    }
}

#[test]
fn organizations_are_visible_down_the_channel_and_never_to_customer_users() {
    table(
        "organization",
        [NORTHWIND, CONTOSO, ACME, HOOLI, GLOBEX, "org-missing"],
        [
            [true, true, true, true, true, false],
            [true, false, true, true, false, false],
            [false, false, true, false, false, false],
            [false, false, true, false, false, false],
            // A customer user sees no organization, not even its own partner.
            [false, false, false, false, false, false],
            [false, false, false, false, false, false],
            [false, false, false, false, false, false],
            [false, false, false, false, false, false],
        ],
        |p, id| ok(block_on(p.organization(&id.into()))).is_some(),
    );
}

#[test]
fn customers_are_visible_to_their_partner_distributor_and_own_users_only() {
    table(
        "customer",
        [INITECH, UMBRELLA, "cus-missing"],
        [
            [true, true, false],
            [true, false, false],
            [true, false, false],
            [true, false, false],
            [true, false, false],
            [true, false, false],
            [true, false, false],
            [false, false, false],
        ],
        |p, id| ok(block_on(p.customer(&id.into()))).is_some(),
    );
}

#[test]
fn account_holders_follow_organization_and_customer_visibility() {
    let dir = directory();
    let holders = [
        AccountHolder::Organization(dir.orgs[&OrgId::from(ACME)].clone()),
        AccountHolder::Organization(dir.orgs[&OrgId::from(GLOBEX)].clone()),
        AccountHolder::Customer(dir.customers[&CustomerId::from(INITECH)].clone()),
        AccountHolder::Customer(dir.customers[&CustomerId::from(UMBRELLA)].clone()),
    ];
    let expected = [
        [true, true, true, true],
        [true, false, true, false],
        [true, false, true, false],
        [true, false, true, false],
        [false, false, true, false],
        [false, false, true, false],
        [false, false, true, false],
        [false, false, false, false],
    ];
    let name = |holder: &AccountHolder| format!("the records of {holder:?}");
    records_table(&holders, expected, name, |p, holder| {
        p.holder(Some(holder.clone())).is_some()
    });
    for persona in PERSONAS {
        assert!(with_policy(persona, |p, _| p.holder(None).is_none()));
    }
}

#[test]
fn users_see_themselves_and_others_only_with_view_users_in_scope() {
    let users = [
        user("u-platform", Membership::Platform),
        user("u-northwind", Membership::Organization(NORTHWIND.into())),
        user("u-acme-admin", Membership::Organization(ACME.into())),
        user("u-globex-admin", Membership::Organization(GLOBEX.into())),
        user("u-carl", Membership::Customer(INITECH.into())),
        user("u-umbrella", Membership::Customer(UMBRELLA.into())),
        // Claims a membership the directory does not know: nobody but the platform sees it.
        user("u-orphan", Membership::Organization("org-missing".into())),
    ];
    let expected = [
        [true, true, true, true, true, true, false],
        [false, true, true, false, true, false, false],
        [false, false, true, false, true, false, false],
        // AccountExecutive holds no VIEW_USERS: only itself (not in this list).
        [false, false, false, false, false, false, false],
        [false, false, false, false, true, false, false],
        [false, false, false, false, true, false, false],
        [false, false, false, false, true, false, false],
        [false, false, false, false, false, false, false],
    ];
    let name = |u: &User| format!("user {}", u.id.as_str());
    records_table(&users, expected, name, |p, u| ok(block_on(p.user(u))));
}

#[test]
fn a_caller_sees_itself_without_any_lookup() {
    for persona in [
        Persona::PartnerUser,
        Persona::CustomerUser,
        Persona::Impersonating,
    ] {
        let me = persona.principal();
        let record = user(me.user_id.as_str(), Membership::Customer(INITECH.into()));
        let (seen, lookups) = with_policy(persona, |p, dir| {
            (
                ok(block_on(p.user(&record))),
                dir.lookups.load(Ordering::Relaxed),
            )
        });
        assert!(seen, "{persona:?} seeing itself");
        assert_eq!(lookups, 0, "{persona:?}");
    }
}

fn offer(id: &str, channel: &str, eligible: &[&str]) -> Offer {
    Offer {
        id: id.into(),
        code: id.to_uppercase(),
        name: id.to_owned(),
        label: None,
        sales_channel: channel.to_owned(),
        eligible_partner_ids: eligible.iter().map(|e| OrgId::from(*e)).collect(),
        sku: id.to_uppercase(),
        price: Money {
            amount: rust_decimal::Decimal::ONE,
            currency: "EUR".to_owned(),
        },
        billing_period: BillingPeriod::Monthly,
        min_seats: 1,
        max_seats: None,
    }
}

fn catalog() -> Vec<Offer> {
    vec![
        offer("off-open", "direct", &[]),
        offer("off-acme", "direct", &[ACME]),
        offer("off-globex", "direct", &[GLOBEX]),
        offer("off-retail", "retail", &[]),
    ]
}

#[test]
fn offers_follow_the_eligibility_of_the_callers_partners() {
    let ids = |offers: Vec<Offer>| -> Vec<String> {
        offers
            .into_iter()
            .map(|o| o.id.as_str().to_owned())
            .collect()
    };
    let expected: [&[&str]; 8] = [
        &["off-open", "off-acme", "off-globex", "off-retail"],
        // Northwind's partners are Acme and Hooli: Globex's offer is foreign to it.
        &["off-open", "off-acme"],
        &["off-open", "off-acme"],
        &["off-open", "off-acme"],
        // A customer sees what its partner may sell, though it may not see the partner.
        &["off-open", "off-acme"],
        &["off-open", "off-acme"],
        &["off-open", "off-acme"],
        &[],
    ];
    for (persona, want) in PERSONAS.iter().zip(expected) {
        let got = with_policy(*persona, |p, _| ids(ok(block_on(p.offers(catalog())))));
        assert_eq!(got, want, "{persona:?} listing offers");
        for o in catalog() {
            let single = with_policy(*persona, |p, _| ok(block_on(p.offer(&o))));
            assert_eq!(
                single,
                want.contains(&o.id.as_str()),
                "{persona:?} seeing {}",
                o.id.as_str()
            );
        }
    }
}

#[test]
fn offer_visibility_looks_up_the_audience_once_and_only_when_needed() {
    let lookups = |persona: Persona, offers: Vec<Offer>| {
        with_policy(persona, |p, dir| {
            ok(block_on(p.offers(offers)));
            dir.lookups.load(Ordering::Relaxed)
        })
    };
    assert_eq!(lookups(Persona::PlatformAdmin, catalog()), 0);
    assert_eq!(lookups(Persona::Anonymous, catalog()), 0);
    assert_eq!(lookups(Persona::DistributorAdmin, catalog()), 1);
    assert_eq!(lookups(Persona::PartnerAdmin, catalog()), 1);
    assert_eq!(lookups(Persona::CustomerUser, catalog()), 1);
    assert_eq!(lookups(Persona::PartnerAdmin, Vec::new()), 0);
}

#[test]
fn node_kinds_open_by_permission_and_audit_events_never() {
    for persona in PERSONAS {
        let principal = persona.principal();
        let billing = principal.has(Permission::ViewBilling);
        let cases = principal.has(Permission::ViewCases);
        for kind in NodeKind::ALL {
            let want = match kind {
                NodeKind::Subscription
                | NodeKind::Invoice
                | NodeKind::Payment
                | NodeKind::PaymentMethod => billing,
                NodeKind::Case => cases,
                NodeKind::AuditEvent | NodeKind::BillingAccount | NodeKind::CrmAccount => false,
                _ => true,
            };
            let got = with_policy(persona, |p, _| p.node_kind_readable(kind));
            assert_eq!(got, want, "{persona:?} resolving a {kind:?} id");
        }
    }
    // Every persona but the anonymous one reads billing and cases in this world.
    assert!(!with_policy(Persona::Anonymous, |p, _| p
        .node_kind_readable(NodeKind::Invoice)));
    assert!(with_policy(Persona::CustomerUser, |p, _| p
        .node_kind_readable(NodeKind::Case)));
}

#[test]
fn list_areas_refuse_with_forbidden_naming_the_permission() {
    let areas = [
        ReadArea::Billing,
        ReadArea::Cases,
        ReadArea::Users,
        ReadArea::AuditLog,
    ];
    let expected = [
        [true, true, true, true],
        [true, true, true, true],
        [true, true, true, true],
        [true, true, false, false],
        [true, true, true, false],
        [true, true, false, false],
        [true, true, false, false],
        [false, false, false, false],
    ];
    for (persona, row) in PERSONAS.iter().zip(expected) {
        for (area, want) in areas.iter().zip(row) {
            match with_policy(*persona, |p, _| p.require(*area)) {
                Ok(()) => assert!(want, "{persona:?} reading {area:?}"),
                Err(Error::Forbidden(reason)) => {
                    assert!(!want, "{persona:?} refused {area:?}");
                    assert_eq!(
                        reason,
                        format!("the {} permission is required", area.permission().code())
                    );
                }
                Err(other) => panic!("{persona:?} reading {area:?}: {other:?}"),
            }
        }
    }
}

#[test]
fn a_filter_on_a_hidden_or_unknown_organization_reads_as_nothing() {
    for persona in PERSONAS {
        for named in [NORTHWIND, CONTOSO, ACME, GLOBEX, "org-missing"] {
            let (scope, visible, own) = with_policy(persona, |p, _| {
                let id = OrgId::from(named);
                (
                    ok(block_on(p.scope_naming(Some(&id)))),
                    ok(block_on(p.organization(&id))).is_some(),
                    p.scope().clone(),
                )
            });
            let want = if visible { own } else { Scope::Nothing };
            assert_eq!(scope, want, "{persona:?} filtering on {named}");
        }
        let unfiltered = with_policy(persona, |p, _| ok(block_on(p.scope_naming(None))));
        assert_eq!(unfiltered, persona.principal().scope(), "{persona:?}");
    }
    // The trust issue's oracle: carl may not learn which partner he has from a count.
    for partner in [ACME, GLOBEX] {
        let scope = with_policy(Persona::CustomerUser, |p, _| {
            ok(block_on(p.scope_naming(Some(&partner.into()))))
        });
        assert_eq!(scope, Scope::Nothing, "carl filtering on {partner}");
    }
}

#[test]
fn profiles_of_other_tenants_are_out_of_reach_but_ones_own_is_not() {
    let custom = |id: &str, owner: ProfileOwner| Profile {
        id: ProfileId::from(id),
        code: id.to_uppercase(),
        name: id.to_owned(),
        permissions: BTreeSet::from([Permission::ViewBilling]),
        owner,
    };
    let profiles = [
        BuiltInProfile::CustomerUser.profile(),
        custom("p-platform", ProfileOwner::Platform),
        custom("p-acme", ProfileOwner::Organization(ACME.into())),
        custom("p-globex", ProfileOwner::Organization(GLOBEX.into())),
    ];
    let expected = [
        [true, true, true, true],
        [true, false, false, false],
        [true, false, true, false],
        [true, false, true, false],
        [true, false, false, false],
        [true, false, false, false],
        [true, false, false, false],
        // Built-in profiles are no secret: a sign-up's answer shows one to an anonymous caller.
        [true, false, false, false],
    ];
    let name = |profile: &Profile| profile.code.clone();
    records_table(&profiles, expected, name, |p, profile| p.profile(profile));
    // A customer user holding Acme's custom profile sees that one, and no other of Acme's.
    let mut carl = Persona::CustomerUser.principal();
    carl.profile_id = ProfileId::from("p-acme");
    let scope = carl.scope();
    let dir = directory();
    let policy = ReadPolicy::new(&carl, &scope, &dir);
    assert!(policy.profile(&profiles[2]));
    assert!(!policy.profile(&custom("p-acme-2", ProfileOwner::Organization(ACME.into()))));
}

#[test]
fn suspended_users_and_inactive_customers_see_nothing() {
    let mut suspended = Persona::PartnerAdmin.principal();
    suspended.status = UserStatus::Suspended;
    let mut inactive = Persona::CustomerAdmin.principal();
    inactive.tenant = Tenant::Customer {
        id: INITECH.into(),
        partner_id: ACME.into(),
        status: CustomerStatus::Inactive,
    };
    for principal in [suspended, inactive] {
        let scope = principal.scope();
        assert_eq!(scope, Scope::Nothing);
        let dir = directory();
        let p = ReadPolicy::new(&principal, &scope, &dir);
        assert!(ok(block_on(p.organization(&ACME.into()))).is_none());
        assert!(ok(block_on(p.customer(&INITECH.into()))).is_none());
        assert!(ok(block_on(p.offers(catalog()))).is_empty());
        let other = user("u-someone", Membership::Customer(INITECH.into()));
        assert!(!ok(block_on(p.user(&other))));
        // Its own record stays readable: the viewer query answers who is refused.
        let me = user(
            principal.user_id.as_str(),
            Membership::Customer(INITECH.into()),
        );
        assert!(ok(block_on(p.user(&me))));
    }
}

#[test]
fn node_ids_of_other_tenants_resolve_to_nothing() {
    // What node(id:) asks of the policy for each kind, as a customer user of Initech and as a
    // partner admin of Acme, with ids of Contoso's channel.
    for persona in [
        Persona::CustomerUser,
        Persona::PartnerAdmin,
        Persona::Impersonating,
    ] {
        with_policy(persona, |p, dir| {
            assert!(ok(block_on(p.organization(&GLOBEX.into()))).is_none());
            assert!(ok(block_on(p.organization(&CONTOSO.into()))).is_none());
            assert!(ok(block_on(p.customer(&UMBRELLA.into()))).is_none());
            let umbrella = dir.customers[&CustomerId::from(UMBRELLA)].clone();
            assert!(p.holder(Some(AccountHolder::Customer(umbrella))).is_none());
            let foreign = user("u-umbrella", Membership::Customer(UMBRELLA.into()));
            assert!(!ok(block_on(p.user(&foreign))));
            let globex_offer = offer("off-globex", "direct", &[GLOBEX]);
            assert!(!ok(block_on(p.offer(&globex_offer))));
        });
    }
}
