//! Every root field, for every persona: what each caller sees is exactly its part of the channel.
//!
//! Expectations come from the demo dataset itself (the oracle), with the visible organizations
//! and customers of each persona written out by hand rather than derived from the scope code.

use partnergraph_core::demo::DemoData;
use partnergraph_core::model::*;
use partnergraph_tests::queries::{find, strings};
use partnergraph_tests::{on_both_backends, TestServer};
use serde_json::{json, Value};
use std::collections::HashSet;

/// What one persona should see.
struct Expect {
    email: &'static str,
    profile: &'static str,
    organizations: usize,
    customers: usize,
    subscriptions: usize,
    invoices: usize,
    cases: usize,
    /// `None` when `users` is forbidden.
    operators: Option<usize>,
    /// `None` when `auditLog` is forbidden.
    audit: Option<usize>,
    offers: usize,
}

fn ids<T, I: Eq + std::hash::Hash>(items: &[T], f: impl Fn(&T) -> I) -> HashSet<I> {
    items.iter().map(f).collect()
}

/// The expectations of a caller who sees the organizations `orgs` and the customers `customers`.
fn expect_for(
    demo: &DemoData,
    email: &'static str,
    profile: &'static str,
    orgs: &[&str],
    customers: &dyn Fn(&Customer) -> bool,
    operators: bool,
    audit: bool,
) -> Expect {
    let visible_orgs: Vec<&Organization> = demo
        .organizations
        .iter()
        .filter(|o| orgs.contains(&o.id.as_str()))
        .collect();
    let visible_customers: Vec<&Customer> =
        demo.customers.iter().filter(|c| customers(c)).collect();
    // The upstream accounts of everything visible.
    let external = || {
        let orgs = visible_orgs.iter().map(|o| &o.external);
        orgs.chain(visible_customers.iter().map(|c| &c.external))
    };
    let billing: HashSet<_> = external().filter_map(|e| e.billing.clone()).collect();
    let crm: HashSet<_> = external().filter_map(|e| e.crm.clone()).collect();
    let org_ids = ids(&visible_orgs, |o| o.id.clone());
    let partners: Vec<&Organization> = match visible_orgs.as_slice() {
        [] => demo
            .customers
            .iter()
            .filter(|c| customers(c))
            .filter_map(|c| demo.organizations.iter().find(|o| o.id == c.partner_id))
            .collect(),
        visible => visible
            .iter()
            .copied()
            .filter(|o| o.kind == OrgKind::Partner)
            .collect(),
    };
    let offers = demo
        .offers
        .iter()
        .filter(|offer| {
            orgs.len() == demo.organizations.len()
                || partners.iter().any(|p| offer.is_eligible_for(p))
        })
        .count();
    Expect {
        email,
        profile,
        organizations: visible_orgs.len(),
        customers: visible_customers.len(),
        subscriptions: demo
            .subscriptions
            .iter()
            .filter(|s| billing.contains(&s.account_id))
            .count(),
        invoices: demo
            .invoices
            .iter()
            .filter(|i| billing.contains(&i.account_id))
            .count(),
        cases: demo
            .cases
            .iter()
            .filter(|c| crm.contains(&c.account_id))
            .count(),
        operators: operators.then(|| {
            demo.users
                .iter()
                .filter(|u| match &u.membership {
                    Membership::Platform => orgs.len() == demo.organizations.len(),
                    Membership::Organization(o) => org_ids.contains(o),
                    Membership::Customer(_) => false,
                })
                .count()
        }),
        audit: audit.then(|| {
            demo.audit_events
                .iter()
                .filter(|e| {
                    orgs.len() == demo.organizations.len()
                        || e.org_id.as_ref().is_some_and(|o| org_ids.contains(o))
                })
                .count()
        }),
        offers,
    }
}

/// What a caller may see of the customers.
type Sees<'a> = &'a dyn Fn(&Customer) -> bool;

/// (email, profile, organizations seen, customers seen, lists users, reads the audit log)
type Persona<'a> = (
    &'static str,
    &'static str,
    &'a [&'a str],
    Sees<'a>,
    bool,
    bool,
);

fn personas(demo: &DemoData) -> Vec<Expect> {
    let all: Vec<&str> = demo.organizations.iter().map(|o| o.id.as_str()).collect();
    let northwind = ["org-northwind", "org-acme", "org-contoso", "org-umbrella"];
    let in_northwind = |c: &Customer| northwind.contains(&c.partner_id.as_str());
    let of_acme = |c: &Customer| c.partner_id.as_str() == "org-acme";
    let of_globex = |c: &Customer| c.partner_id.as_str() == "org-globex";
    let initech = |c: &Customer| c.name == "Initech";
    // A customer user sees its own account and nothing of the organizations above it.
    #[rustfmt::skip]
    let table: [Persona; 6] = [
        ("admin@platform.example", "PLATFORM_ADMIN", &all, &|_| true, true, true),
        ("dana@northwind.example", "DISTRIBUTOR_ADMIN", &northwind, &in_northwind, true, true),
        ("paula@acme.example", "PARTNER", &["org-acme"], &of_acme, true, false),
        ("victor@acme.example", "VIEWER", &["org-acme"], &of_acme, true, false),
        ("olga@globex.example", "ADMIN", &["org-globex"], &of_globex, true, true),
        ("carl@initech.example", "CUSTOMER_ADMIN", &[], &initech, true, false),
    ];
    table
        .into_iter()
        .map(|(email, profile, orgs, customers, operators, audit)| {
            expect_for(demo, email, profile, orgs, customers, operators, audit)
        })
        .collect()
}

