//! With billing on Zuora, a failing Zuora degrades a page and never loses or repeats a write:
//! throttling, outages, timeouts, expired tokens, `success: false` and malformed bodies, injected
//! through the sandbox's control API, seen through the GraphQL API and the sandbox's state.

use partnergraph_tests::assert::failed_fields_are_null;
use partnergraph_tests::faults::{expire_tokens, faults, read_through_timing_out_after};
use partnergraph_tests::queries::{customer_names as names, items};
use partnergraph_tests::{read_through, Backend, TestServer};
use serde_json::{json, Value};

const ACME_PAGE: &str = "{ customers(first: 3, orderBy: { field: NAME }) {
  nodes { name balance { amount } invoices(first: 5) { totalCount } subscriptions(first: 5) { totalCount } } } }";

async fn acme_page(s: &TestServer) -> Value {
    s.query("paula@acme.example", ACME_PAGE, json!({}))
        .await
        .body
}

#[tokio::test]
async fn reads_recover_from_throttling_transient_errors_and_expired_tokens() {
    let s = TestServer::dedicated(Backend::Zuora);
    let healthy = acme_page(&s).await;
    assert!(healthy.get("errors").is_none(), "{healthy}");
    for fault in [
        json!({ "failNext": 2, "status": 429, "retryAfterSecs": 0 }),
        json!({ "failNext": 1, "status": 500 }),
        json!({ "failNext": 1, "status": 200 }),
    ] {
        faults(&s, fault.clone()).await;
        let body = acme_page(&s).await;
        assert_eq!(body, healthy, "after {fault}");
    }
    expire_tokens(&s).await;
    assert_eq!(acme_page(&s).await, healthy, "after the token expired");
}

#[tokio::test]
async fn a_lasting_outage_fails_only_the_billing_fields_with_a_typed_error() {
    let s = TestServer::dedicated_with_config(Backend::Zuora, Box::new(read_through));
    let healthy = acme_page(&s).await;
    for fault in [
        json!({ "failNext": 1000, "status": 503 }),
        json!({ "failNext": 1000, "status": 299 }),
        // Zuora's transient reasons, past the retries, are an outage too (not a refusal).
        json!({ "failNext": 1000, "status": 200 }),
    ] {
        faults(&s, fault.clone()).await;
        let body = acme_page(&s).await;
        assert_eq!(names(&body), names(&healthy), "the directory still answers");
        let errors = body["errors"].as_array().cloned().unwrap_or_default();
        assert!(!errors.is_empty(), "{fault}: {body}");
        failed_fields_are_null(&body);
        for error in &errors {
            assert_eq!(error["extensions"]["code"], "UPSTREAM_UNAVAILABLE");
            let field = error["path"][3].as_str().unwrap_or_default();
            assert!(
                ["balance", "invoices", "subscriptions"].contains(&field),
                "{error}"
            );
            let text = error.to_string();
            assert!(
                !text.contains("object-query") && !text.contains("http"),
                "{text}"
            );
        }
        faults(&s, json!({})).await;
        assert_eq!(acme_page(&s).await, healthy, "recovers after {fault}");
    }
}

#[tokio::test]
async fn a_zuora_slower_than_the_timeout_fails_the_fields_not_the_page() {
    let s = TestServer::dedicated_with_config(Backend::Zuora, read_through_timing_out_after(1));
    let healthy = acme_page(&s).await;
    faults(&s, json!({ "latencyMs": 1500 })).await;
    let body = acme_page(&s).await;
    assert_eq!(names(&body), names(&healthy));
    assert!(body["errors"].as_array().is_some_and(|e| !e.is_empty()));
    faults(&s, json!({})).await;
}

const ORDER: &str = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
  customer { id } subscription { id quantity } } }";

/// Subscriptions Zuora holds for the customer named `name`.
async fn subscriptions_named(s: &TestServer, name: &str) -> usize {
    let body = s
        .query(
            "paula@acme.example",
            "query($n: String!) { customers(first: 5, filter: { nameContains: $n }) {
               nodes { subscriptions(first: 10) { totalCount } } } }",
            json!({ "n": name }),
        )
        .await;
    items(&body.data()["customers"]["nodes"])
        .map(|n| n["subscriptions"]["totalCount"].as_u64().unwrap_or(0) as usize)
        .sum()
}

async fn an_offer(s: &TestServer) -> String {
    let body = s
        .query(
            "paula@acme.example",
            "{ viewer { organization { eligibleOffers(first: 1) { nodes { id } } } } }",
            json!({}),
        )
        .await;
    body.data()["viewer"]["organization"]["eligibleOffers"]["nodes"][0]["id"]
        .as_str()
        .expect("an eligible offer")
        .to_owned()
}

