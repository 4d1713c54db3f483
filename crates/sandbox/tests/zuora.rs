//! The Zuora sandbox speaks Zuora's wire format: tokens, the error envelope, Object Query
//! paging and filters, retrieve-by-key, the request log and injected faults — and Zuora's own
//! SDK can run its flows against it.

mod common;

use partnergraph_sandbox::zuora::{Recorded, Zuora, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use serde_json::{json, Value};
use std::time::Duration;

async fn start(token_ttl: Duration) -> String {
    let demo = partnergraph_demo::generate(chrono::Utc::now().date_naive());
    common::serve(Zuora::new(&demo, token_ttl).router()).await
}

/// The first demo offer: its id is its product rate plan's.
fn first_offer() -> String {
    let demo = partnergraph_demo::generate(chrono::Utc::now().date_naive());
    demo.offers[0].id.as_str().to_owned()
}

async fn token(base: &str, secret: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_secret", secret),
        ])
        .send()
        .await
        .expect("token request")
}

async fn bearer(base: &str) -> String {
    let body: Value = token(base, DEFAULT_CLIENT_SECRET)
        .await
        .json()
        .await
        .expect("json");
    body["access_token"].as_str().expect("a token").to_owned()
}

async fn get(
    base: &str,
    token: &str,
    path_and_query: &str,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let r = reqwest::Client::new()
        .get(format!("{base}{path_and_query}"))
        .bearer_auth(token)
        .header("Zuora-Track-Id", "test-track-1")
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, r.json().await.unwrap_or(Value::Null), headers)
}

#[tokio::test]
async fn tokens_are_issued_to_known_clients_and_expire() {
    let base = start(Duration::from_secs(1)).await;
    let refused = token(&base, "wrong").await;
    assert_eq!(refused.status(), 401);
    let granted: Value = token(&base, DEFAULT_CLIENT_SECRET)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(granted["token_type"], "bearer");
    assert!(granted["scope"]
        .as_str()
        .is_some_and(|s| s.contains("entity.")));
    let t = granted["access_token"].as_str().expect("token");
    assert_eq!(get(&base, t, "/object-query/accounts").await.0, 200);
    let (status, body, _) = get(&base, "forged", "/object-query/accounts").await;
    assert_eq!(status, 401);
    assert_eq!(body["success"], false);
    assert_eq!(body["reasons"][0]["code"], 90000011);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        get(&base, t, "/object-query/accounts").await.0,
        401,
        "an expired token"
    );
}

