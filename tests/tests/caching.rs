//! The guard in front of Zuora and Salesforce, seen through the GraphQL API and the sandboxes'
//! request logs: a warm page costs no upstream request, a write invalidates what it touched
//! (and nothing else), a failing upstream is answered from stale entries with a marker, an open
//! circuit keeps requests from reaching a dead upstream, no more requests are open at once than
//! the configured limit, and authorization still decides on every cache hit.

use partnergraph_tests::assert::failed_fields_are_null;
use partnergraph_tests::queries::customer_names as names;
use partnergraph_tests::{read_through, Backend, TestServer};
use partnergraph_upstream::{BreakerConfig, TtlConfig};
use serde_json::{json, Value};

const PAULA: &str = "paula@acme.example";
const OLGA: &str = "olga@globex.example";

const BILLING_PAGE: &str = "query Billing { customers(first: 10, orderBy: { field: NAME }) {
  nodes { id name balance { amount }
    subscriptions(first: 5, filter: { status: ACTIVE }) { nodes { id quantity } }
    invoices(first: 5) { nodes { id number balance { amount } } } } } }";

const CASES_PAGE: &str = "query Cases { customers(first: 10, orderBy: { field: NAME }) {
  nodes { name contact { email } cases(first: 10) { nodes { subject comments { body } } } } } }";

async fn page(s: &TestServer, query: &str) -> Value {
    s.query(PAULA, query, json!({})).await.body
}

async fn zuora_requests_for(s: &TestServer, query: &str) -> (Value, usize) {
    s.zuora_control("/_sandbox/requests", &Value::Null).await;
    let body = page(s, query).await;
    (body, s.zuora_requests().await.len())
}

fn customers(body: &Value) -> Vec<Value> {
    body["data"]["customers"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_warm_page_costs_no_upstream_request_on_zuora_or_salesforce() {
    let zuora = TestServer::dedicated(Backend::Zuora);
    let (cold, cold_requests) = zuora_requests_for(&zuora, BILLING_PAGE).await;
    assert!(cold.get("errors").is_none(), "{cold}");
    assert!(cold_requests > 0);
    let (warm, warm_requests) = zuora_requests_for(&zuora, BILLING_PAGE).await;
    assert_eq!(warm, cold);
    assert_eq!(warm_requests, 0, "the warm page reached Zuora");

    let salesforce = TestServer::dedicated(Backend::Salesforce);
    let cold = page(&salesforce, CASES_PAGE).await;
    assert!(cold.get("errors").is_none(), "{cold}");
    salesforce
        .salesforce_control("/_sandbox/requests", &Value::Null)
        .await;
    assert_eq!(page(&salesforce, CASES_PAGE).await, cold);
    assert_eq!(
        salesforce.salesforce_requests().await.len(),
        0,
        "the warm page reached Salesforce"
    );
}

const CUSTOMER: &str = "query($id: ID!) { node(id: $id) { ... on Customer {
  name subscriptions(first: 5) { nodes { id quantity } } } } }";

#[tokio::test]
async fn a_write_invalidates_its_account_so_the_next_read_shows_it_and_other_accounts_stay_cached()
{
    let s = TestServer::dedicated(Backend::Zuora);
    let listed = page(&s, BILLING_PAGE).await;
    let nodes = customers(&listed);
    let with_subscription: Vec<&Value> = nodes
        .iter()
        .filter(|c| c["subscriptions"]["nodes"][0]["id"].is_string())
        .collect();
    assert!(
        with_subscription.len() >= 2,
        "two customers with subscriptions"
    );
    let (changed, untouched) = (with_subscription[0], with_subscription[1]);
    for customer in [changed, untouched] {
        s.query(PAULA, CUSTOMER, json!({ "id": customer["id"] }))
            .await
            .data();
    }

    let subscription = &changed["subscriptions"]["nodes"][0];
    let seats = subscription["quantity"].as_i64().unwrap_or_default() + 3;
    let r = s
        .query(
            PAULA,
            "mutation($id: ID!, $q: Int!) { changeSubscription(input: { subscriptionId: $id, quantity: $q }) { subscription { quantity } } }",
            json!({ "id": subscription["id"], "q": seats }),
        )
        .await;
    assert_eq!(
        r.data()["changeSubscription"]["subscription"]["quantity"],
        seats
    );

    s.zuora_control("/_sandbox/requests", &Value::Null).await;
    let after = s
        .query(PAULA, CUSTOMER, json!({ "id": changed["id"] }))
        .await;
    let quantities: Vec<&Value> = after.data()["node"]["subscriptions"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|n| n["id"] == subscription["id"])
        .map(|n| &n["quantity"])
        .collect();
    // The old quantity was cached (both as the account's list and by id) before the write.
    assert_eq!(quantities, [&json!(seats)], "the write shows at once");

    s.zuora_control("/_sandbox/requests", &Value::Null).await;
    s.query(PAULA, CUSTOMER, json!({ "id": untouched["id"] }))
        .await
        .data();
    assert_eq!(
        s.zuora_requests().await.len(),
        0,
        "another account's records stayed cached"
    );
}