/// Orders Zuora received, with their `Idempotency-Key`s.
async fn orders_sent(s: &TestServer) -> Vec<String> {
    s.zuora_requests()
        .await
        .into_iter()
        .filter(|r| r["path"] == "/v1/orders")
        .map(|r| r["idempotency_key"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A gateway of its own on Zuora, an offer Acme may sell, and Zuora set to fail `fault`.
async fn zuora_failing(fault: Value) -> (TestServer, String) {
    let s = TestServer::dedicated(Backend::Zuora);
    let offer = an_offer(&s).await;
    faults(&s, fault).await;
    (s, offer)
}

/// New customers the tests order for: (name, email).
const LOST: (&str, &str) = ("Lost Answer Ltd", "it@lost.example");
const FOUND: (&str, &str) = ("Found Answer Ltd", "it@found.example");
const TERMS: (&str, &str) = ("Refused Terms Inc", "it@terms.example");
const REFUSED: (&str, &str) = ("Refused Order Inc", "it@refused.example");

/// The variables of an order of `quantity` seats for the new customer `(name, email)`.
fn order_for_new((name, email): (&str, &str), offer: &str, quantity: u32, key: &str) -> Value {
    json!({ "i": { "newCustomer": { "name": name, "email": email },
                   "offerId": offer, "quantity": quantity, "idempotencyKey": key } })
}

/// How many billing accounts the gateway asked Zuora to delete.
async fn accounts_deleted(s: &TestServer) -> usize {
    s.zuora_requests()
        .await
        .iter()
        .filter(|r| {
            r["method"] == "DELETE"
                && r["path"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("/v1/accounts/"))
        })
        .count()
}

#[tokio::test]
async fn an_order_whose_answer_is_lost_is_undone_once_and_never_doubled() {
    // Zuora creates the subscription, and its answer never arrives.
    let (s, offer) = zuora_failing(
        json!({ "failNext": 1, "status": 500, "path": "/v1/orders", "afterProcessing": true }),
    )
    .await;
    let input = order_for_new(LOST, &offer, 10, "lost-answer-1");
    let first = s.query("paula@acme.example", ORDER, input.clone()).await;
    assert_eq!(first.error_code(), "UPSTREAM_UNAVAILABLE", "{}", first.body);
    // The saga asked Zuora again under the same key, learnt what it had created, and undid it.
    assert_eq!(subscriptions_named(&s, "Lost Answer").await, 0);
    let keys = orders_sent(&s).await;
    assert_eq!(
        keys.len(),
        2,
        "the order, and its replay to learn the outcome"
    );
    assert_eq!(
        keys[0], keys[1],
        "the replay carries the same Idempotency-Key"
    );
    // A retry with the client's key answers the first result; nothing is sent again.
    let retried = s.query("paula@acme.example", ORDER, input).await;
    assert_eq!(
        retried.body["errors"][0]["extensions"]["code"],
        "UPSTREAM_UNAVAILABLE"
    );
    assert_eq!(orders_sent(&s).await.len(), 2);
    // A new attempt goes through once.
    let fresh = order_for_new(FOUND, &offer, 10, "lost-answer-2");
    let placed = s.query("paula@acme.example", ORDER, fresh.clone()).await;
    let replayed = s.query("paula@acme.example", ORDER, fresh).await;
    assert_eq!(placed.data(), replayed.data(), "a replay answers the same");
    assert_eq!(placed.data()["placeOrder"]["subscription"]["quantity"], 10);
    assert_eq!(subscriptions_named(&s, "Found Answer").await, 1);
    assert_eq!(orders_sent(&s).await.len(), 3);
}

#[tokio::test]
async fn an_order_zuora_refuses_is_rejected_and_undone_all_the_way() {
    // A business refusal (HTTP 200, `success: false`, reason category 30), not an outage.
    let (s, offer) = zuora_failing(
        json!({ "failNext": 1, "status": 200, "reason": 50000030, "path": "/v1/orders" }),
    )
    .await;
    let input = order_for_new(TERMS, &offer, 12, "terms-1");
    let r = s.query("paula@acme.example", ORDER, input.clone()).await;
    assert_eq!(r.error_code(), "UPSTREAM_REJECTED", "{}", r.body);
    assert_eq!(
        orders_sent(&s).await.len(),
        1,
        "a refused order created nothing: the undo does not re-issue it to find out"
    );
    // The undo went on with the steps before the refused one.
    assert!(
        accounts_deleted(&s).await > 0,
        "the new billing account is undone"
    );
    assert_eq!(
        s.tables_mentioning("Refused Terms").await,
        Vec::<&str>::new()
    );
    assert_eq!(subscriptions_named(&s, "Refused Terms").await, 0);
    let replay = s.query("paula@acme.example", ORDER, input).await;
    assert_eq!(
        replay.error_code(),
        "UPSTREAM_REJECTED",
        "the replay answers the same"
    );
    assert_eq!(orders_sent(&s).await.len(), 1);
}

#[tokio::test]
async fn a_refused_order_leaves_nothing_behind_in_zuora() {
    let (s, offer) =
        zuora_failing(json!({ "failNext": 1, "status": 503, "path": "/v1/orders" })).await;
    let input = order_for_new(REFUSED, &offer, 12, "refused-1");
    let r = s.query("paula@acme.example", ORDER, input).await;
    assert_eq!(r.error_code(), "UPSTREAM_UNAVAILABLE", "{}", r.body);
    let keys = orders_sent(&s).await;
    assert!(
        keys.iter().all(|k| k == &keys[0]),
        "only replays under one key, never a blind retry: {keys:?}"
    );
    assert_eq!(subscriptions_named(&s, "Refused Order").await, 0);
    assert_eq!(
        accounts_deleted(&s).await,
        1,
        "the new customer's billing account is removed again"
    );
}
