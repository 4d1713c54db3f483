//! The write policy per persona kind, against records built in memory (no store, no
//! connectors): who may make which write, and which records are out of reach (`NOT_FOUND`,
//! exactly like an id that does not exist) or within reach but not allowed (`FORBIDDEN`).
//! Includes the cross-tenant cases of the trust issue (#22): foreign custom profiles can be
//! neither edited nor given, a platform profile is not an organization admin's, and foreign
//! customers, users and payment methods answer as if they did not exist.
//!
//! The channel: distributor Northwind with partner Acme (customer Initech); distributor Contoso
//! with partner Globex (customer Umbrella).
//!
//! `world` builds the channel and the personas; `profiles` holds the cases about profiles and
//! login-as; `channel` those about onboarding organizations and publishing offers; this file the permissions and the reach of customers, users, billing and orders.

mod channel;
#[path = "../common/mod.rs"]
mod common;
mod profiles;
mod world;

use partnergraph_core::ids::{CustomerId, OrgId};
use partnergraph_core::model::AccountHolder;
use partnergraph_core::permission::Permission;
use partnergraph_core::policy::write::{self as policy, Write};
use partnergraph_core::principal::{Principal, Tenant};
use partnergraph_core::{Error, Result};
use world::*;

// ---- Assertions -----------------------------------------------------------------------------

#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(outcome: Result<T>, what: &str) {
    assert!(
        matches!(outcome, Err(Error::NotFound)),
        "{what}: expected NOT_FOUND, got {outcome:?}"
    );
}

#[track_caller]
fn assert_forbidden<T: std::fmt::Debug>(outcome: Result<T>, message: &str, what: &str) {
    match outcome {
        Err(Error::Forbidden(m)) => assert_eq!(m, message, "{what}"),
        other => panic!("{what}: expected FORBIDDEN ({message}), got {other:?}"),
    }
}

#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(outcome: Result<T>, message: &str, what: &str) {
    match outcome {
        Err(Error::Conflict(m)) => assert_eq!(m, message, "{what}"),
        other => panic!("{what}: expected CONFLICT ({message}), got {other:?}"),
    }
}

#[track_caller]
fn assert_bad_input<T: std::fmt::Debug>(outcome: Result<T>, field: &str, what: &str) {
    match outcome {
        Err(Error::BadInput { field: f, .. }) => assert_eq!(f.as_deref(), Some(field), "{what}"),
        other => panic!("{what}: expected BAD_USER_INPUT on {field}, got {other:?}"),
    }
}

/// Checks `reach` for every persona: `expected` names the personas that reach, the others must
/// get `NOT_FOUND`.
#[track_caller]
fn assert_reach<T: std::fmt::Debug>(
    what: &str,
    expected: &[&str],
    reach: impl Fn(&Principal) -> Result<T>,
) {
    for (name, p) in personas() {
        let outcome = reach(&p);
        if expected.contains(&name) {
            assert!(outcome.is_ok(), "{name} should reach {what}: {outcome:?}");
        } else {
            assert_not_found(outcome, &format!("{name} reaching {what}"));
        }
    }
}

// ---- Permissions ----------------------------------------------------------------------------

/// Every kind of write, with the permission it needs.
const WRITES: [(Write, Permission); 11] = [
    (Write::CreateCustomer, Permission::ManageCustomers),
    (Write::UpdateCustomer, Permission::ManageCustomers),
    (Write::DeleteCustomer, Permission::DeleteCustomers),
    (Write::ManageSubscriptions, Permission::ManageSubscriptions),
    (Write::PayInvoice, Permission::PayInvoices),
    (Write::ManageCases, Permission::ManageCases),
    (Write::ManageUsers, Permission::ManageUsers),
    (Write::SaveProfile, Permission::ManageProfiles),
    (Write::Impersonate, Permission::Impersonate),
    (Write::ManageOrganizations, Permission::ManagePartners),
    (Write::PublishOffers, Permission::ManageOffers),
];

