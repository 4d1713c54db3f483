//! Relay pagination edges, filters and ordering, checked against the demo data.

use chrono::Utc;
use partnergraph_core::ids::OrgId;
use partnergraph_core::model::*;
use partnergraph_tests::queries::edge_names;
use partnergraph_tests::{on_both_backends, TestServer};
use serde_json::{json, Value};

const ADMIN: &str = "admin@platform.example";
const PAULA: &str = "paula@acme.example";

async fn paging_forward_and_backward_visits_every_customer_once(s: &TestServer) {
    let mut expected: Vec<String> = s
        .demo()
        .customers
        .iter()
        .filter(|c| c.partner_id.as_str() == "org-acme")
        .map(|c| c.name.clone())
        .collect();
    expected.sort();
    let q = "query($first: Int, $after: String, $last: Int, $before: String) {
        customers(first: $first, after: $after, last: $last, before: $before) {
          totalCount edges { cursor node { name } }
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let r = s
            .query(PAULA, q, json!({ "first": 20, "after": after }))
            .await;
        let c = &r.data()["customers"];
        assert_eq!(c["totalCount"], 50);
        for e in c["edges"].as_array().expect("edges") {
            seen.push(e["node"]["name"].as_str().expect("name").to_owned());
        }
        assert_eq!(c["pageInfo"]["hasPreviousPage"], pages > 0);
        pages += 1;
        if c["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = c["pageInfo"]["endCursor"].clone();
        assert!(pages < 10, "paging does not terminate");
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen, expected,
        "forward paging in name order, each customer once"
    );

    let r = s.query(PAULA, q, json!({ "last": 5 })).await;
    let c = &r.data()["customers"];
    assert_eq!(edge_names(c), expected[45..], "the last five");
    assert_eq!(c["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(c["pageInfo"]["hasNextPage"], false);

    let before = c["pageInfo"]["startCursor"].clone();
    let r = s
        .query(PAULA, q, json!({ "last": 5, "before": before }))
        .await;
    assert_eq!(
        edge_names(&r.data()["customers"]),
        expected[40..45],
        "the five before them"
    );

    let r = s.query(PAULA, q, json!({ "first": 0 })).await;
    assert_eq!(r.data()["customers"]["edges"], json!([]));
    assert_eq!(r.data()["customers"]["totalCount"], 50);

    let r = s.query(PAULA, q, json!({ "first": 100 })).await;
    assert_eq!(
        r.data()["customers"]["edges"].as_array().map(Vec::len),
        Some(50)
    );
    assert_eq!(r.data()["customers"]["pageInfo"]["hasNextPage"], false);
}

async fn page_size_and_cursor_errors_are_bad_user_input(s: &TestServer) {
    let q = "query($first: Int, $after: String, $last: Int) { customers(first: $first, after: $after, last: $last) { totalCount } }";
    for (vars, field) in [
        (json!({ "first": 101 }), "first"),
        (json!({ "first": -1 }), "first"),
        (json!({ "last": 500 }), "last"),
        (json!({ "first": 5, "last": 5 }), "last"),
        (json!({ "first": 5, "after": "not-a-cursor" }), "after"),
    ] {
        let r = s.query(ADMIN, q, vars.clone()).await;
        assert_eq!(r.error_code(), "BAD_USER_INPUT", "{vars}: {}", r.body);
        assert_eq!(r.body["errors"][0]["extensions"]["field"], field, "{vars}");
        let message = r.body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(field),
            "the message names `{field}`: {message}"
        );
    }
    // Nested connections obey the same limit.
    let r = s
        .query(
            ADMIN,
            "{ organizations(first: 1) { nodes { customers(first: 101) { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(r.error_code(), "BAD_USER_INPUT");
    s.assert_still_serving().await;
}

async fn customer_filters_combine_and_match_the_data(s: &TestServer) {
    let demo = s.demo();
    let acme: Vec<&Customer> = demo
        .customers
        .iter()
        .filter(|c| c.partner_id.as_str() == "org-acme")
        .collect();
    let count = |f: &dyn Fn(&Customer) -> bool| acme.iter().filter(|c| f(c)).count();
    let today = Utc::now().date_naive();
    let soon = today + chrono::Duration::days(30);
    let initech = acme.iter().find(|c| c.name == "Initech").expect("Initech");
    let q = "query($f: CustomerFilter) { customers(first: 100, filter: $f) { totalCount nodes { name status skus expiresOn } } }";
    let cases: Vec<(Value, usize)> = vec![
        (
            json!({ "nameContains": "amber" }),
            count(&|c| c.name.to_lowercase().contains("amber")),
        ),
        (json!({ "emailContains": "INITECH" }), 1),
        (
            json!({ "status": "INACTIVE" }),
            count(&|c| c.status == CustomerStatus::Inactive),
        ),
        (
            json!({ "sku": "TC-PRO" }),
            count(&|c| c.skus.contains(&"TC-PRO".to_owned())),
        ),
        (json!({ "accountNumber": initech.account_number }), 1),
        (
            json!({ "expiresBefore": soon.to_string() }),
            count(&|c| c.expires_on.is_some_and(|e| e < soon)),
        ),
        (
            json!({ "expiresAfter": soon.to_string() }),
            count(&|c| c.expires_on.is_some_and(|e| e > soon)),
        ),
        (
            json!({ "sku": "CB-STD", "status": "ACTIVE", "expiresAfter": today.to_string() }),
            count(&|c| {
                c.skus.contains(&"CB-STD".to_owned())
                    && c.status == CustomerStatus::Active
                    && c.expires_on.is_some_and(|e| e > today)
            }),
        ),
        (
            json!({ "partnerId": OrgId::from("org-acme").global().encode() }),
            50,
        ),
        (json!({ "nameContains": "%" }), 0),
        (json!({ "nameContains": "_" }), 0),
    ];
    for (filter, expected) in cases {
        let r = s.query(PAULA, q, json!({ "f": filter })).await;
        assert_eq!(
            r.data()["customers"]["totalCount"],
            expected,
            "filter {filter}"
        );
        assert_eq!(
            r.data()["customers"]["nodes"].as_array().map(Vec::len),
            Some(expected),
            "filter {filter}"
        );
    }
    assert!(
        count(&|c| c.status == CustomerStatus::Inactive) > 0,
        "the demo has inactive customers"
    );
}

async fn lists_sort_by_the_requested_field_in_both_directions(s: &TestServer) {
    let r = s.query(PAULA, "{ a: customers(first: 100, orderBy: { field: NAME, direction: DESC }) { nodes { name } }
                              b: customers(first: 100, orderBy: { field: SEATS }) { nodes { seats } }
                              c: invoices(first: 100, orderBy: { field: DUE_DATE }) { nodes { dueDate } }
                              d: invoices(first: 100) { nodes { invoiceDate } }
                              e: cases(first: 100, orderBy: { field: PRIORITY, direction: DESC }) { nodes { priority } } }", json!({})).await;
    let d = r.data();
    let col = |f: &str, k: &str| -> Vec<Value> {
        d[f]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n[k].clone())
            .collect()
    };
    let names: Vec<String> = col("a", "name")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);
    let seats: Vec<i64> = col("b", "seats").iter().filter_map(Value::as_i64).collect();
    assert!(seats.windows(2).all(|w| w[0] <= w[1]), "seats ascending");
    let due: Vec<String> = col("c", "dueDate")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    assert!(due.windows(2).all(|w| w[0] <= w[1]), "due dates ascending");
    let invoiced: Vec<String> = col("d", "invoiceDate")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    assert!(
        invoiced.windows(2).all(|w| w[0] >= w[1]),
        "invoices default to newest first"
    );
    let rank = |p: &Value| match p.as_str() {
        Some("HIGH") => 3,
        Some("MEDIUM") => 2,
        Some("LOW") => 1,
        _ => 0,
    };
    let priorities: Vec<i32> = col("e", "priority").iter().map(rank).collect();
    assert!(
        priorities.windows(2).all(|w| w[0] >= w[1]),
        "priority descending"
    );
}

async fn invoice_case_and_user_filters_match_the_data(s: &TestServer) {
    let demo = s.demo();
    let today = Utc::now().date_naive();
    let r = s
        .query(
            ADMIN,
            "query($after: Date!) {
               overdue: invoices(filter: { overdue: true }) { totalCount nodes { overdue status dueDate } }
               notOverdue: invoices(filter: { overdue: false }) { totalCount }
               paid: invoices(filter: { status: PAID }) { totalCount }
               dueAfter: invoices(filter: { dueAfter: $after }) { totalCount }
               highOpen: cases(filter: { priority: HIGH, status: NEW }) { totalCount }
               open: cases(filter: { open: true }) { totalCount }
               pending: users(filter: { status: PENDING }) { nodes { email } } }",
            json!({ "after": today.to_string() }),
        )
        .await;
    let d = r.data();
    let overdue = demo.invoices.iter().filter(|i| i.is_overdue(today)).count();
    assert!(overdue > 0);
    assert_eq!(d["overdue"]["totalCount"], overdue);
    assert_eq!(d["notOverdue"]["totalCount"], demo.invoices.len() - overdue);
    for i in d["overdue"]["nodes"].as_array().expect("nodes") {
        assert_eq!(i["overdue"], true);
        assert_eq!(i["status"], "OPEN");
    }
    assert_eq!(
        d["paid"]["totalCount"],
        demo.invoices
            .iter()
            .filter(|i| i.status == InvoiceStatus::Paid)
            .count()
    );
    assert_eq!(
        d["dueAfter"]["totalCount"],
        demo.invoices.iter().filter(|i| i.due_date > today).count()
    );
    assert_eq!(
        d["highOpen"]["totalCount"],
        demo.cases
            .iter()
            .filter(|c| c.priority == CasePriority::High && c.status == CaseStatus::New)
            .count()
    );
    assert_eq!(
        d["open"]["totalCount"],
        demo.cases
            .iter()
            .filter(|c| c.status != CaseStatus::Closed)
            .count()
    );
    assert_eq!(
        d["pending"]["nodes"],
        json!([{ "email": "pending@acme.example" }])
    );
}

