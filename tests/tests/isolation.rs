//! Partner A reaches none of partner B's customers, invoices or cases through any path: lists,
//! single lookups, `node`/`nodes`, nested fields and filters. Out of scope looks like absent.

use partnergraph_core::demo::DemoData;
use partnergraph_core::model::*;
use partnergraph_tests::queries::{assert_no_node, find};
use partnergraph_tests::{on_both_backends, TestServer};
use serde_json::{json, Value};

const PAULA: &str = "paula@acme.example";

struct Globex {
    org: Organization,
    customer: Customer,
    invoice: Invoice,
    case: Case,
    subscription: Subscription,
    user: User,
}

impl Globex {
    /// The global ids of the records: organization, customer, invoice, case, subscription, user.
    fn ids(&self) -> [String; 6] {
        [
            self.org.id.global().encode(),
            self.customer.id.global().encode(),
            self.invoice.id.global().encode(),
            self.case.id.global().encode(),
            self.subscription.id.global().encode(),
            self.user.id.global().encode(),
        ]
    }
}

/// Records of Globex (another partner, under another distributor) that Acme must never reach.
fn globex(demo: &DemoData) -> Globex {
    let org = demo
        .organizations
        .iter()
        .find(|o| o.name == "Globex Systems")
        .cloned()
        .expect("Globex");
    let customer = demo
        .customers
        .iter()
        .find(|c| c.partner_id == org.id && c.external.crm.is_some())
        .cloned()
        .expect("a Globex customer");
    let billing: Vec<_> = demo
        .customers
        .iter()
        .filter(|c| c.partner_id == org.id)
        .map(|c| &c.external)
        .chain(std::iter::once(&org.external))
        .filter_map(|e| e.billing.clone())
        .collect();
    let crm: Vec<_> = demo
        .customers
        .iter()
        .filter(|c| c.partner_id == org.id)
        .filter_map(|c| c.external.crm.clone())
        .collect();
    Globex {
        invoice: demo
            .invoices
            .iter()
            .find(|i| billing.contains(&i.account_id))
            .cloned()
            .expect("a Globex invoice"),
        case: demo
            .cases
            .iter()
            .find(|c| crm.contains(&c.account_id))
            .cloned()
            .expect("a Globex case"),
        subscription: demo
            .subscriptions
            .iter()
            .find(|s| billing.contains(&s.account_id))
            .cloned()
            .expect("a Globex subscription"),
        user: demo
            .users
            .iter()
            .find(|u| u.membership == Membership::Organization(org.id.clone()))
            .cloned()
            .expect("a Globex operator"),
        org,
        customer,
    }
}

fn nodes(data: &Value, field: &str) -> Vec<Value> {
    data[field]["nodes"].as_array().cloned().unwrap_or_default()
}

async fn another_partners_records_are_unreachable_by_id(s: &TestServer) {
    let ids = globex(&s.demo()).ids();
    let r = s
        .query(
            PAULA,
            "query($ids: [ID!]!, $org: ID!, $customer: ID!) {
               nodes(ids: $ids) { id }
               organization(id: $org) { name } customer(id: $customer) { name } }",
            json!({ "ids": ids, "org": ids[0], "customer": ids[1] }),
        )
        .await;
    let d = r.data();
    assert!(d["organization"].is_null() && d["customer"].is_null());
    assert_eq!(d["nodes"], json!([null, null, null, null, null, null]));
    assert_no_node(s, PAULA, &ids).await;
}

async fn filters_naming_another_partners_records_yield_empty_lists(s: &TestServer) {
    let g = globex(&s.demo());
    let r = s
        .query(
            PAULA,
            "query($partner: ID!, $customer: ID!, $name: String!, $number: String!) {
               byPartner: customers(filter: { partnerId: $partner }) { totalCount }
               byName: customers(filter: { nameContains: $name }) { totalCount }
               byNumber: customers(filter: { accountNumber: $number }) { totalCount }
               invoices(filter: { accountId: $customer }) { totalCount }
               cases(filter: { accountId: $customer }) { totalCount }
               subscriptions(filter: { customerId: $customer }) { totalCount }
               users(filter: { organizationId: $partner }) { totalCount }
               organizations(filter: { nameContains: \"Globex\" }) { totalCount } }",
            json!({
                "partner": g.org.id.global().encode(),
                "customer": g.customer.id.global().encode(),
                "name": g.customer.name,
                "number": g.customer.account_number,
            }),
        )
        .await;
    let d = r.data();
    for field in [
        "byPartner",
        "byName",
        "byNumber",
        "invoices",
        "cases",
        "subscriptions",
        "users",
        "organizations",
    ] {
        assert_eq!(d[field]["totalCount"], 0, "{field} leaked: {}", d[field]);
    }
}

async fn every_list_and_nested_path_stays_inside_the_partner(s: &TestServer) {
    let demo = s.demo();
    let g = globex(&demo);
    let r = s
        .query(
            PAULA,
            "{ customers(first: 50) { nodes { id partner { id } invoices(first: 10) { nodes { id } } cases(first: 10) { nodes { id } } } }
               invoices(first: 100) { nodes { id account { ... on Customer { id } ... on Organization { id } } } }
               cases(first: 100) { nodes { id customer { id } } }
               subscriptions(first: 100) { nodes { id customer { id } } }
               viewer { organization { customers(first: 100) { totalCount } partners { totalCount } users(first: 100) { nodes { id } } } } }",
            json!({}),
        )
        .await;
    let d = r.data();
    let body = d.to_string();
    for forbidden in g.ids() {
        assert!(
            !body.contains(&forbidden),
            "Acme's view contains Globex's {forbidden}"
        );
    }
    let acme = find(&demo.organizations, "Acme", |o| o.name == "Acme Cloud")
        .id
        .global()
        .encode();
    for c in nodes(d, "customers") {
        assert_eq!(c["partner"]["id"], acme.as_str());
    }
    assert_eq!(d["viewer"]["organization"]["customers"]["totalCount"], 50);
    assert_eq!(d["viewer"]["organization"]["partners"]["totalCount"], 0);
    for i in nodes(d, "invoices") {
        assert!(
            !i["account"].is_null(),
            "an invoice in Acme's list has an invisible account"
        );
    }
}

async fn a_customer_user_reaches_no_other_customer_of_its_partner(s: &TestServer) {
    let demo = s.demo();
    let sibling = find(&demo.customers, "another Acme customer", |c| {
        c.partner_id.as_str() == "org-acme" && c.name != "Initech"
    });
    let r = s
        .query(
            "carl@initech.example",
            "query($id: ID!, $name: String!) { customer(id: $id) { name } node(id: $id) { id }
               customers(filter: { nameContains: $name }) { totalCount } }",
            json!({ "id": sibling.id.global().encode(), "name": sibling.name }),
        )
        .await;
    let d = r.data();
    assert!(d["customer"].is_null() && d["node"].is_null());
    assert_eq!(d["customers"]["totalCount"], 0);
}

on_both_backends!(
    another_partners_records_are_unreachable_by_id,
    filters_naming_another_partners_records_yield_empty_lists,
    every_list_and_nested_path_stays_inside_the_partner,
    a_customer_user_reaches_no_other_customer_of_its_partner,
);
