//! The write policy per persona kind, against records built in memory (no store, no
//! connectors): who may make which write, and which records are out of reach (`NOT_FOUND`,
//! exactly like an id that does not exist) or within reach but not allowed (`FORBIDDEN`).
//! Includes the cross-tenant cases of the trust issue (#22): foreign custom profiles can be
//! neither edited nor given, a platform profile is not an organization admin's, and foreign
//! customers, users and payment methods answer as if they did not exist.
//!
//! The channel: distributor Northwind with partner Acme (customer Initech); distributor Contoso
//! with partner Globex (customer Umbrella).

use chrono::{DateTime, TimeZone, Utc};
use partnergraph_core::ids::{CustomerId, OfferId, OrgId, ProfileId, UserId};
use partnergraph_core::model::{
    AccountHolder, BillingPeriod, Customer, CustomerStatus, ExternalIds, InvoiceOwner, Membership,
    Money, Offer, OrgKind, Organization, Profile, ProfileOwner, User, UserStatus,
};
use partnergraph_core::permission::{BuiltInProfile, Permission};
use partnergraph_core::policy::write::{self as policy, Write};
use partnergraph_core::principal::{Impersonator, Principal, Tenant};
use partnergraph_core::{Error, Result};
use rust_decimal::Decimal;
use std::collections::BTreeSet;

// ---- The channel ----------------------------------------------------------------------------

const NORTHWIND: &str = "org-northwind";
const CONTOSO: &str = "org-contoso";
const ACME: &str = "org-acme";
const GLOBEX: &str = "org-globex";
const INITECH: &str = "cus-initech";
const UMBRELLA: &str = "cus-umbrella";

/// When every record here was created: the policy never looks at it.
fn created() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("a valid date")
}

fn org(id: &str, kind: OrgKind, parent: Option<&str>) -> Organization {
    Organization {
        id: OrgId::from(id),
        kind,
        name: id.to_owned(),
        parent_id: parent.map(OrgId::from),
        sales_channel: "direct".to_owned(),
        invoice_owner: InvoiceOwner::Partner,
        external: ExternalIds::default(),
        created_at: created(),
    }
}

fn northwind() -> Organization {
    org(NORTHWIND, OrgKind::Distributor, None)
}

fn acme() -> Organization {
    org(ACME, OrgKind::Partner, Some(NORTHWIND))
}

fn globex() -> Organization {
    org(GLOBEX, OrgKind::Partner, Some(CONTOSO))
}

