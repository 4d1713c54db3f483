//! Administering the channel: who onboards which organization under which parent, who edits,
//! deactivates and reactivates which, which sales channel an organization may sell through,
//! and who publishes which offer to which partners.

use super::*;
use partnergraph_core::model::{OrgKind, Organization};

fn distributor_of_contoso() -> Principal {
    principal(
        "user-cora",
        organization(CONTOSO, OrgKind::Distributor),
        distributor_admin().permissions,
    )
}

fn contoso() -> Organization {
    org(CONTOSO, OrgKind::Distributor, None)
}

#[test]
fn distributors_onboard_partners_under_themselves_and_only_the_platform_onboards_distributors() {
    let (platform, dora) = (platform_admin(), distributor_admin());
    let northwind = OrgId::from(NORTHWIND);
    let contoso_id = OrgId::from(CONTOSO);
    assert_eq!(
        policy::new_organization_parent(&dora, OrgKind::Partner, None).ok(),
        Some(Some(northwind.clone())),
        "a distributor's partner goes under it"
    );
    assert_eq!(
        policy::new_organization_parent(&dora, OrgKind::Partner, Some(&northwind)).ok(),
        Some(Some(northwind.clone()))
    );
    assert_not_found(
        policy::new_organization_parent(&dora, OrgKind::Partner, Some(&contoso_id)),
        "under another distributor",
    );
    assert_forbidden(
        policy::new_organization_parent(&dora, OrgKind::Distributor, None),
        "only the platform creates distributors",
        "a distributor by a distributor",
    );
    for partner in [partner_admin(), customer_admin(), limited_partner_user()] {
        assert_forbidden(
            policy::new_organization_parent(&partner, OrgKind::Partner, None),
            "only distributors and the platform create organizations",
            "a partner or a customer",
        );
    }
    assert_eq!(
        policy::new_organization_parent(&platform, OrgKind::Distributor, None).ok(),
        Some(None)
    );
    assert_bad_input(
        policy::new_organization_parent(&platform, OrgKind::Partner, None),
        "parentId",
        "a partner without its distributor",
    );
    assert_bad_input(
        policy::new_organization_parent(&platform, OrgKind::Distributor, Some(&northwind)),
        "parentId",
        "a distributor under a parent",
    );

    // The parent, once loaded: a distributor the caller reaches, else as if it did not exist.
    assert!(policy::parent_distributor(&dora, Some(super::northwind())).is_ok());
    assert_not_found(
        policy::parent_distributor(&dora, Some(contoso())),
        "another distributor",
    );
    assert_not_found(
        policy::parent_distributor(&platform, Some(acme())),
        "a partner as parent",
    );
    assert_not_found(policy::parent_distributor(&platform, None), "nothing");
}

#[test]
fn a_distributor_administers_its_own_partners_and_nothing_else() {
    let dora = distributor_admin();
    assert!(policy::manageable_organization(&dora, Some(acme())).is_ok());
    assert_not_found(
        policy::manageable_organization(&dora, Some(globex())),
        "another distributor's partner",
    );
    assert_not_found(policy::manageable_organization(&dora, None), "nothing");
    let own = "your organization is administered by its distributor or the platform";
    assert_forbidden(
        policy::manageable_organization(&dora, Some(super::northwind())),
        own,
        "its own distributor",
    );
    assert_forbidden(
        policy::manageable_organization(&partner_admin(), Some(acme())),
        own,
        "a partner, its own organization",
    );
    assert_not_found(
        policy::manageable_organization(&partner_admin(), Some(globex())),
        "a partner, another",
    );
    let platform = platform_admin();
    for org in [super::northwind(), acme(), globex(), contoso()] {
        assert!(policy::manageable_organization(&platform, Some(org)).is_ok());
    }
}

#[test]
fn a_partner_sells_through_its_distributors_channel_unless_the_platform_says_otherwise() {
    let (platform, dora) = (platform_admin(), distributor_admin());
    let mut northwind = super::northwind();
    northwind.sales_channel = "EMEA".to_owned();
    let channel = |p: &Principal, requested| policy::sales_channel(p, Some(&northwind), requested);
    assert_eq!(channel(&dora, None).ok().as_deref(), Some("EMEA"));
    assert_eq!(channel(&dora, Some("EMEA")).ok().as_deref(), Some("EMEA"));
    assert_forbidden(
        channel(&dora, Some("AMER")),
        "a partner sells through its distributor's sales channel",
        "a distributor moving a partner into another channel",
    );
    assert_eq!(
        channel(&platform, Some("AMER")).ok().as_deref(),
        Some("AMER")
    );
    assert_bad_input(
        policy::sales_channel(&platform, None, None),
        "salesChannel",
        "a distributor without a channel",
    );
}

#[test]
fn offers_are_published_by_the_platform_and_by_the_distributor_of_their_channel() {
    let (platform, dora, cora) = (
        platform_admin(),
        distributor_admin(),
        distributor_of_contoso(),
    );
    let direct = offer(&[]);
    assert!(policy::publishable_offer(&platform, None, Some(direct.clone())).is_ok());
    assert!(policy::publishable_offer(&dora, Some("direct"), Some(direct.clone())).is_ok());
    assert_not_found(
        policy::publishable_offer(&cora, Some("other"), Some(direct.clone())),
        "another channel's offer",
    );
    assert_not_found(
        policy::publishable_offer(&dora, Some("direct"), None),
        "nothing",
    );
    let message = "offers are published by distributors and the platform";
    for p in [partner_admin(), customer_admin()] {
        assert_forbidden(
            policy::publishable_offer(&p, Some("direct"), Some(direct.clone())),
            message,
            "a partner or a customer",
        );
    }

    // Who sells it is changed only by who reaches every partner now selling it.
    assert!(policy::restrictable_offer(&dora, &[acme()]).is_ok());
    assert!(policy::restrictable_offer(&dora, &[]).is_ok());
    assert!(policy::restrictable_offer(&platform, &[acme(), globex()]).is_ok());
    assert!(matches!(
        policy::restrictable_offer(&dora, &[acme(), globex()]),
        Err(Error::Forbidden(_))
    ));

    // The partners it is restricted to: each one the caller reaches, of the offer's channel.
    let partners = [acme(), globex()];
    let acme_id = OrgId::from(ACME);
    let globex_id = OrgId::from(GLOBEX);
    assert_eq!(
        policy::eligible_partners(
            &dora,
            "direct",
            &[acme_id.clone(), acme_id.clone()],
            &partners
        )
        .ok(),
        Some(vec![acme_id.clone()]),
        "named twice, kept once"
    );
    assert_not_found(
        policy::eligible_partners(&dora, "direct", std::slice::from_ref(&globex_id), &partners),
        "another distributor's partner",
    );
    assert_not_found(
        policy::eligible_partners(&dora, "direct", &[OrgId::from("org-none")], &partners),
        "a partner that does not exist",
    );
    assert_not_found(
        policy::eligible_partners(
            &dora,
            "direct",
            &[OrgId::from(NORTHWIND)],
            &[super::northwind()],
        ),
        "a distributor is no partner",
    );
    assert_bad_input(
        policy::eligible_partners(&platform, "elsewhere", &[acme_id], &partners),
        "eligiblePartnerIds",
        "a partner of another channel",
    );
}
