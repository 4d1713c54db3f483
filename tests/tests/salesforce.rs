//! With the CRM on Salesforce: what the portal writes lands in Salesforce's records, a page of
//! customers with their cases costs a constant handful of Salesforce requests, and a failing
//! Salesforce (limits, outages, timeouts, expired sessions, malformed bodies) degrades only the
//! CRM fields of a page, with a typed error and no upstream detail.

use partnergraph_tests::assert::failed_fields_are_null;
use partnergraph_tests::faults::{
    clear_requests, control, expire_tokens, faults, read_through_timing_out_after,
};
use partnergraph_tests::queries::{by_id, customer_names as names, data, items, strings};
use partnergraph_tests::{read_through, Backend, TestServer};
use serde_json::{json, Value};

const PAULA: &str = "paula@acme.example";
const CARL: &str = "carl@initech.example";

const CASES_PAGE: &str = "{ customers(first: 3, orderBy: { field: NAME }) {
  nodes { name contact { email } cases(first: 10) { totalCount nodes { subject comments { body } } } } } }";

async fn cases_page(s: &TestServer) -> Value {
    s.query(PAULA, CASES_PAGE, json!({})).await.body
}

/// The Salesforce records of `object` whose `field` is `value`.
fn records_where(s: &TestServer, object: &str, field: &str, value: &str) -> Vec<Value> {
    s.salesforce_records(object)
        .into_iter()
        .filter(|r| r[field] == value)
        .collect()
}

/// Whether a logged request's path passes `test`.
fn path_is(r: &Value, test: impl Fn(&str) -> bool) -> bool {
    r["path"].as_str().is_some_and(test)
}

/// API requests (not token requests) the sandbox received.
async fn api_requests(s: &TestServer) -> Vec<Value> {
    s.salesforce_requests()
        .await
        .into_iter()
        .filter(|r| path_is(r, |p| p.starts_with("/services/data/")))
        .collect()
}

#[tokio::test]
async fn cases_listed_created_updated_and_commented_in_the_portal_are_salesforce_records() {
    let s = TestServer::shared(Backend::Salesforce);
    let own_cases =
        "{ viewer { customer { externalIds { crm } cases(first: 50) { nodes { id subject } } } } }";
    let mine = data(&s, CARL, own_cases).await;
    let customer = &mine["viewer"]["customer"];
    let account = customer["externalIds"]["crm"]
        .as_str()
        .expect("a CRM account");
    let listed = strings(&customer["cases"]["nodes"], "subject");
    let held = records_where(&s, "Case", "AccountId", account);
    assert_eq!(
        listed.len(),
        held.len(),
        "the portal lists Salesforce's cases"
    );
    assert!(!listed.is_empty());

    let create = "mutation { createCase(input: { subject: \"Printer on fire\",
        description: \"Since Monday\", priority: HIGH }) { case { id number status } } }";
    let created = data(&s, CARL, create).await;
    let case = &created["createCase"]["case"];
    assert_eq!(case["status"], "NEW");
    let record = records_where(&s, "Case", "Subject", "Printer on fire");
    assert_eq!(record.len(), 1);
    assert_eq!(record[0]["AccountId"], account);
    assert_eq!(record[0]["Priority"], "High");
    assert_eq!(record[0]["Description"], "Since Monday");
    assert_eq!(
        case["number"], record[0]["CaseNumber"],
        "Salesforce numbers it"
    );
    let case_id = case["id"].as_str().expect("an id");

    let escalate = "mutation($id: ID!) {
        updateCase(input: { caseId: $id, status: ESCALATED, priority: LOW }) { case { status } } }";
    let updated = by_id(&s, PAULA, escalate, &json!(case_id)).await;
    assert_eq!(updated.data()["updateCase"]["case"]["status"], "ESCALATED");
    let record = records_where(&s, "Case", "Subject", "Printer on fire");
    assert_eq!(
        (&record[0]["Status"], &record[0]["Priority"]),
        (&json!("Escalated"), &json!("Low"))
    );

    let comment = json!({ "id": case_id, "key": "printer-comment" });
    for _ in 0..2 {
        s.query(
            CARL,
            "mutation($id: ID!, $key: String) { addCaseComment(input: { caseId: $id, body: \"Still burning\", idempotencyKey: $key }) { case { id } } }",
            comment.clone(),
        )
        .await
        .data();
    }
    let salesforce_id = record[0]["Id"].as_str().expect("an id");
    let comments = records_where(&s, "CaseComment", "ParentId", salesforce_id);
    assert_eq!(comments.len(), 1, "one comment per key");
    let body = comments[0]["CommentBody"].as_str().unwrap_or_default();
    assert!(
        body.starts_with("Still burning") && body.contains(CARL),
        "{body}"
    );
    let comments_of =
        "query($id: ID!) { node(id: $id) { ... on Case { comments { body authorEmail } } } }";
    let read = by_id(&s, CARL, comments_of, &json!(case_id)).await;
    assert_eq!(
        read.data()["node"]["comments"],
        json!([{ "body": "Still burning", "authorEmail": CARL }])
    );
}