async fn nested_connections_page_and_filter_like_root_lists(s: &TestServer) {
    let r = s
        .query(
            "carl@initech.example",
            "{ customers { nodes {
                 all: invoices(first: 100) { totalCount }
                 two: invoices(first: 2) { totalCount edges { cursor } pageInfo { hasNextPage } }
                 paid: invoices(filter: { status: PAID }) { totalCount nodes { status } }
                 subscriptions(first: 1, orderBy: { field: QUANTITY, direction: DESC }) { totalCount nodes { quantity offer { code } } }
               } } }",
            json!({}),
        )
        .await;
    let c = &r.data()["customers"]["nodes"][0];
    assert_eq!(c["all"]["totalCount"], 3);
    assert_eq!(c["two"]["totalCount"], 3);
    assert_eq!(c["two"]["edges"].as_array().map(Vec::len), Some(2));
    assert_eq!(c["two"]["pageInfo"]["hasNextPage"], true);
    for i in c["paid"]["nodes"].as_array().expect("nodes") {
        assert_eq!(i["status"], "PAID");
    }
    assert_eq!(c["subscriptions"]["totalCount"], 3);
    assert!(c["subscriptions"]["nodes"][0]["offer"]["code"].is_string());
}

async fn unknown_filter_values_are_rejected_before_execution(s: &TestServer) {
    for q in [
        "{ customers(filter: { status: BOGUS }) { totalCount } }",
        "{ customers(filter: { nosuchfield: 1 }) { totalCount } }",
        "{ customers(orderBy: { field: SHOE_SIZE }) { totalCount } }",
    ] {
        let r = s.query(ADMIN, q, json!({})).await;
        assert_eq!(r.status, 400, "{q}: {}", r.body);
        assert!(!r.error_codes().is_empty(), "{q}: every error has a code");
        assert!(r.body.get("data").is_none_or(Value::is_null));
    }
    let r = s
        .query(
            ADMIN,
            "query($d: Date!) { invoices(filter: { dueAfter: $d }) { totalCount } }",
            json!({ "d": "yesterday" }),
        )
        .await;
    assert!(r.body.get("data").is_none_or(Value::is_null), "{}", r.body);
    assert!(
        !r.error_codes().is_empty(),
        "a malformed date is refused with a code: {}",
        r.body
    );
    s.assert_still_serving().await;
}

on_both_backends!(
    paging_forward_and_backward_visits_every_customer_once,
    page_size_and_cursor_errors_are_bad_user_input,
    customer_filters_combine_and_match_the_data,
    lists_sort_by_the_requested_field_in_both_directions,
    invoice_case_and_user_filters_match_the_data,
    nested_connections_page_and_filter_like_root_lists,
    unknown_filter_values_are_rejected_before_execution,
);
