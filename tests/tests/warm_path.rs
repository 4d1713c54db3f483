//! The warm path serves from memory (the principal of a known token, the store's read cache),
//! and is as correct as the cold one: every change below is seen by the very next request made
//! after the caller's token and pages were already warm. A page served warm runs no SQL, and a
//! repeated document is answered for each caller alone.

use partnergraph_tests::assert::{assert_ok, mutate};
use partnergraph_tests::personas::{ANNA, OLGA, PAULA};
use partnergraph_tests::queries::user_id;
use partnergraph_tests::{on_each_backend, Backend, TestServer};
use serde_json::{json, Value};

const VICTOR: &str = "victor@acme.example";

/// Sends `body` twice with `token`, asserting both are answered 200: the token's principal and
/// the records the page reads are then remembered.
async fn warm(s: &TestServer, token: &str, body: &Value) {
    for _ in 0..2 {
        let r = s.post_json(Some(token), body).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert!(r.body.get("errors").is_none(), "{:?}", r.body);
    }
}

fn viewer() -> Value {
    json!({ "query": "{ viewer { user { email } profile { code } permissions } }" })
}

async fn a_logout_ends_a_warm_token_at_the_next_request(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let token = s.token(PAULA).await;
    warm(&s, &token, &viewer()).await;
    let logout = json!({ "query": "mutation { logout { revoked } }" });
    let out = s.post_json(Some(&token), &logout).await;
    assert_eq!(out.body["data"]["logout"]["revoked"], true);
    let r = s.post_json(Some(&token), &viewer()).await;
    assert_eq!((r.status, r.error_code()), (401, "UNAUTHENTICATED".into()));
}

async fn a_suspension_ends_a_warm_token_at_the_next_request(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let token = s.token(VICTOR).await;
    warm(&s, &token, &viewer()).await;
    let victor = user_id(&s, VICTOR).await;
    let suspend =
        "mutation($input: UserActionInput!) { suspendUser(input: $input) { user { status } } }";
    assert_ok(
        &mutate(&s, ANNA, suspend, json!({ "userId": victor })).await,
        "anna suspends victor",
    );
    let r = s.post_json(Some(&token), &viewer()).await;
    assert_eq!((r.status, r.error_code()), (401, "UNAUTHENTICATED".into()));
}

async fn a_profile_change_applies_to_a_warm_token_at_the_next_request(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let token = s.token(VICTOR).await;
    warm(&s, &token, &viewer()).await;
    let before = s.post_json(Some(&token), &viewer()).await;
    let profiles = s.query(ANNA, "{ profiles { id code } }", json!({})).await;
    let current = &before.body["data"]["viewer"]["profile"]["code"];
    let other = profiles.data()["profiles"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|p| p["code"] == "VIEWER" && &p["code"] != current)
                .or_else(|| {
                    all.iter()
                        .find(|p| p["code"] == "PARTNER" && &p["code"] != current)
                })
        })
        .cloned()
        .expect("a profile Anna may grant other than Victor's");
    let change = "mutation($input: UserProfileInput!) { changeUserProfile(input: $input) { user { profile { code } } } }";
    let victor = user_id(&s, VICTOR).await;
    let input = json!({ "userId": victor, "profileId": other["id"] });
    assert_ok(
        &mutate(&s, ANNA, change, input).await,
        "anna changes victor's profile",
    );
    let after = s.post_json(Some(&token), &viewer()).await;
    assert_eq!(
        after.body["data"]["viewer"]["profile"]["code"],
        other["code"]
    );
    assert_ne!(
        after.body["data"]["viewer"]["permissions"], before.body["data"]["viewer"]["permissions"],
        "the permissions are the new profile's"
    );
}

async fn a_write_is_seen_by_the_next_warm_read_and_warm_pages_run_no_sql(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let token = s.token(PAULA).await;
    let page = json!({ "query": "{ customers(first: 50, orderBy: { field: NAME }) { totalCount nodes { id name subscriptions(first: 5) { nodes { quantity } } invoices(first: 5) { nodes { number } } cases(first: 5) { nodes { subject } } } } }" });
    warm(&s, &token, &page).await;
    let statements = s.sql_statements();
    let warm_page = s.post_json(Some(&token), &page).await;
    assert_eq!(
        s.sql_statements(),
        statements,
        "a warm page (token, directory, billing and CRM on the store) runs no SQL"
    );
    let first = &warm_page.body["data"]["customers"]["nodes"][0];
    let update = "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { customer { name } } }";
    let input = json!({ "customerId": first["id"], "name": "Aardvark Renamed Ltd" });
    assert_ok(
        &mutate(&s, PAULA, update, input).await,
        "paula renames a customer",
    );
    let after = s.post_json(Some(&token), &page).await;
    let names: Vec<&Value> = after.body["data"]["customers"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| &n["name"])
        .collect();
    assert!(names.contains(&&json!("Aardvark Renamed Ltd")), "{names:?}");
}

async fn the_same_document_is_answered_for_each_caller_alone(backend: Backend) {
    let s = TestServer::dedicated(backend);
    let page = json!({ "query": "{ viewer { user { email } } customers(first: 5, orderBy: { field: NAME }) { totalCount nodes { name } } }" });
    let mut answers = Vec::new();
    for email in [PAULA, OLGA, PAULA, OLGA] {
        let token = s.token(email).await;
        let r = s.post_json(Some(&token), &page).await;
        assert_eq!(
            r.body["data"]["viewer"]["user"]["email"], email,
            "{:?}",
            r.body
        );
        answers.push(r.body);
    }
    assert_eq!(answers[0], answers[2], "a repeated answer is the same");
    assert_eq!(answers[1], answers[3], "a repeated answer is the same");
    assert_ne!(
        answers[0]["data"]["customers"],
        answers[1]["data"]["customers"]
    );
}

on_each_backend!(
    the_same_document_is_answered_for_each_caller_alone,
    a_logout_ends_a_warm_token_at_the_next_request,
    a_suspension_ends_a_warm_token_at_the_next_request,
    a_profile_change_applies_to_a_warm_token_at_the_next_request,
    a_write_is_seen_by_the_next_warm_read_and_warm_pages_run_no_sql,
);