fn total(data: &Value, field: &str) -> usize {
    data[field]["totalCount"].as_u64().unwrap_or(u64::MAX) as usize
}

async fn every_root_list_shows_each_persona_exactly_its_part_of_the_channel(s: &TestServer) {
    let demo = s.demo();
    for e in personas(&demo) {
        let who = e.email;
        let r = s
            .query(
                who,
                "{ viewer { user { email } profile { code } permissions }
                   organizations(first: 100) { totalCount }
                   customers(first: 1) { totalCount }
                   offers(first: 100) { totalCount }
                   subscriptions(first: 1) { totalCount }
                   invoices(first: 1) { totalCount }
                   cases(first: 1) { totalCount }
                   profiles { code } }",
                json!({}),
            )
            .await;
        let d = r.data();
        assert_eq!(d["viewer"]["user"]["email"], who);
        assert_eq!(d["viewer"]["profile"]["code"], e.profile, "{who}");
        assert!(
            !d["viewer"]["permissions"]
                .as_array()
                .is_none_or(Vec::is_empty),
            "{who}"
        );
        let lists = [
            ("organizations", e.organizations),
            ("customers", e.customers),
            ("offers", e.offers),
            ("subscriptions", e.subscriptions),
            ("invoices", e.invoices),
            ("cases", e.cases),
        ];
        for (field, expected) in lists {
            assert_eq!(total(d, field), expected, "{who}: {field}");
        }
        assert!(
            d["profiles"].as_array().is_some_and(|p| p.len() >= 8),
            "{who}: profiles"
        );

        // `None` expects the list refused.
        let guarded = [
            (
                "users",
                "{ users(first: 100) { totalCount nodes { email } } }",
                e.operators,
            ),
            (
                "auditLog",
                "{ auditLog(first: 100) { totalCount nodes { action actorEmail } } }",
                e.audit,
            ),
        ];
        for (field, query, expected) in guarded {
            let r = s.query(who, query, json!({})).await;
            match expected {
                Some(n) => assert_eq!(total(r.data(), field), n, "{who}: {field}"),
                None => assert_eq!(r.error_code(), "FORBIDDEN", "{who}: {field}"),
            }
        }
    }
}

async fn single_lookups_return_visible_records_and_null_for_the_rest(s: &TestServer) {
    let demo = s.demo();
    let initech = find(&demo.customers, "Initech", |c| c.name == "Initech");
    let globex_customer = find(&demo.customers, "a Globex customer", |c| {
        c.partner_id.as_str() == "org-globex"
    });
    let acme = find(&demo.organizations, "Acme", |o| o.name == "Acme Cloud");
    let query = "query($c: ID!, $g: ID!, $o: ID!) {
        mine: customer(id: $c) { name }  theirs: customer(id: $g) { name }
        org: organization(id: $o) { name }
        node(id: $c) { id ... on Customer { name } }
        nodes(ids: [$c, $g, $o]) { id } }";
    let vars = json!({ "c": initech.id.global().encode(), "g": globex_customer.id.global().encode(), "o": acme.id.global().encode() });
    // (persona, sees Initech, sees the Globex customer, sees Acme)
    let table = [
        ("admin@platform.example", true, true, true),
        ("dana@northwind.example", true, false, true),
        ("paula@acme.example", true, false, true),
        ("victor@acme.example", true, false, true),
        ("olga@globex.example", false, true, false),
        ("carl@initech.example", true, false, false),
    ];
    for (who, mine, theirs, org) in table {
        let r = s.query(who, query, vars.clone()).await;
        let d = r.data();
        assert_eq!(!d["mine"].is_null(), mine, "{who}: customer(Initech)");
        assert_eq!(!d["theirs"].is_null(), theirs, "{who}: customer(Globex's)");
        assert_eq!(!d["org"].is_null(), org, "{who}: organization(Acme)");
        assert_eq!(!d["node"].is_null(), mine, "{who}: node(Initech)");
        let nodes = d["nodes"].as_array().expect("nodes");
        assert_eq!(nodes.len(), 3);
        assert_eq!(
            [
                !nodes[0].is_null(),
                !nodes[1].is_null(),
                !nodes[2].is_null()
            ],
            [mine, theirs, org],
            "{who}: nodes"
        );
        if mine {
            assert_eq!(d["node"]["name"], "Initech");
        }
    }
}

