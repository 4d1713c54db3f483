//! A page costs a constant number of SQL statements and Zuora queries, not one per row: every
//! relationship goes through a DataLoader. Each test uses a gateway of its own so that the count is only its own.

use partnergraph_tests::{read_through, Backend, TestServer};
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

/// Loads one dashboard page of `n` customers and checks it is full.
async fn load_page(s: &TestServer, token: &str, n: i64) {
    let r = s
        .post_json(
            Some(token),
            &json!({ "query": DASHBOARD, "variables": { "n": n } }),
        )
        .await;
    let rows = r.data()["customers"]["nodes"].as_array().map(Vec::len);
    assert_eq!(rows, Some(n as usize));
}

/// SQL statements of one dashboard page of `n` customers for the Acme partner persona.
async fn statements_for_page(s: &TestServer, token: &str, n: i64) -> u64 {
    let before = s.sql_statements();
    load_page(s, token, n).await;
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
    // Read through: with the store's read cache, a repeated page runs no statement at all.
    let s = TestServer::dedicated_with_config(backend, Box::new(read_through));
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

partnergraph_tests::on_sqlite_and_postgres!(
    sqlite_page_of_50_customers_costs_a_constant_number_of_statements,
    postgres_page_of_50_customers_costs_a_constant_number_of_statements,
    a_page_of_50_customers_costs_as_many_statements_as_a_page_of_5,
);

/// Zuora requests of one dashboard page of `n` customers: (queries, requests). A query is a
/// request that starts a read; the rest follow its pages (Object Query returns 50 records a
/// page).
async fn zuora_requests_for_page(s: &TestServer, token: &str, n: i64) -> (usize, usize) {
    s.zuora_control("/_sandbox/requests", &serde_json::Value::Null)
        .await;
    load_page(s, token, n).await;
    let log = s.zuora_requests().await;
    let queries = log
        .iter()
        .filter(|r| {
            let query = r["query"].as_str().unwrap_or_default();
            !query.contains("cursor=") && r["path"] != "/v1/action/queryMore"
        })
        .count();
    (queries, log.len())
}

/// With billing on Zuora, the page's billing side costs one Object Query per record type, for
/// all its customers at once: balances (accounts), subscriptions, invoices, payments, payment
/// methods, the invoices and payment methods payments name (by id), and one ZOQL query for which
/// invoice each payment paid. The token and the catalog are read once and then kept.
const DASHBOARD_ZUORA_QUERIES: usize = 8;

#[tokio::test]
async fn zuora_page_of_50_customers_costs_a_constant_number_of_zuora_queries() {
    // Every page is read afresh: batching is what is measured here.
    let s = TestServer::dedicated_with_config(Backend::Zuora, Box::new(read_through));
    let token = s.token("paula@acme.example").await;
    // The first page also fetches a token and the product catalog (four queries).
    let (first, _) = zuora_requests_for_page(&s, &token, 5).await;
    assert_eq!(first, DASHBOARD_ZUORA_QUERIES + 5);
    for _ in 0..3 {
        let (five, _) = zuora_requests_for_page(&s, &token, 5).await;
        let (fifty, requests) = zuora_requests_for_page(&s, &token, 50).await;
        assert_eq!(five, DASHBOARD_ZUORA_QUERIES);
        // 50 customers have more subscriptions, invoices and payments than a page (50 records)
        // holds; read as expansions of one page of accounts they still cost one request each,
        // and no cursor page follows. Reads by id take a page's worth of ids per query: the
        // invoices their payments paid are more than 50, so they are two queries, sent together.
        assert_eq!(fifty, DASHBOARD_ZUORA_QUERIES + 1);
        assert_eq!(fifty, requests, "a cursor page was fetched after its query");
    }
}
