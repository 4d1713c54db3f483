//! A page costs a constant number of SQL statements, not one per row: every relationship goes
//! through a DataLoader. Each test uses a gateway of its own so that the count is only its own.

use partnergraph_tests::{Backend, TestServer};
use serde_json::json;

const DASHBOARD: &str = "query($n: Int!) {
  customers(first: $n, orderBy: { field: NAME }) {
    totalCount
    nodes {
      name partner { name parent { name } } balance { amount currency } contact { email }
      subscriptions(first: 5) { totalCount nodes { number quantity offer { code } customer { name } } }
      invoices(first: 5) { totalCount nodes { number balance { amount } account { ... on Customer { name } } } }
      cases(first: 5) { totalCount nodes { subject status customer { name } } }
      payments(first: 5) { nodes { amount { amount } paymentMethod { type } invoice { number } } }
      paymentMethods { type }
      users(first: 5) { nodes { email profile { code } } }
    }
  }
}";

/// SQL statements of one dashboard page of `n` customers for the Acme partner persona.
async fn statements_for_page(s: &TestServer, token: &str, n: i64) -> u64 {
    let before = s.sql_statements();
    let r = s
        .post_json(
            Some(token),
            &json!({ "query": DASHBOARD, "variables": { "n": n } }),
        )
        .await;
    let rows = r.data()["customers"]["nodes"].as_array().map(Vec::len);
    assert_eq!(rows, Some(n as usize));
    s.sql_statements() - before
}

/// Four statements authenticate the caller (token not revoked; user, profile, organization)
/// and one runs the root list;
/// then each relationship the page touches costs one statement however many rows ask for it:
/// partner, its parent, billing accounts, contacts, subscriptions, invoices, cases, payments,
/// payment methods, users, offers, profiles, invoices and payment methods by id; account
/// holders by billing and by CRM account cost two each (customers, then organizations).
const DASHBOARD_STATEMENTS: u64 = 23;

async fn a_page_of_50_customers_costs_as_many_statements_as_a_page_of_5(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let token = s.token("paula@acme.example").await;
    for _ in 0..3 {
        assert_eq!(
            statements_for_page(&s, &token, 5).await,
            DASHBOARD_STATEMENTS
        );
        assert_eq!(
            statements_for_page(&s, &token, 50).await,
            DASHBOARD_STATEMENTS
        );
    }
}

#[tokio::test]
async fn sqlite_page_of_50_customers_costs_a_constant_number_of_statements() {
    a_page_of_50_customers_costs_as_many_statements_as_a_page_of_5(Backend::Sqlite).await;
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_page_of_50_customers_costs_a_constant_number_of_statements() {
    a_page_of_50_customers_costs_as_many_statements_as_a_page_of_5(Backend::Postgres).await;
}