#[test]
fn each_persona_may_make_the_writes_its_profile_grants_and_no_other() {
    use Write::*;
    let all: Vec<Write> = WRITES.iter().map(|(write, _)| *write).collect();
    // The channel is administered from above: partners onboard and publish nothing.
    let partner: Vec<Write> = all
        .iter()
        .copied()
        .filter(|w| !matches!(w, ManageOrganizations | PublishOffers))
        .collect();
    let table: Vec<(&str, Vec<Write>)> = vec![
        ("platform admin", all.to_vec()),
        // Platform-wide profile editing stays with the platform.
        (
            "distributor admin",
            all.iter().copied().filter(|w| *w != SaveProfile).collect(),
        ),
        ("partner admin", partner.clone()),
        ("foreign partner admin", partner.clone()),
        ("limited partner user", vec![ManageCases]),
        (
            "customer admin",
            vec![ManageSubscriptions, PayInvoice, ManageCases, ManageUsers],
        ),
        ("customer user", vec![ManageCases]),
        // Everything the impersonated admin may do, but starting another login-as.
        (
            "impersonating session",
            partner
                .iter()
                .copied()
                .filter(|w| *w != Impersonate)
                .collect(),
        ),
        ("suspended admin", vec![]),
        // Permissions are the profile's; reach is what the deactivation takes away.
        (
            "deactivated customer's admin",
            vec![ManageSubscriptions, PayInvoice, ManageCases, ManageUsers],
        ),
        ("anonymous", vec![]),
    ];
    let personas = personas();
    assert_eq!(table.len(), personas.len(), "every persona is in the table");
    for ((name, allowed), (persona, p)) in table.iter().zip(&personas) {
        assert_eq!(name, persona);
        for &write in &all {
            let outcome = policy::permit(p, write);
            if allowed.contains(&write) {
                assert!(outcome.is_ok(), "{name} may {write:?}: {outcome:?}");
            } else if write == Impersonate && p.impersonator.is_some() {
                let message = "a login-as session cannot start another";
                assert_forbidden(outcome, message, name);
            } else {
                let message = format!("the {} permission is required", write.permission().code());
                assert_forbidden(outcome, &message, &format!("{name} making {write:?}"));
            }
        }
    }
}

#[test]
fn each_write_needs_its_own_permission() {
    for (write, permission) in WRITES {
        assert_eq!(write.permission(), permission, "{write:?}");
        // Exactly that permission is enough, and every other together is not.
        let only = principal("user-x", Tenant::Platform, [permission].into());
        assert!(policy::permit(&only, write).is_ok(), "{write:?}");
        let others = Permission::ALL.iter().copied().filter(|p| *p != permission);
        let without = principal("user-x", Tenant::Platform, others.collect());
        assert!(policy::permit(&without, write).is_err(), "{write:?}");
    }
}

// ---- Reach: customers, account holders, users -----------------------------------------------

#[test]
fn customers_out_of_the_callers_reach_are_not_found() {
    let initech_reach = [
        "platform admin",
        "distributor admin",
        "partner admin",
        "limited partner user",
        "customer admin",
        "customer user",
        "impersonating session",
    ];
    assert_reach("Initech", &initech_reach, |p| {
        policy::reachable_customer(p, Some(initech()))
    });
    assert_reach(
        "Umbrella",
        &["platform admin", "foreign partner admin"],
        |p| policy::reachable_customer(p, Some(umbrella())),
    );
    assert_reach("an unknown customer", &[], |p| {
        policy::reachable_customer(p, None)
    });
}

#[test]
fn an_account_holder_out_of_reach_hides_its_invoices_subscriptions_and_cases() {
    let acme_reach = [
        "platform admin",
        "distributor admin",
        "partner admin",
        "limited partner user",
        "impersonating session",
    ];
    assert_reach("Acme's own account", &acme_reach, |p| {
        policy::reachable_holder(p, Some(AccountHolder::Organization(acme())))
    });
    assert_reach(
        "Northwind's own account",
        &["platform admin", "distributor admin"],
        |p| policy::reachable_holder(p, Some(AccountHolder::Organization(northwind()))),
    );
    assert_reach(
        "Umbrella's account",
        &["platform admin", "foreign partner admin"],
        |p| policy::reachable_holder(p, Some(AccountHolder::Customer(umbrella()))),
    );
    assert_reach("an account nobody holds", &[], |p| {
        policy::reachable_holder(p, None)
    });
}

#[test]
fn users_are_reached_through_what_they_belong_to() {
    let reach = |who: fn() -> Member| {
        move |p: &Principal| {
            let (user, holder) = who();
            policy::reachable_user(p, user, holder)
        }
    };
    assert_reach("a platform user", &["platform admin"], reach(platform_user));
    assert_reach(
        "a Northwind operator",
        &["platform admin", "distributor admin"],
        reach(northwind_operator),
    );
    let acme = [
        "platform admin",
        "distributor admin",
        "partner admin",
        "limited partner user",
        "impersonating session",
    ];
    assert_reach("an Acme operator", &acme, reach(acme_operator));
    let initech = [&acme[..], &["customer admin", "customer user"][..]].concat();
    assert_reach("an Initech user", &initech, reach(initech_user));
    assert_reach(
        "a Globex operator",
        &["platform admin", "foreign partner admin"],
        reach(globex_operator),
    );
    // A user whose loaded holder is not its own is nobody's.
    let (milton, _) = initech_user();
    let wrong = Some(AccountHolder::Customer(umbrella()));
    let outcome = policy::reachable_user(&platform_admin(), milton, wrong);
    assert_not_found(outcome, "a user with another customer as holder");
}