#[tokio::test]
async fn a_cache_hit_is_still_authorized_for_the_caller() {
    let s = TestServer::dedicated(Backend::Zuora);
    let listed = page(&s, BILLING_PAGE).await;
    let invoice = customers(&listed)
        .iter()
        .find_map(|c| c["invoices"]["nodes"][0]["id"].as_str().map(str::to_owned))
        .expect("an Acme customer with an invoice");
    let lookup = "query($id: ID!) { node(id: $id) { ... on Invoice { number } } }";
    let paula = s.query(PAULA, lookup, json!({ "id": invoice })).await;
    assert!(paula.data()["node"]["number"].is_string());

    s.zuora_control("/_sandbox/requests", &Value::Null).await;
    let olga = s.query(OLGA, lookup, json!({ "id": invoice })).await;
    assert_eq!(olga.body["data"]["node"], Value::Null, "{}", olga.body);
    assert_eq!(
        s.zuora_requests().await.len(),
        0,
        "Olga's lookup was answered from the cache, and still refused"
    );
}

#[tokio::test]
async fn a_failing_zuora_is_answered_from_stale_entries_marked_in_extensions() {
    // Nothing is ever fresh: every read asks Zuora, and only a failure falls back.
    let s = TestServer::dedicated_with_config(
        Backend::Zuora,
        Box::new(|c| {
            c.cache.ttl_secs = TtlConfig {
                accounts: 0,
                subscriptions: 0,
                invoices: 0,
                payments: 0,
                payment_methods: 0,
                contacts: 0,
                cases: 0,
                offers: 0,
            };
        }),
    );
    let healthy = page(&s, BILLING_PAGE).await;
    assert!(healthy.get("extensions").is_none(), "{healthy}");
    s.zuora_control(
        "/_sandbox/faults",
        &json!({ "errorPercent": 100, "status": 503 }),
    )
    .await;

    let stale = page(&s, BILLING_PAGE).await;
    assert_eq!(stale["data"], healthy["data"], "the page renders as before");
    assert!(stale.get("errors").is_none(), "{stale}");
    let marked: Vec<(&str, &str)> = stale["extensions"]["stale"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            assert!(m["ageSeconds"].is_u64(), "{m}");
            (
                m["upstream"].as_str().unwrap_or_default(),
                m["entity"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert!(marked.contains(&("zuora", "accounts")), "{stale}");
    assert!(marked.contains(&("zuora", "invoices")), "{stale}");

    // What was never read before has nothing to stand in for it: a typed error on its field,
    // the rest of the page intact.
    let cold = s
        .query(
            PAULA,
            "{ customers(first: 10, orderBy: { field: NAME }) { nodes { name payments(first: 5) { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(names(&cold.body), names(&healthy));
    assert!(!cold.error_codes().is_empty());
    failed_fields_are_null(&cold.body);
    assert!(cold
        .error_codes()
        .iter()
        .all(|code| code == "UPSTREAM_UNAVAILABLE"));
}

#[tokio::test]
async fn once_the_circuit_is_open_a_dead_zuora_is_not_called_and_only_billing_fields_fail() {
    let s = TestServer::dedicated_with_config(
        Backend::Zuora,
        Box::new(|c| {
            c.cache.enabled = false;
            if let Some(z) = c.zuora.as_mut() {
                z.resilience.breaker = BreakerConfig {
                    failure_ratio: 0.5,
                    min_calls: 2,
                    window_secs: 60,
                    open_secs: 600,
                };
            }
        }),
    );
    let healthy = page(&s, BILLING_PAGE).await;
    s.zuora_control(
        "/_sandbox/faults",
        &json!({ "failNext": 100000, "status": 503 }),
    )
    .await;
    // The first failing page opens the circuit.
    let (failing, requests) = zuora_requests_for(&s, BILLING_PAGE).await;
    assert!(requests > 0);
    assert!(failing.get("errors").is_some());

    let (open, requests) = zuora_requests_for(&s, BILLING_PAGE).await;
    assert_eq!(
        requests, 0,
        "no request reached Zuora once the circuit was open"
    );
    assert_eq!(names(&open), names(&healthy), "the directory still answers");
    let errors = open["errors"].as_array().cloned().unwrap_or_default();
    assert!(!errors.is_empty());
    failed_fields_are_null(&open);
    for error in &errors {
        assert_eq!(
            error["extensions"]["code"], "UPSTREAM_UNAVAILABLE",
            "{error}"
        );
        let field = error["path"][3].as_str().unwrap_or_default();
        assert!(
            ["balance", "invoices", "subscriptions"].contains(&field),
            "{error}"
        );
    }

    let metrics = s.metrics().await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("partnergraph_circuit_rejected_total{upstream=\"zuora\"}")),
        "{metrics}"
    );
}

#[tokio::test]
async fn operation_names_past_the_label_ceiling_are_counted_as_one_other_series() {
    let s = TestServer::dedicated(Backend::Zuora);
    let sent = 300;
    for i in 0..sent {
        let flood = format!("query Flood{i} {{ __typename }}");
        let r = s.query(PAULA, &flood, json!({})).await;
        assert!(r.body.get("errors").is_none(), "{}", r.body);
    }
    let metrics = s.metrics().await;
    let counts: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("partnergraph_graphql_requests_total{"))
        .collect();
    let named = counts
        .iter()
        .filter(|l| l.contains("operation=\"Flood"))
        .count();
    let other: usize = counts
        .iter()
        .find(|l| l.contains("operation=\"(other)\""))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or_default();
    assert!((200..=256).contains(&named), "{named} series: {metrics}");
    assert_eq!(named + other, sent, "every request is counted once");
}

#[tokio::test]
async fn metrics_count_graphql_requests_by_operation_and_cache_reads_by_result() {
    let s = TestServer::dedicated(Backend::Zuora);
    page(&s, BILLING_PAGE).await;
    page(&s, BILLING_PAGE).await;
    let metrics = s.metrics().await;
    let has = |prefix: &str, parts: &[&str]| {
        metrics
            .lines()
            .any(|l| l.starts_with(prefix) && parts.iter().all(|p| l.contains(p)))
    };
    assert!(
        has(
            "partnergraph_graphql_requests_total{",
            &["operation=\"Billing\"", "outcome=\"ok\""]
        ),
        "{metrics}"
    );
    assert!(
        has(
            "partnergraph_graphql_request_duration_seconds",
            &["operation=\"Billing\""]
        ),
        "{metrics}"
    );
    for result in ["miss", "hit"] {
        assert!(
            has(
                "partnergraph_cache_requests_total{",
                &[
                    "upstream=\"zuora\"",
                    "entity=\"invoices\"",
                    &format!("result=\"{result}\"")
                ]
            ),
            "{metrics}"
        );
    }
    assert!(
        has("partnergraph_circuit_state{", &["upstream=\"zuora\""]),
        "{metrics}"
    );
}

const FIFTY_CUSTOMERS: &str = "query Fifty { customers(first: 50, orderBy: { field: NAME }) {
  nodes { name balance { amount } subscriptions(first: 5) { nodes { quantity } }
    invoices(first: 5) { nodes { number } } payments(first: 5) { nodes { amount { amount } } } } } }";