#[tokio::test]
async fn object_query_pages_filters_and_reads_by_key_like_zuora() {
    let api = Api::start().await;
    let (status, body, headers) = api.get("/object-query/accounts?pageSize=51").await;
    assert_eq!(
        (status, body["reasons"][0]["code"].clone()),
        (400, json!(50000027))
    );
    assert_eq!(headers["zuora-track-id"], "test-track-1");
    assert!(headers.contains_key("concurrency-limit-remaining"));

    // Every account exactly once across pages of 50.
    let mut seen = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("/object-query/accounts?pageSize=50&cursor={}", urlencode(c)),
            None => "/object-query/accounts?pageSize=50".to_owned(),
        };
        let page = api.body(&q).await;
        for a in page["data"].as_array().into_iter().flatten() {
            assert_eq!(a["id"].as_str().map(str::len), Some(32), "32-hex ids");
            assert!(seen.insert(a["id"].clone()), "an account twice");
        }
        match page["nextPage"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert!(seen.len() > 120);

    let child = api
        .first("/object-query/accounts?pageSize=5&filter[]=parentid.NE:null")
        .await;
    let parent_id = child["parentId"].as_str().expect("a parent");
    let by_parent = api
        .body(&format!(
            "/object-query/accounts?pageSize=50&filter[]=parentid.EQ:{parent_id}"
        ))
        .await;
    assert!(by_parent["data"]
        .as_array()
        .is_some_and(|a| a.iter().all(|x| x["parentId"] == parent_id)));

    let ids = [child["id"].as_str().unwrap_or_default(), parent_id].join(",");
    let two = api
        .body(&format!(
            "/object-query/accounts?pageSize=50&filter[]=id.IN:%5B{ids}%5D"
        ))
        .await;
    assert_eq!(two["data"].as_array().map(Vec::len), Some(2));

    let number = child["accountNumber"].as_str().expect("a number");
    let (status, bare, _) = api.get(&format!("/object-query/accounts/{number}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        bare["id"], child["id"],
        "retrieve-by-key answers the bare object"
    );
    assert!(bare.get("data").is_none());
    let (status, missing, _) = api.get("/object-query/accounts/A99999999").await;
    assert_eq!(
        (status, missing["reasons"][0]["code"].clone()),
        (404, json!(50000040))
    );
    assert!(bare.get("parentId").is_some() && !bare["parentId"].is_null());
    let top = api
        .body("/object-query/accounts?pageSize=1&filter[]=parentid.EQ:null")
        .await;
    assert!(
        top["data"][0].get("parentId").is_none(),
        "null fields are omitted"
    );

    let invoices = api
        .body("/object-query/invoices?pageSize=50&filter[]=status.EQ:Posted&sort[]=duedate.DESC")
        .await;
    let dates: Vec<&str> = invoices["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["dueDate"].as_str())
        .collect();
    assert!(
        !dates.is_empty() && dates.windows(2).all(|w| w[0] >= w[1]),
        "sorted: {dates:?}"
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn every_request_is_recorded_and_faults_are_injected_on_demand() {
    let api = Api::start().await;
    let http = reqwest::Client::new();
    http.post(format!("{}/_sandbox/faults", api.base))
        .json(&json!({ "failNext": 2, "status": 429, "retryAfterSecs": 3 }))
        .send()
        .await
        .expect("faults");
    let (first, _, headers) = api.get("/object-query/invoices").await;
    assert_eq!(first, 429);
    assert_eq!(headers["retry-after"], "3");
    assert_eq!(api.get("/object-query/invoices").await.0, 429);
    assert_eq!(api.get("/object-query/invoices").await.0, 200);
    http.post(format!("{}/_sandbox/faults", api.base))
        .json(&json!({ "failNext": 1, "status": 200 }))
        .send()
        .await
        .expect("faults");
    let (status, body, _) = api.get("/object-query/invoices").await;
    assert_eq!(
        (status, body["success"].clone()),
        (200, json!(false)),
        "a 200 that is a failure"
    );

    let log: Vec<Recorded> = reqwest::get(format!("{}/_sandbox/requests", api.base))
        .await
        .expect("log")
        .json()
        .await
        .expect("json");
    let queries: Vec<&Recorded> = log
        .iter()
        .filter(|r| r.path == "/object-query/invoices")
        .collect();
    assert_eq!(queries.len(), 4);
    assert_eq!(
        queries.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![429, 429, 200, 200]
    );
    assert!(queries
        .iter()
        .all(|r| r.track_id.as_deref() == Some("test-track-1")));
    assert_eq!(log.iter().filter(|r| r.path == "/oauth/token").count(), 1);
}

async fn post(
    base: &str,
    token: &str,
    path: &str,
    key: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let r = request.send().await.expect("request");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// A sandbox and a token for it: how most tests call the API.
#[derive(Clone)]
struct Api {
    base: String,
    token: String,
}

impl Api {
    /// A sandbox whose tokens outlive the test, and a token.
    async fn start() -> Self {
        let base = start(Duration::from_secs(3600)).await;
        let token = bearer(&base).await;
        Self { base, token }
    }

    async fn get(&self, path_and_query: &str) -> (u16, Value, reqwest::header::HeaderMap) {
        get(&self.base, &self.token, path_and_query).await
    }

    /// A read's body, its status and headers aside.
    async fn body(&self, path_and_query: &str) -> Value {
        self.get(path_and_query).await.1
    }

    /// The first record an Object Query list answers (null when it lists none): the record a
    /// test goes on to act on.
    async fn first(&self, path_and_query: &str) -> Value {
        self.body(path_and_query).await["data"][0].clone()
    }

    async fn post(&self, path: &str, key: Option<&str>, body: &Value) -> (u16, Value) {
        post(&self.base, &self.token, path, key, body).await
    }

    async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = reqwest::Client::new()
            .put(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("request");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    async fn log(&self) -> Vec<Recorded> {
        reqwest::get(format!("{}/_sandbox/requests", self.base))
            .await
            .expect("log")
            .json()
            .await
            .expect("json")
    }
}

#[tokio::test]
async fn an_account_update_sets_its_crm_id_and_an_unknown_account_is_zuoras_not_found() {
    let api = Api::start().await;
    let account = api.first("/object-query/accounts?pageSize=1").await;
    let id = account["id"].as_str().expect("an id");
    let number = account["accountNumber"].as_str().expect("a number");
    let crm = "001Dp00000PgLinkAAA";
    // Keyed by number here, by id below: Zuora takes either.
    let path = format!("/v1/accounts/{number}");
    let body = json!({ "crmId": crm, "name": "Renamed Co", "unknownField": 1 });
    assert_eq!(
        api.put(&path, &body).await,
        (200, json!({ "success": true }))
    );
    let stored = api.body(&format!("/object-query/accounts/{id}")).await;
    assert_eq!(
        (stored["crmId"].as_str(), stored["name"].as_str()),
        (Some(crm), Some("Renamed Co"))
    );
    assert_eq!(
        stored["currency"], account["currency"],
        "the rest as it was"
    );
    let by_crm = api
        .body(&format!(
            "/object-query/accounts?pageSize=50&filter[]=crmid.EQ:{crm}"
        ))
        .await;
    assert_eq!(by_crm["data"][0]["id"], id);
    assert_eq!(
        api.put(&format!("/v1/accounts/{id}"), &json!({ "crmId": crm }))
            .await,
        (200, json!({ "success": true })),
        "setting the same value again"
    );

    let (status, missing) = api.put("/v1/accounts/A99999999", &body).await;
    assert_eq!((status, missing["success"].clone()), (404, json!(false)));
    assert_eq!(missing["reasons"][0]["code"], 50000040);
    let (status, refused) = api.put(&path, &json!({ "name": " " })).await;
    assert_eq!(
        (status, refused["reasons"][0]["code"].clone()),
        (200, json!(50000020))
    );
    assert_eq!(
        put_forged(&api.base, &path).await,
        401,
        "a write needs a live token"
    );
    let puts: Vec<(String, u16)> = api
        .log()
        .await
        .into_iter()
        .filter(|r| r.method == "PUT")
        .map(|r| (r.path, r.status))
        .collect();
    assert_eq!(
        puts,
        [
            (path.clone(), 200),
            (format!("/v1/accounts/{id}"), 200),
            ("/v1/accounts/A99999999".to_owned(), 404),
            (path.clone(), 200),
            (path, 401),
        ],
        "every update recorded"
    );
}

async fn put_forged(base: &str, path: &str) -> u16 {
    reqwest::Client::new()
        .put(format!("{base}{path}"))
        .bearer_auth("forged")
        .json(&json!({ "crmId": "x" }))
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_product_rate_plan_update_sets_its_portal_fields_as_crud_does() {
    let api = Api::start().await;
    let plan = first_offer();
    let path = format!("/v1/object/product-rate-plan/{plan}");
    let read = || async {
        api.first(&format!(
            "/object-query/product-rate-plans?pageSize=1&filter[]=id.EQ:{plan}"
        ))
        .await
    };
    let before = read().await;
    let body = json!({
        "SalesChannel__c": "direct", "EligiblePartners__c": "org-a,org-b",
        "Description": "Staff pick", "NotAField": "ignored",
    });
    assert_eq!(
        api.put(&path, &body).await,
        (200, json!({ "Success": true, "Id": plan }))
    );
    let after = read().await;
    assert_eq!(after["SalesChannel__c"], "direct");
    assert_eq!(after["EligiblePartners__c"], "org-a,org-b");
    assert_eq!(after["description"], "Staff pick");
    assert_eq!(after["name"], before["name"], "the rest as it was");
    assert_eq!(after["OfferCode__c"], before["OfferCode__c"]);
    assert!(after.get("NotAField").is_none());

    let (status, strict) = api
        .put(&format!("{path}?rejectUnknownFields=true"), &body)
        .await;
    assert_eq!(
        (status, strict),
        (400, json!({ "message": "Error - unrecognised fields" }))
    );
    let (status, unknown) = api
        .put(
            "/v1/object/product-rate-plan/8ad09be48db5aba7018db604776d4854",
            &json!({ "Description": "x" }),
        )
        .await;
    assert_eq!(
        (status, unknown),
        (
            200,
            json!({ "Success": false, "Errors": [{ "Code": "INVALID_ID", "Message": "invalid id for update" }] })
        ),
        "CRUD's envelope: a 200 that is a failure"
    );
    let (_, too_long) = api
        .put(&path, &json!({ "Description": "x".repeat(501) }))
        .await;
    assert_eq!(too_long["Errors"][0]["Code"], "INVALID_VALUE");
    assert_eq!(
        read().await["description"],
        "Staff pick",
        "a refusal changes nothing"
    );
}

#[tokio::test]
async fn accounts_are_created_under_a_parent_once_per_idempotency_key() {
    let api = Api::start().await;
    let child = api
        .first("/object-query/accounts?pageSize=1&filter[]=parentid.NE:null")
        .await;
    let parent = child["parentId"].as_str().expect("a parent").to_owned();
    let p = api.body(&format!("/object-query/accounts/{parent}")).await;
    let currency = p["currency"].as_str().expect("currency").to_owned();
    let body = json!({
        "name": "Hooli XYZ", "currency": currency, "billCycleDay": 1, "parentId": parent,
        "crmId": "001000000000042AAA", "billToContact": { "firstName": "Gavin", "lastName": "Belson" },
    });
    let (status, created) = api.post("/v1/accounts", Some("key-1"), &body).await;
    assert_eq!(
        (status, created["success"].clone()),
        (200, json!(true)),
        "{created}"
    );
    let number = created["accountNumber"].as_str().expect("a number");
    let stored = api.body(&format!("/object-query/accounts/{number}")).await;
    assert_eq!(stored["parentId"], parent);
    assert_eq!(stored["crmId"], "001000000000042AAA");

    let (status, replay) = api.post("/v1/accounts", Some("key-1"), &body).await;
    assert_eq!(
        (status, replay),
        (409, created.clone()),
        "a replay answers the first result"
    );
    let same_name = api
        .body("/object-query/accounts?pageSize=50&filter[]=name.EQ:Hooli%20XYZ")
        .await;
    assert_eq!(
        same_name["data"].as_array().map(Vec::len),
        Some(1),
        "created once"
    );
    let other = json!({ "name": "Other" });
    assert_eq!(api.post("/v1/accounts", Some("key-1"), &other).await.0, 422);

    let mut wrong_currency = body.clone();
    wrong_currency["currency"] = json!(if currency == "EUR" { "USD" } else { "EUR" });
    let (status, refused) = api.post("/v1/accounts", None, &wrong_currency).await;
    assert_eq!(
        (status, refused["success"].clone()),
        (200, json!(false)),
        "business errors are 200s"
    );
    assert_eq!(refused["reasons"][0]["code"], 50000030);
    let (_, missing) = api
        .post("/v1/accounts", None, &json!({ "currency": "USD" }))
        .await;
    assert_eq!(missing["reasons"][0]["code"], 50000022);
    assert_eq!(
        post(&api.base, "forged", "/v1/accounts", None, &body)
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn a_payment_lowers_its_invoices_balance_once_and_never_beyond_it() {
    let api = Api::start().await;
    let invoice = api
        .first("/object-query/invoices?pageSize=50&filter[]=status.EQ:Posted&filter[]=balance.GT:0")
        .await;
    let account = invoice["accountId"]
        .as_str()
        .expect("an account")
        .to_owned();
    let method = api
        .first(&format!(
            "/object-query/payment-methods?filter[]=accountid.EQ:{account}"
        ))
        .await["id"]
        .clone();
    let acct = api.body(&format!("/object-query/accounts/{account}")).await;
    let balance = invoice["balance"].as_f64().expect("a balance");
    let pay = |amount: f64| {
        json!({ "accountId": account, "amount": amount, "currency": acct["currency"], "type": "Electronic",
                "paymentMethodId": method, "invoices": [{ "invoiceId": invoice["id"], "amount": amount }] })
    };
    let (status, paid) = api.post("/v1/payments", Some("pay-1"), &pay(1.0)).await;
    assert_eq!(
        (status, paid["success"].clone(), paid["status"].clone()),
        (200, json!(true), json!("Processed")),
        "{paid}"
    );
    assert!(paid["number"].is_string());
    assert_eq!(
        api.post("/v1/payments", Some("pay-1"), &pay(1.0)).await.0,
        409,
        "not twice"
    );
    let after = api
        .body(&format!(
            "/object-query/invoices/{}",
            invoice["id"].as_str().unwrap_or_default()
        ))
        .await;
    assert_eq!(
        after["balance"].as_f64(),
        Some(((balance - 1.0) * 100.0).round() / 100.0)
    );
    let (_, over) = api.post("/v1/payments", None, &pay(balance + 100.0)).await;
    assert_eq!(
        (over["success"].clone(), over["reasons"][0]["code"].clone()),
        (json!(false), json!(50000030))
    );
    let payments = api
        .body(&format!(
            "/object-query/payments?pageSize=50&filter[]=accountid.EQ:{account}"
        ))
        .await;
    let numbers: Vec<&Value> = payments["data"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| &p["paymentNumber"])
        .collect();
    assert_eq!(numbers.iter().filter(|n| **n == &paid["number"]).count(), 1);
}

#[tokio::test]
async fn orders_create_change_and_cancel_subscriptions_all_or_nothing() {
    let api = Api::start().await;
    let children = api
        .body("/object-query/accounts?pageSize=50&filter[]=parentid.NE:null")
        .await;
    let child = children["data"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["accountNumber"].as_str().is_some())
        .cloned()
        .expect("a child account");
    let parent = api
        .body(&format!(
            "/object-query/accounts/{}",
            child["parentId"].as_str().unwrap_or_default()
        ))
        .await;
    let plan = first_offer();
    let charge = Zuora::product_rate_plan_charge_id(&plan);
    // Consolidated billing: the partner (parent) places the order and owns the invoices.
    let order = json!({
        "orderDate": chrono::Utc::now().date_naive().to_string(),
        "existingAccountNumber": parent["accountNumber"],
        "subscriptions": [{ "orderActions": [{ "type": "CreateSubscription", "createSubscription": {
            "subscriptionOwnerAccountNumber": child["accountNumber"],
            "terms": { "initialTerm": { "period": 12, "periodType": "Month", "termType": "TERMED" }, "autoRenew": true },
            "subscribeToRatePlans": [{ "productRatePlanId": plan, "chargeOverrides": [{
                "productRatePlanChargeId": charge, "pricing": { "recurringPerUnit": { "quantity": 7 } } }] }],
        } }] }],
    });
    let (status, created) = api
        .post("/v1/orders?returnIds=true", Some("order-1"), &order)
        .await;
    assert_eq!(
        (
            status,
            created["success"].clone(),
            created["status"].clone()
        ),
        (200, json!(true), json!("Completed")),
        "{created}"
    );
    let number = created["subscriptionNumbers"][0]
        .as_str()
        .expect("a subscription")
        .to_owned();
    assert_eq!(
        created["subscriptions"][0]["subscriptionOwnerNumber"],
        child["accountNumber"]
    );
    assert_eq!(
        api.post("/v1/orders?returnIds=true", Some("order-1"), &order)
            .await
            .0,
        409,
        "not twice"
    );

    let expanded = |number: String| {
        let api = api.clone();
        async move {
            let found = api.body(&format!("/object-query/subscriptions?filter[]=name.EQ:{number}&expand[]=rateplans.rateplancharges")).await;
            found["data"][0].clone()
        }
    };
    let sub = expanded(number.clone()).await;
    assert_eq!(sub["accountId"], child["id"]);
    assert_eq!(sub["invoiceOwnerId"], parent["id"]);
    assert_eq!(sub["ratePlans"][0]["ratePlanCharges"][0]["quantity"], 7);
    let plain = api
        .body(&format!(
            "/object-query/subscriptions?filter[]=name.EQ:{number}"
        ))
        .await;
    assert!(
        plain["data"][0].get("ratePlans").is_none(),
        "rate plans only when expanded"
    );

    let today = chrono::Utc::now().date_naive().to_string();
    let seats = json!({ "orderDate": today, "existingAccountNumber": parent["accountNumber"],
        "subscriptions": [{ "subscriptionNumber": number, "orderActions": [{ "type": "UpdateProduct",
            "updateProduct": { "chargeUpdates": [{ "pricing": { "recurringPerUnit": { "quantity": 9 } } }] } }] }] });
    assert_eq!(
        api.post("/v1/orders", None, &seats).await.1["success"],
        true
    );
    assert_eq!(
        expanded(number.clone()).await["ratePlans"][0]["ratePlanCharges"][0]["quantity"],
        9
    );

    // A bad action anywhere leaves everything as it was.
    let mixed = json!({ "orderDate": today, "existingAccountNumber": parent["accountNumber"],
        "subscriptions": [
            { "subscriptionNumber": number, "orderActions": [{ "type": "UpdateProduct",
              "updateProduct": { "chargeUpdates": [{ "pricing": { "recurringPerUnit": { "quantity": 1 } } }] } }] },
            { "subscriptionNumber": "A-S99999999", "orderActions": [{ "type": "CancelSubscription",
              "cancelSubscription": { "cancellationPolicy": "EndOfCurrentTerm" } }] } ] });
    let (_, refused) = api.post("/v1/orders", None, &mixed).await;
    assert_eq!(
        (
            refused["success"].clone(),
            refused["reasons"][0]["code"].clone()
        ),
        (json!(false), json!(50000040))
    );
    assert_eq!(
        expanded(number.clone()).await["ratePlans"][0]["ratePlanCharges"][0]["quantity"],
        9,
        "atomic"
    );

    let cancel = json!({ "orderDate": today, "existingAccountNumber": parent["accountNumber"],
        "subscriptions": [{ "subscriptionNumber": number, "orderActions": [{ "type": "CancelSubscription",
            "cancelSubscription": { "cancellationPolicy": "SpecificDate", "cancellationEffectiveDate": today } }] }] });
    assert_eq!(
        api.post("/v1/orders", None, &cancel).await.1["subscriptions"][0]["status"],
        "Cancelled"
    );
    assert_eq!(expanded(number).await["status"], "Cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zuoras_own_sdk_runs_its_flows_against_the_sandbox() {
    let base = start(Duration::from_secs(3600)).await;
    common::run_flows(
        common::Client {
            env_var: "ZUORA_SDK_PYTHON",
            venv: "zuora-sdk-venv",
            module: "zuora_sdk",
            requirement: "zuora-sdk==3.21.0",
        },
        "zuora_sdk_flows.py",
        vec![
            base.into(),
            DEFAULT_CLIENT_ID.into(),
            DEFAULT_CLIENT_SECRET.into(),
            first_offer().into(),
            Zuora::product_rate_plan_charge_id(&first_offer()).into(),
        ],
    )
    .await;
}