#[test]
fn nobody_changes_their_own_access() {
    let admin = partner_admin();
    let (mut me, _) = acme_operator();
    me.id = admin.user_id.clone();
    let message = "you cannot change your own access";
    assert_forbidden(policy::may_manage(&admin, &me), message, "oneself");
    let (victor, _) = acme_operator();
    assert!(policy::may_manage(&admin, &victor).is_ok());
}

#[test]
fn remove_customer_user_reaches_customer_users_only_and_never_oneself() {
    let (victor, _) = acme_operator();
    assert_not_found(policy::customer_of_user(&victor), "an operator");
    let (pat, _) = platform_user();
    assert_not_found(policy::customer_of_user(&pat), "a platform user");
    let (milton, _) = initech_user();
    assert_eq!(
        policy::customer_of_user(&milton).ok(),
        Some(&CustomerId::from(INITECH))
    );
    let carla = customer_admin();
    assert!(policy::may_remove_customer_user(&carla, &milton).is_ok());
    let mut herself = milton.clone();
    herself.id = carla.user_id.clone();
    let outcome = policy::may_remove_customer_user(&carla, &herself);
    assert_conflict(outcome, "you cannot remove yourself", "oneself");
}

// ---- Billing and orders ---------------------------------------------------------------------

#[test]
fn a_payment_method_of_another_account_is_wrong_input_only_when_that_account_is_in_reach() {
    let carla = customer_admin();
    let alice = partner_admin();
    let initech = AccountHolder::Customer(initech());
    let acme = AccountHolder::Organization(acme());
    let umbrella = AccountHolder::Customer(umbrella());
    // Acme's admin reaches Acme's own account and Initech's: the method is just misplaced.
    for holder in [&initech, &acme] {
        let e = policy::payment_method_elsewhere(&alice, Some(holder));
        assert_bad_input(Err::<(), _>(e), "paymentMethodId", "a method in reach");
    }
    // Initech's admin does not reach Acme's account; nobody here reaches Umbrella's.
    let foreign = [(&carla, &acme), (&carla, &umbrella), (&alice, &umbrella)];
    for (p, holder) in foreign {
        let e = policy::payment_method_elsewhere(p, Some(holder));
        assert_not_found(Err::<(), _>(e), "a foreign method");
    }
    let e = policy::payment_method_elsewhere(&alice, None);
    assert_not_found(Err::<(), _>(e), "a method of nobody's account");
}

#[test]
fn a_new_customer_is_sold_by_a_partner_the_caller_reaches() {
    // A partner's operator sells as itself when it names no partner; others must name one.
    let partner = policy::new_customer_partner(&partner_admin(), None);
    assert_eq!(partner.ok(), Some(OrgId::from(ACME)));
    for p in [distributor_admin(), platform_admin(), customer_admin()] {
        let outcome = policy::new_customer_partner(&p, None);
        assert_bad_input(outcome, "partnerId", "no partner named");
    }
    let named = OrgId::from(GLOBEX);
    let outcome = policy::new_customer_partner(&partner_admin(), Some(&named));
    assert_eq!(outcome.ok(), Some(named), "the policy names, reach decides");

    assert_reach(
        "Acme as seller",
        &[
            "platform admin",
            "distributor admin",
            "partner admin",
            "limited partner user",
            "impersonating session",
        ],
        |p| policy::selling_partner(p, Some(acme())),
    );
    assert_reach(
        "Globex as seller",
        &["platform admin", "foreign partner admin"],
        |p| policy::selling_partner(p, Some(globex())),
    );
    // A distributor sells through its partners, never itself, even to the platform.
    assert_reach("Northwind as seller", &[], |p| {
        policy::selling_partner(p, Some(northwind()))
    });
    assert_reach("an unknown seller", &[], |p| {
        policy::selling_partner(p, None)
    });
}

#[test]
fn an_offer_the_partner_may_not_sell_is_not_found() {
    assert!(policy::orderable_offer(Some(offer(&[])), &acme()).is_ok());
    assert!(policy::orderable_offer(Some(offer(&[ACME])), &acme()).is_ok());
    let restricted = policy::orderable_offer(Some(offer(&[ACME])), &globex());
    assert_not_found(restricted, "an offer restricted to another partner");
    let mut elsewhere = offer(&[]);
    elsewhere.sales_channel = "marketplace".to_owned();
    let other_channel = policy::orderable_offer(Some(elsewhere), &acme());
    assert_not_found(other_channel, "an offer of another channel");
    let distributor = policy::orderable_offer(Some(offer(&[])), &northwind());
    assert_not_found(distributor, "a distributor buys nothing");
    assert_not_found(policy::orderable_offer(None, &acme()), "an unknown offer");
}