#[tokio::test]
async fn a_new_end_customer_becomes_an_account_and_contact_under_the_partner_s_account() {
    let s = TestServer::shared(Backend::Salesforce);
    let acme = s
        .query(PAULA, "{ viewer { organization { externalIds { crm } eligibleOffers(first: 1) { nodes { id } } } } }", json!({}))
        .await;
    let org = &acme.data()["viewer"]["organization"];
    let partner_account = org["externalIds"]["crm"].as_str().expect("a CRM account");
    let offer = org["eligibleOffers"]["nodes"][0]["id"].clone();
    let order = json!({ "i": {
        "newCustomer": { "name": "Salesforce Mirror GmbH", "email": "Ops@Mirror.example", "firstName": "Mia", "lastName": "Mirror" },
        "offerId": offer, "quantity": 10, "idempotencyKey": "sf-mirror-1" } });
    let placed = s
        .query(
            PAULA,
            "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { customer { externalIds { crm } } } }",
            order,
        )
        .await;
    let account = placed.data()["placeOrder"]["customer"]["externalIds"]["crm"]
        .as_str()
        .expect("a CRM account")
        .to_owned();
    let accounts = records_where(&s, "Account", "Id", &account);
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0]["Name"], "Salesforce Mirror GmbH");
    assert_eq!(accounts[0]["ParentId"], partner_account);
    let contacts = records_where(&s, "Contact", "AccountId", &account);
    assert_eq!(contacts.len(), 1);
    assert_eq!(
        (
            &contacts[0]["FirstName"],
            &contacts[0]["LastName"],
            &contacts[0]["Email"]
        ),
        (
            &json!("Mia"),
            &json!("Mirror"),
            &json!("Ops@Mirror.example")
        )
    );
}

#[tokio::test]
async fn a_fifty_customer_page_with_open_cases_and_their_comments_costs_two_salesforce_requests() {
    let s = TestServer::dedicated(Backend::Salesforce);
    let page = |n: u32| {
        format!(
            "{{ customers(first: {n}, orderBy: {{ field: NAME }}) {{ nodes {{ name contact {{ email }}
               cases(first: 5, filter: {{ open: true }}) {{ totalCount nodes {{ id subject comments {{ body }} }} }} }} }} }}"
        )
    };
    // Warm the session, so the counts below are the page's alone; the first open case gets a
    // comment.
    let first = s.query(PAULA, &page(5), json!({})).await;
    let case_id = items(&first.data()["customers"]["nodes"])
        .find_map(|c| c["cases"]["nodes"][0]["id"].as_str())
        .expect("an open case among the first five customers")
        .to_owned();
    s.query(
        PAULA,
        "mutation($id: ID!) { addCaseComment(input: { caseId: $id, body: \"Any news?\" }) { case { id } } }",
        json!({ "id": case_id }),
    )
    .await
    .data();
    let (mut costs, mut comments) = (Vec::new(), 0);
    for n in [5, 50] {
        clear_requests(&s).await;
        let body = s.query(PAULA, &page(n), json!({})).await;
        let rows = body.data()["customers"]["nodes"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(rows, n as usize);
        comments += items(&body.data()["customers"]["nodes"])
            .flat_map(|c| items(&c["cases"]["nodes"]))
            .flat_map(|case| items(&case["comments"]))
            .filter(|c| c["body"] == "Any news?")
            .count();
        let requests = api_requests(&s).await;
        costs.push(requests.len());
        assert!(
            requests
                .iter()
                .all(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/query"))),
            "{requests:?}"
        );
    }
    // Contacts of the page's accounts, and their cases with the cases' comments (a
    // parent-child subquery).
    assert_eq!(costs, [2, 2], "requests for 5 rows and for 50 rows");
    assert_eq!(comments, 2, "the case's comment is on both pages");
    // Every request is counted, and the org's API budget is exported.
    let metrics = s.metrics().await;
    assert!(
        metrics.contains("partnergraph_salesforce_api_usage "),
        "{metrics}"
    );
    assert!(
        metrics.contains("partnergraph_salesforce_api_limit "),
        "{metrics}"
    );
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("partnergraph_upstream_requests_total{")
                && l.contains("upstream=\"salesforce\"")
                && l.contains("endpoint=\"query\"")),
        "{metrics}"
    );
}

