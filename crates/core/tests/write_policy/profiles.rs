//! Profiles and login-as: the cross-tenant cases of the trust issue (#22, item 1) first.

use super::*;
use partnergraph_core::model::{Profile, ProfileOwner, UserStatus};
use partnergraph_core::permission::BuiltInProfile;
use std::collections::BTreeSet;

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

/// What giving `profile` (as found, `None` for an unknown id) to `who` answers, as `p`.
fn grant(p: &Principal, who: &Member, profile: Option<Profile>) -> Result<Profile> {
    policy::grantable_profile(p, &who.0, who.1.as_ref(), profile)
}

#[test]
fn a_foreign_custom_profile_cannot_be_given_to_anyone() {
    // The attack: Globex's admin giving Acme's profile to a Globex operator.
    let outcome = grant(
        &foreign_partner_admin(),
        &globex_operator(),
        Some(acme_desk()),
    );
    assert_not_found(outcome, "Acme's profile, by Globex's admin");
    let victor = acme_operator();
    let alice = partner_admin();
    for foreign in [globex_desk(), platform_auditor()] {
        let outcome = grant(&alice, &victor, Some(foreign));
        assert_not_found(outcome, "another owner's profile, by Acme's admin");
    }
    // A distributor does not reach its partners' profiles either.
    let outcome = grant(&distributor_admin(), &victor, Some(acme_desk()));
    assert_not_found(outcome, "Acme's profile, by Northwind's admin");
    assert_not_found(grant(&alice, &victor, None), "an unknown profile");
    // Customer users reach no custom profile, not even their partner's.
    let outcome = grant(&customer_admin(), &initech_user(), Some(acme_desk()));
    assert_not_found(outcome, "Acme's profile, by Initech's admin");
}

#[test]
fn a_profile_fits_only_the_users_it_is_made_for() {
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
        let outcome = grant(&p, &who, Some(profile));
        if expected {
            assert!(outcome.is_ok(), "case {n}: {code} should fit: {outcome:?}");
        } else {
            assert_bad_input(outcome, "profileId", &format!("case {n}: {code}"));
        }
    }
}

#[test]
fn nobody_gives_a_profile_with_more_than_they_hold() {
    // Acme's admin lacks MANAGE_PARTNERS and MANAGE_OFFERS, which a distributor's admin holds.
    let distributor_admin = Some(BuiltInProfile::DistributorAdmin.profile());
    let outcome = grant(&partner_admin(), &acme_operator(), distributor_admin);
    let message = "you cannot grant permissions you do not hold: MANAGE_PARTNERS, MANAGE_OFFERS";
    assert_forbidden(outcome, message, "DISTRIBUTOR_ADMIN by a partner admin");
    let customer_admin = Some(BuiltInProfile::CustomerAdmin.profile());
    let outcome = grant(&customer_user(), &initech_user(), customer_admin);
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
    let ok = |p: &Principal, who: fn() -> Member| {
        let (user, holder) = who();
        policy::impersonation_target(p, &user, holder.as_ref())
    };
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
    assert_forbidden(
        policy::impersonation_target(&pam, &me, None),
        refused,
        "oneself",
    );
    let (mut pending, _) = initech_user();
    pending.status = UserStatus::Pending;
    let outcome = policy::impersonation_target(&alice, &pending, None);
    assert_conflict(outcome, "the user is not active", "a pending user");
    let mut closed = acme();
    closed.status = partnergraph_core::model::OrgStatus::Inactive;
    let (operator, _) = acme_operator();
    let outcome =
        policy::impersonation_target(&pam, &operator, Some(&AccountHolder::Organization(closed)));
    let message = "the user's organization or customer account is deactivated";
    assert_conflict(outcome, message, "a deactivated organization's operator");
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