fn customer(id: &str, partner: &str, distributor: &str) -> Customer {
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

fn initech() -> Customer {
    customer(INITECH, ACME, NORTHWIND)
}

fn umbrella() -> Customer {
    customer(UMBRELLA, GLOBEX, CONTOSO)
}

fn user(id: &str, membership: Membership, profile: ProfileId) -> User {
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

/// A user record with the holder (organization or customer) it belongs to.
type Member = (User, Option<AccountHolder>);

/// A user of `holder` (a platform user when none).
fn member(id: &str, holder: Option<AccountHolder>) -> Member {
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

fn platform_user() -> Member {
    member("user-pat", None)
}

fn northwind_operator() -> Member {
    member("user-nora", Some(AccountHolder::Organization(northwind())))
}

fn acme_operator() -> Member {
    member("user-victor", Some(AccountHolder::Organization(acme())))
}

fn globex_operator() -> Member {
    member("user-gina", Some(AccountHolder::Organization(globex())))
}

fn initech_user() -> Member {
    member("user-milton", Some(AccountHolder::Customer(initech())))
}

fn umbrella_user() -> Member {
    member("user-ada", Some(AccountHolder::Customer(umbrella())))
}

fn custom_profile(id: &str, owner: ProfileOwner, permissions: &[Permission]) -> Profile {
    Profile {
        id: ProfileId::from(id),
        code: id.to_uppercase().replace('-', "_"),
        name: id.to_owned(),
        permissions: permissions.iter().copied().collect(),
        owner,
    }
}

/// A custom profile an Acme admin created (and gave to victor, in the attack).
fn acme_desk() -> Profile {
    custom_profile(
        "acme-desk",
        ProfileOwner::Organization(OrgId::from(ACME)),
        &[Permission::ViewCustomers, Permission::ViewCases],
    )
}

/// A custom profile of Globex's.
fn globex_desk() -> Profile {
    custom_profile(
        "globex-desk",
        ProfileOwner::Organization(OrgId::from(GLOBEX)),
        &[Permission::ViewCustomers],
    )
}

/// A custom profile the platform created.
fn platform_auditor() -> Profile {
    custom_profile(
        "platform-auditor",
        ProfileOwner::Platform,
        &[Permission::ViewAuditLog],
    )
}

fn offer(eligible: &[&str]) -> Offer {
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

fn principal(id: &str, tenant: Tenant, permissions: BTreeSet<Permission>) -> Principal {
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

fn organization(id: &str, kind: OrgKind) -> Tenant {
    Tenant::Organization {
        id: OrgId::from(id),
        kind,
    }
}

fn of_customer(id: &str, partner: &str) -> Tenant {
    Tenant::Customer {
        id: CustomerId::from(id),
        partner_id: OrgId::from(partner),
        status: CustomerStatus::Active,
    }
}

fn platform_admin() -> Principal {
    let perms = BuiltInProfile::PlatformAdmin.permissions();
    principal("user-pam", Tenant::Platform, perms)
}

fn distributor_admin() -> Principal {
    let perms = BuiltInProfile::DistributorAdmin.permissions();
    principal(
        "user-dora",
        organization(NORTHWIND, OrgKind::Distributor),
        perms,
    )
}

fn partner_admin() -> Principal {
    let perms = BuiltInProfile::Admin.permissions();
    principal("user-alice", organization(ACME, OrgKind::Partner), perms)
}

/// Globex's admin: olga, the attacker of the trust issue.
fn foreign_partner_admin() -> Principal {
    let perms = BuiltInProfile::Admin.permissions();
    principal("user-olga", organization(GLOBEX, OrgKind::Partner), perms)
}

/// An Acme operator whose custom profile only lets them work cases.
fn limited_partner_user() -> Principal {
    let perms = [
        Permission::ViewCustomers,
        Permission::ViewCases,
        Permission::ManageCases,
    ];
    let tenant = organization(ACME, OrgKind::Partner);
    principal("user-larry", tenant, perms.into_iter().collect())
}

fn customer_admin() -> Principal {
    let perms = BuiltInProfile::CustomerAdmin.permissions();
    principal("user-carla", of_customer(INITECH, ACME), perms)
}

fn customer_user() -> Principal {
    let perms = BuiltInProfile::CustomerUser.permissions();
    principal("user-carl", of_customer(INITECH, ACME), perms)
}

/// A platform admin logged in as Acme's admin.
fn impersonating() -> Principal {
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
fn suspended_admin() -> Principal {
    Principal {
        status: UserStatus::Suspended,
        ..partner_admin()
    }
}

/// A user of a deactivated customer: holds the profile, reaches nothing.
fn deactivated_customer_admin() -> Principal {
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
fn personas() -> Vec<(&'static str, Principal)> {
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
const WRITES: [(Write, Permission); 9] = [
    (Write::CreateCustomer, Permission::ManageCustomers),
    (Write::UpdateCustomer, Permission::ManageCustomers),
    (Write::DeleteCustomer, Permission::DeleteCustomers),
    (Write::ManageSubscriptions, Permission::ManageSubscriptions),
    (Write::PayInvoice, Permission::PayInvoices),
    (Write::ManageCases, Permission::ManageCases),
    (Write::ManageUsers, Permission::ManageUsers),
    (Write::SaveProfile, Permission::ManageProfiles),
    (Write::Impersonate, Permission::Impersonate),
];

#[test]
fn each_persona_may_make_the_writes_its_profile_grants_and_no_other() {
    use Write::*;
    let all: Vec<Write> = WRITES.iter().map(|(write, _)| *write).collect();
    let table: Vec<(&str, Vec<Write>)> = vec![
        ("platform admin", all.to_vec()),
        // Platform-wide profile editing stays with the platform.
        (
            "distributor admin",
            all.iter().copied().filter(|w| *w != SaveProfile).collect(),
        ),
        ("partner admin", all.to_vec()),
        ("foreign partner admin", all.to_vec()),
        ("limited partner user", vec![ManageCases]),
        (
            "customer admin",
            vec![ManageSubscriptions, PayInvoice, ManageCases, ManageUsers],
        ),
        ("customer user", vec![ManageCases]),
        // Everything the impersonated admin may do, but starting another login-as.
        (
            "impersonating session",
            all.iter().copied().filter(|w| *w != Impersonate).collect(),
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

// ---- Profiles (trust issue, item 1) ---------------------------------------------------------

#[test]
fn a_custom_profile_is_edited_by_its_owners_admins_and_the_platform_only() {
    // The attack: Globex's admin updating the profile Acme gave to victor. (Acme's limited
    // user reaches it too, holding all it grants; the SaveProfile permission stops them.)
    let acme = [
        "platform admin",
        "partner admin",
        "limited partner user",
        "impersonating session",
    ];
    assert_reach("Acme's custom profile", &acme, |p| {
        policy::editable_profile(p, Some(acme_desk()))
    });
    // Nor may an organization admin edit the platform's custom profiles.
    assert_reach("the platform's custom profile", &["platform admin"], |p| {
        policy::editable_profile(p, Some(platform_auditor()))
    });
    assert_reach("an unknown profile", &[], |p| {
        policy::editable_profile(p, None)
    });
}

#[test]
fn built_in_profiles_are_fixed_for_everyone() {
    for p in [platform_admin(), partner_admin(), customer_admin()] {
        let admin = BuiltInProfile::Admin.profile();
        let message = "built-in profiles are fixed; create a profile of your own";
        assert_conflict(policy::editable_profile(&p, Some(admin)), message, "ADMIN");
    }
}

#[test]
fn nobody_edits_a_profile_or_grants_permissions_beyond_their_own() {
    let alice = partner_admin();
    // Acme's admin lacks MANAGE_PARTNERS: a profile of Acme's holding it is beyond her.
    let mut mighty = acme_desk();
    mighty.permissions.insert(Permission::ManagePartners);
    let message = "you cannot grant permissions you do not hold: MANAGE_PARTNERS";
    assert_forbidden(
        policy::editable_profile(&alice, Some(mighty)),
        message,
        "edit",
    );
    let wanted: BTreeSet<Permission> = [Permission::ViewCustomers, Permission::ManagePartners]
        .into_iter()
        .collect();
    let outcome = policy::within_own_permissions(&alice, &wanted);
    assert_forbidden(outcome, message, "grant");
    let limited = limited_partner_user();
    let outcome = policy::within_own_permissions(&limited, &BuiltInProfile::Admin.permissions());
    let message = "you cannot grant permissions you do not hold: MANAGE_CUSTOMERS, \
                   DELETE_CUSTOMERS, VIEW_BILLING, PAY_INVOICES, MANAGE_SUBSCRIPTIONS, \
                   VIEW_USERS, MANAGE_USERS, MANAGE_PROFILES, IMPERSONATE, VIEW_AUDIT_LOG";
    assert_forbidden(outcome, message, "everything missing is named");
    assert!(policy::within_own_permissions(&alice, &acme_desk().permissions).is_ok());
}

#[test]
fn a_new_profile_belongs_to_the_callers_organization_or_the_platform() {
    assert_eq!(
        policy::profile_owner(&partner_admin()).ok(),
        Some(ProfileOwner::Organization(OrgId::from(ACME)))
    );
    assert_eq!(
        policy::profile_owner(&distributor_admin()).ok(),
        Some(ProfileOwner::Organization(OrgId::from(NORTHWIND)))
    );
    assert_eq!(
        policy::profile_owner(&platform_admin()).ok(),
        Some(ProfileOwner::Platform)
    );
    let message = "profiles are managed by operators";
    for p in [customer_admin(), customer_user()] {
        assert_forbidden(policy::profile_owner(&p), message, "a customer user");
    }
}

#[test]
fn profile_codes_clash_with_built_ins_and_the_owners_own_only() {
    let existing = [acme_desk(), globex_desk(), BuiltInProfile::Admin.profile()];
    let acme = ProfileOwner::Organization(OrgId::from(ACME));
    assert!(policy::code_taken(&acme, "ACME_DESK", &existing));
    assert!(policy::code_taken(&acme, "ADMIN", &existing));
    assert!(policy::code_taken(
        &ProfileOwner::Platform,
        "ADMIN",
        &existing
    ));
    // Globex's code does not exist for Acme: the answer must not reveal it.
    assert!(!policy::code_taken(&acme, "GLOBEX_DESK", &existing));
    assert!(!policy::code_taken(
        &ProfileOwner::Platform,
        "ACME_DESK",
        &existing
    ));
    assert!(!policy::code_taken(&acme, "NEW_DESK", &existing));
}

#[test]
fn a_foreign_custom_profile_cannot_be_given_to_anyone() {
    let (gina, globex) = globex_operator();
    // The attack: Globex's admin giving Acme's profile to a Globex operator.
    let outcome = policy::grantable_profile(
        &foreign_partner_admin(),
        &gina,
        globex.as_ref(),
        Some(acme_desk()),
    );
    assert_not_found(outcome, "Acme's profile, by Globex's admin");
    let (victor, acme) = acme_operator();
    let alice = partner_admin();
    for foreign in [globex_desk(), platform_auditor()] {
        let outcome = policy::grantable_profile(&alice, &victor, acme.as_ref(), Some(foreign));
        assert_not_found(outcome, "another owner's profile, by Acme's admin");
    }
    // A distributor does not reach its partners' profiles either.
    let outcome = policy::grantable_profile(
        &distributor_admin(),
        &victor,
        acme.as_ref(),
        Some(acme_desk()),
    );
    assert_not_found(outcome, "Acme's profile, by Northwind's admin");
    let outcome = policy::grantable_profile(&alice, &victor, acme.as_ref(), None);
    assert_not_found(outcome, "an unknown profile");
    // Customer users reach no custom profile, not even their partner's.
    let (milton, initech) = initech_user();
    let outcome = policy::grantable_profile(
        &customer_admin(),
        &milton,
        initech.as_ref(),
        Some(acme_desk()),
    );
    assert_not_found(outcome, "Acme's profile, by Initech's admin");
}

#[test]
fn a_profile_fits_only_the_users_it_is_made_for() {
    let fits = |p: &Principal, who: Member, profile: Profile| {
        let (user, holder) = who;
        policy::grantable_profile(p, &user, holder.as_ref(), Some(profile))
    };
    use BuiltInProfile as B;
    let pam = platform_admin;
    // Per granter, user and profile: whether the profile fits the user.
    let cases: Vec<(Principal, Member, Profile, bool)> = vec![
        (pam(), platform_user(), B::PlatformAdmin.profile(), true),
        (pam(), acme_operator(), B::PlatformAdmin.profile(), false),
        (
            pam(),
            northwind_operator(),
            B::DistributorAdmin.profile(),
            true,
        ),
        (pam(), acme_operator(), B::DistributorAdmin.profile(), false),
        (pam(), acme_operator(), B::Admin.profile(), true),
        (pam(), platform_user(), B::Admin.profile(), false),
        (pam(), initech_user(), B::Admin.profile(), false),
        (pam(), initech_user(), B::CustomerAdmin.profile(), true),
        (pam(), acme_operator(), B::CustomerUser.profile(), false),
        (pam(), acme_operator(), platform_auditor(), true),
        (pam(), initech_user(), platform_auditor(), true),
        (pam(), platform_user(), platform_auditor(), false),
        (pam(), acme_operator(), acme_desk(), true),
        (pam(), initech_user(), acme_desk(), true),
        (pam(), globex_operator(), acme_desk(), false),
        (pam(), umbrella_user(), acme_desk(), false),
        (pam(), platform_user(), acme_desk(), false),
        (partner_admin(), acme_operator(), acme_desk(), true),
        (partner_admin(), initech_user(), acme_desk(), true),
        (
            partner_admin(),
            initech_user(),
            B::CustomerAdmin.profile(),
            true,
        ),
        (
            customer_admin(),
            initech_user(),
            B::CustomerUser.profile(),
            true,
        ),
        (
            customer_admin(),
            initech_user(),
            B::CustomerAdmin.profile(),
            true,
        ),
    ];
    for (n, (p, who, profile, expected)) in cases.into_iter().enumerate() {
        let code = profile.code.clone();
        let outcome = fits(&p, who, profile);
        if expected {
            assert!(outcome.is_ok(), "case {n}: {code} should fit: {outcome:?}");
        } else {
            assert_bad_input(outcome, "profileId", &format!("case {n}: {code}"));
        }
    }
}

#[test]
fn nobody_gives_a_profile_with_more_than_they_hold() {
    let (victor, acme) = acme_operator();
    // Acme's admin lacks MANAGE_PARTNERS, which a distributor's admin holds.
    let outcome = policy::grantable_profile(
        &partner_admin(),
        &victor,
        acme.as_ref(),
        Some(BuiltInProfile::DistributorAdmin.profile()),
    );
    let message = "you cannot grant permissions you do not hold: MANAGE_PARTNERS";
    assert_forbidden(outcome, message, "DISTRIBUTOR_ADMIN by a partner admin");
    let (milton, initech) = initech_user();
    let outcome = policy::grantable_profile(
        &customer_user(),
        &milton,
        initech.as_ref(),
        Some(BuiltInProfile::CustomerAdmin.profile()),
    );
    assert!(
        matches!(outcome, Err(Error::Forbidden(_))),
        "CUSTOMER_ADMIN by a customer user: {outcome:?}"
    );
}

// ---- Login-as -------------------------------------------------------------------------------

#[test]
fn login_as_goes_across_or_down_never_up_and_never_to_oneself() {
    let pam = platform_admin();
    let alice = partner_admin();
    let refused = "you may not log in as this user";
    let ok = |p: &Principal, who: fn() -> Member| policy::impersonation_target(p, &who().0);
    assert!(ok(&pam, acme_operator).is_ok());
    assert!(ok(&pam, northwind_operator).is_ok());
    assert!(ok(&pam, initech_user).is_ok());
    assert_forbidden(ok(&pam, platform_user), refused, "platform to platform");
    assert!(ok(&alice, initech_user).is_ok());
    assert_forbidden(ok(&alice, acme_operator), refused, "operator to operator");
    assert_forbidden(ok(&alice, platform_user), refused, "operator to platform");
    assert_forbidden(
        ok(&customer_admin(), initech_user),
        refused,
        "customer to customer",
    );
    let (mut me, _) = initech_user();
    me.id = pam.user_id.clone();
    assert_forbidden(policy::impersonation_target(&pam, &me), refused, "oneself");
    let (mut pending, _) = initech_user();
    pending.status = UserStatus::Pending;
    let outcome = policy::impersonation_target(&alice, &pending);
    assert_conflict(outcome, "the user is not active", "a pending user");
}

#[test]
fn a_login_as_session_cannot_start_another() {
    let session = impersonating();
    assert!(
        session.has(Permission::Impersonate),
        "it holds the permission"
    );
    let outcome = policy::permit(&session, Write::Impersonate);
    let message = "a login-as session cannot start another";
    assert_forbidden(outcome, message, "a chained login-as");
}

#[test]
fn a_salesforce_launch_signs_in_only_as_an_active_rep() {
    let rep_profile = BuiltInProfile::AccountExecutive.id();
    let (mut rep, _) = platform_user();
    rep.profile_id = rep_profile.clone();
    assert!(policy::salesforce_rep(&rep, &rep_profile).is_ok());
    let refused = "this email belongs to a portal user who is not a Salesforce rep";
    let mut suspended = rep.clone();
    suspended.status = UserStatus::Suspended;
    let outcome = policy::salesforce_rep(&suspended, &rep_profile);
    assert_forbidden(outcome, refused, "a suspended rep");
    let (mut operator, _) = acme_operator();
    operator.profile_id = rep_profile.clone();
    let outcome = policy::salesforce_rep(&operator, &rep_profile);
    assert_forbidden(outcome, refused, "an operator");
    let (admin, _) = platform_user();
    let outcome = policy::salesforce_rep(&admin, &rep_profile);
    assert_forbidden(outcome, refused, "a platform user of another profile");
}