#[tokio::test]
async fn reads_recover_from_transient_errors_concurrency_limits_and_expired_sessions() {
    let s = TestServer::dedicated_with_config(Backend::Salesforce, Box::new(read_through));
    let healthy = cases_page(&s).await;
    assert!(healthy.get("errors").is_none(), "{healthy}");
    for fault in [
        json!({ "failNext": 1, "status": 503 }),
        json!({ "failNext": 2, "status": 500 }),
        json!({ "failNext": 1, "status": 403 }),
    ] {
        faults(&s, fault.clone()).await;
        assert_eq!(cases_page(&s).await, healthy, "after {fault}");
    }
    let tokens = s.salesforce_tokens().await.len();
    expire_tokens(&s).await;
    assert_eq!(cases_page(&s).await, healthy, "after the session expired");
    assert_eq!(
        s.salesforce_tokens().await.len(),
        tokens + 1,
        "one renewal, shared by the page's concurrent reads"
    );
}

#[tokio::test]
async fn a_lasting_outage_or_a_spent_api_budget_fails_only_the_crm_fields() {
    let s = TestServer::dedicated_with_config(Backend::Salesforce, Box::new(read_through));
    let healthy = cases_page(&s).await;
    let outages = [
        ("503", json!({ "failNext": 1000, "status": 503 })),
        ("malformed body", json!({ "failNext": 1000, "status": 299 })),
    ];
    for (what, fault) in outages {
        faults(&s, fault).await;
        assert_only_crm_fields_fail(&cases_page(&s).await, &healthy, what);
        faults(&s, json!({})).await;
        assert_eq!(cases_page(&s).await, healthy, "recovers after {what}");
    }
    let spent = json!({ "dailyApiLimit": 1000, "used": 1000 });
    control(&s, "/_sandbox/salesforce/limits", &spent).await;
    clear_requests(&s).await;
    assert_only_crm_fields_fail(&cases_page(&s).await, &healthy, "spent budget");
    let refused = api_requests(&s).await;
    assert!(
        refused.iter().all(|r| r["status"] == 403) && refused.len() <= 3,
        "a spent daily budget is not retried: {refused:?}"
    );
}

fn assert_only_crm_fields_fail(body: &Value, healthy: &Value, what: &str) {
    assert_eq!(
        names(body),
        names(healthy),
        "{what}: the directory still answers"
    );
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    assert!(!errors.is_empty(), "{what}: {body}");
    failed_fields_are_null(body);
    for error in &errors {
        assert_eq!(
            error["extensions"]["code"], "UPSTREAM_UNAVAILABLE",
            "{what}: {error}"
        );
        let field = error["path"][3].as_str().unwrap_or_default();
        assert!(["contact", "cases"].contains(&field), "{what}: {error}");
        let text = error.to_string();
        assert!(
            !text.contains("services/data") && !text.contains("http") && !text.contains("SOQL"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_salesforce_slower_than_the_timeout_fails_the_fields_not_the_page() {
    let s =
        TestServer::dedicated_with_config(Backend::Salesforce, read_through_timing_out_after(1));
    let healthy = cases_page(&s).await;
    faults(&s, json!({ "latencyMs": 1500 })).await;
    assert_only_crm_fields_fail(&cases_page(&s).await, &healthy, "timeout");
    faults(&s, json!({})).await;
}

#[tokio::test]
async fn a_refused_case_write_is_a_typed_error_and_changes_nothing() {
    let s = TestServer::dedicated(Backend::Salesforce);
    let before = s.salesforce_records("Case").len();
    faults(
        &s,
        json!({ "failNext": 1, "status": 500, "path": "/services/data/v62.0/composite" }),
    )
    .await;
    let lost = "mutation { createCase(input: { subject: \"Lost in transit\" }) { case { id } } }";
    let r = s.query(CARL, lost, json!({})).await;
    assert_eq!(r.error_code(), "UPSTREAM_UNAVAILABLE", "{}", r.body);
    assert_eq!(s.salesforce_records("Case").len(), before);
    let composites = api_requests(&s)
        .await
        .iter()
        .filter(|r| path_is(r, |p| p.ends_with("/composite")))
        .count();
    assert_eq!(composites, 1, "writes are never retried blindly");
}