/// The most Zuora requests open at once while a 50-customer page loads (every read going to
/// Zuora, each answered after 30 ms) through a gateway allowed `limit` at a time.
async fn zuora_peak_while_loading_fifty_customers(limit: usize) -> u64 {
    let s = TestServer::dedicated_with_config(
        Backend::Zuora,
        Box::new(move |c| {
            read_through(c);
            if let Some(zuora) = c.zuora.as_mut() {
                zuora.resilience.max_concurrent_requests = limit;
            }
        }),
    );
    s.zuora_control("/_sandbox/faults", &json!({ "latencyMs": 30 }))
        .await;
    // The token and the catalog are fetched once; the page is measured afterwards.
    page(&s, FIFTY_CUSTOMERS).await;
    s.zuora_control("/_sandbox/requests", &Value::Null).await;
    let body = page(&s, FIFTY_CUSTOMERS).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(customers(&body).len(), 50);
    s.zuora_peak_concurrency().await
}

#[tokio::test]
async fn zuora_never_has_more_requests_open_than_max_concurrent_requests() {
    // Without a tight limit the page's queries overlap, so the limit below is what holds them.
    let free = zuora_peak_while_loading_fifty_customers(16).await;
    assert!(free > 2, "only {free} Zuora requests ever overlapped");
    assert_eq!(zuora_peak_while_loading_fifty_customers(2).await, 2);
}