async fn a_customer_user_sees_its_own_account_in_full_but_no_organization(s: &TestServer) {
    let r = s
        .query(
            "carl@initech.example",
            "{ viewer { organization { name } customer { name } }
               customers(first: 5) { nodes { name partner { name } seats skus expiresOn
                 balance { amount currency } contact { email }
                 subscriptions(first: 10) { totalCount } invoices(first: 10) { totalCount }
                 payments(first: 10) { totalCount } paymentMethods { type } cases(first: 10) { totalCount }
                 users(first: 10) { nodes { email } } } } }",
            json!({}),
        )
        .await;
    let d = r.data();
    assert!(d["viewer"]["organization"].is_null());
    assert_eq!(d["viewer"]["customer"]["name"], "Initech");
    let c = &d["customers"]["nodes"][0];
    assert_eq!(c["name"], "Initech");
    assert!(
        c["partner"].is_null(),
        "customer users do not see their partner organization"
    );
    assert_eq!(c["subscriptions"]["totalCount"], 3);
    assert_eq!(c["invoices"]["totalCount"], 3);
    assert_eq!(c["cases"]["totalCount"], 3);
    assert!(c["seats"].as_i64().is_some_and(|n| n > 0));
    assert!(c["paymentMethods"]
        .as_array()
        .is_some_and(|m| !m.is_empty()));
    let users = strings(&c["users"]["nodes"], "email");
    assert!(users.contains(&"carl@initech.example"));
}

async fn a_pending_user_is_authenticated_but_sees_nothing(s: &TestServer) {
    let r = s
        .query(
            "pending@acme.example",
            "{ viewer { user { status } } organizations { totalCount } customers { totalCount } offers { totalCount } }",
            json!({}),
        )
        .await;
    let d = r.data();
    assert_eq!(d["viewer"]["user"]["status"], "PENDING");
    assert_eq!(total(d, "organizations"), 0);
    assert_eq!(total(d, "customers"), 0);
    assert_eq!(total(d, "offers"), 0);
    let r = s
        .query(
            "pending@acme.example",
            "{ invoices { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(r.error_code(), "FORBIDDEN");
}

async fn a_distributor_sees_its_partners_and_their_customers_through_the_hierarchy(s: &TestServer) {
    let r = s
        .query(
            "dana@northwind.example",
            "{ viewer { organization { name kind
                 partners(first: 10, orderBy: { field: NAME }) { totalCount nodes { name kind parent { name }
                   customers(first: 1) { totalCount } } } } } }",
            json!({}),
        )
        .await;
    let org = &r.data()["viewer"]["organization"];
    assert_eq!(org["name"], "Northwind Distribution");
    assert_eq!(org["kind"], "DISTRIBUTOR");
    let names = strings(&org["partners"]["nodes"], "name");
    assert_eq!(names, ["Acme Cloud", "Contoso Digital", "Umbrella IT"]);
    assert_eq!(
        org["partners"]["nodes"][0]["parent"]["name"],
        "Northwind Distribution"
    );
    assert_eq!(org["partners"]["nodes"][0]["customers"]["totalCount"], 50);
}

async fn offers_show_only_what_the_partner_may_sell(s: &TestServer) {
    let codes = |r: &partnergraph_tests::Response| -> Vec<String> {
        r.data()["offers"]["nodes"]
            .as_array()
            .expect("offers")
            .iter()
            .filter_map(|o| o["code"].as_str().map(str::to_owned))
            .collect()
    };
    let q = "{ offers(first: 100, orderBy: { field: CODE }) { nodes { code salesChannel eligiblePartners { name } } } }";
    let acme = codes(&s.query("paula@acme.example", q, json!({})).await);
    assert!(
        acme.contains(&"TC-PRO-M".to_owned()),
        "Acme's exclusive offer"
    );
    assert!(
        !acme.contains(&"VC-ENT-A".to_owned()),
        "Globex's exclusive offer"
    );
    assert!(!acme.contains(&"CB-STD-US".to_owned()), "another channel");
    let globex = codes(&s.query("olga@globex.example", q, json!({})).await);
    assert!(globex.contains(&"VC-ENT-A".to_owned()) && !globex.contains(&"TC-PRO-M".to_owned()));
    let r = s
        .query(
            "paula@acme.example",
            "{ offers(filter: { sku: \"TC-PRO\" }) { nodes { eligiblePartners { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        r.data()["offers"]["nodes"][0]["eligiblePartners"],
        json!([{ "name": "Acme Cloud" }])
    );
}

on_both_backends!(
    every_root_list_shows_each_persona_exactly_its_part_of_the_channel,
    single_lookups_return_visible_records_and_null_for_the_rest,
    a_customer_user_sees_its_own_account_in_full_but_no_organization,
    a_pending_user_is_authenticated_but_sees_nothing,
    a_distributor_sees_its_partners_and_their_customers_through_the_hierarchy,
    offers_show_only_what_the_partner_may_sell,
);
