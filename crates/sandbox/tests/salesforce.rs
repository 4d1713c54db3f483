//! The Salesforce sandbox speaks Salesforce's wire format: the token endpoint checks JWT bearer
//! assertions as Salesforce does, the API answers with the record envelope and error arrays, and
//! simple-salesforce, the maintained Python client, runs its flows against it.

mod common;

use partnergraph_sandbox::salesforce::{
    Salesforce, Settings, DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, DEFAULT_USERNAME,
};
use serde_json::{json, Value};

fn key_file() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/salesforce/sandbox-connected-app.key")
}

async fn start(settings: Settings) -> String {
    let demo = partnergraph_demo::generate(chrono::Utc::now().date_naive());
    let org = Salesforce::new(&demo, settings).expect("the certificate loads");
    common::serve(org.router()).await
}

/// A JWT bearer assertion with these claims, signed with `key_pem`.
fn assertion(claims: Value, key_pem: &[u8]) -> String {
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(key_pem).expect("an RSA key");
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &key,
    )
    .expect("signs")
}

async fn token(base: &str, assertion: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/services/oauth2/token"))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion),
        ])
        .send()
        .await
        .expect("answers");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn jwt_bearer_assertions_are_checked_as_salesforce_checks_them() {
    let base = start(Settings::default()).await;
    let key = std::fs::read(key_file()).expect("the example key");
    let now = chrono::Utc::now().timestamp();
    let claims = |iss: &str, sub: &str, aud: &str, exp: i64| json!({ "iss": iss, "sub": sub, "aud": aud, "exp": exp });
    let aud = "https://login.salesforce.com";
    let (status, body) = token(
        &base,
        &assertion(
            claims(DEFAULT_CONSUMER_KEY, DEFAULT_USERNAME, aud, now + 120),
            &key,
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["instance_url"], base.as_str());
    assert_eq!(body["token_type"], "Bearer");
    assert!(body.get("expires_in").is_none() && body.get("refresh_token").is_none());
    assert_eq!(
        body["issued_at"].as_str().map(str::len),
        Some(13),
        "milliseconds"
    );

    let other_key = b"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n";
    let refused = [
        (
            claims("someone-else", DEFAULT_USERNAME, aud, now + 120),
            "invalid_client_id",
        ),
        (
            claims(DEFAULT_CONSUMER_KEY, "nobody@x.example", aud, now + 120),
            "invalid_grant",
        ),
        (
            claims(
                DEFAULT_CONSUMER_KEY,
                DEFAULT_USERNAME,
                "https://evil.example",
                now + 120,
            ),
            "invalid_grant",
        ),
        (
            claims(DEFAULT_CONSUMER_KEY, DEFAULT_USERNAME, aud, now - 10),
            "invalid_grant",
        ),
        (
            claims(DEFAULT_CONSUMER_KEY, DEFAULT_USERNAME, aud, now + 3600),
            "invalid_grant",
        ),
    ];
    for (claims, error) in refused {
        let (status, body) = token(&base, &assertion(claims.clone(), &key)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some(error)),
            "{claims}"
        );
    }
    // Signed with a key that is not the certificate's (a truncated one cannot even sign).
    assert!(jsonwebtoken::EncodingKey::from_rsa_pem(other_key).is_err());
    let forged = {
        let good = assertion(
            claims(DEFAULT_CONSUMER_KEY, DEFAULT_USERNAME, aud, now + 120),
            &key,
        );
        let mut parts: Vec<&str> = good.split('.').collect();
        parts[2] = "c2lnbmF0dXJl";
        parts.join(".")
    };
    assert_eq!(token(&base, &forged).await.1["error"], "invalid_grant");
}

#[tokio::test]
async fn the_api_answers_with_salesforce_envelopes_errors_and_limits() {
    let base = start(Settings {
        daily_api_limit: 3,
        ..Settings::default()
    })
    .await;
    let http = reqwest::Client::new();
    let session: Value = http
        .post(format!("{base}/services/oauth2/token"))
        .basic_auth(DEFAULT_CONSUMER_KEY, Some(DEFAULT_CONSUMER_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    let bearer = session["access_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let get = |path: &str| {
        http.get(format!("{base}/services/data/v62.0/{path}"))
            .bearer_auth(&bearer)
            .send()
    };
    let unauthenticated = http
        .get(format!("{base}/services/data/v62.0/limits"))
        .send()
        .await
        .expect("answers");
    assert_eq!(unauthenticated.status(), 401);
    let body: Value = unauthenticated.json().await.expect("json");
    assert_eq!(
        body,
        json!([{ "message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID" }])
    );

    let malformed = get("query?q=SELECT+Id+FROM+Account+WHERE+Name+%3D+%27x")
        .await
        .expect("answers");
    assert_eq!(malformed.status(), 400);
    assert_eq!(malformed.headers()["sforce-limit-info"], "api-usage=1/3");
    let body: Value = malformed.json().await.expect("json");
    assert_eq!(body[0]["errorCode"], "MALFORMED_QUERY");

    let bad_id = get("query?q=SELECT+Id+FROM+Case+WHERE+Id+%3D+%27x%27")
        .await
        .expect("answers");
    let body: Value = bad_id.json().await.expect("json");
    assert_eq!(body[0]["errorCode"], "INVALID_QUERY_FILTER_OPERATOR");

    let ok = get("query?q=SELECT+Id,+CaseNumber+FROM+Case+LIMIT+2")
        .await
        .expect("answers");
    let body: Value = ok.json().await.expect("json");
    assert_eq!(body["records"][0]["attributes"]["type"], "Case");
    assert_eq!(body["records"].as_array().map(Vec::len), Some(2));

    let spent = get("limits").await.expect("answers");
    assert_eq!(spent.status(), 403);
    let body: Value = spent.json().await.expect("json");
    assert_eq!(body[0]["errorCode"], "REQUEST_LIMIT_EXCEEDED");
}

/// A session's bearer token, by the client credentials flow.
async fn bearer(base: &str) -> String {
    let session: Value = reqwest::Client::new()
        .post(format!("{base}/services/oauth2/token"))
        .basic_auth(DEFAULT_CONSUMER_KEY, Some(DEFAULT_CONSUMER_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    session["access_token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

#[tokio::test]
async fn an_account_upserted_with_its_parent_and_billing_account_reads_back() {
    let demo = partnergraph_demo::generate(chrono::Utc::now().date_naive());
    let base = start(Settings::default()).await;
    let bearer = bearer(&base).await;
    let http = reqwest::Client::new();
    let api = |path: &str| format!("{base}/services/data/v62.0/{path}");
    let parent = demo.crm_accounts[0].id.as_str().to_owned();
    let body = json!({
        "Name": "Pied Piper Resellers", "ParentId": parent, "Type": "Channel Partner / Reseller",
        "Billing_Account_Id__c": "8ad09be48db5aba7018db604776d4854",
        "Billing_Account_Number__c": "A00009999",
    });
    let upsert = |body: Value| {
        http.patch(api("sobjects/Account/Partnergraph_Key__c/pg-onboard-1"))
            .bearer_auth(&bearer)
            .json(&body)
            .send()
    };
    let created = upsert(body.clone()).await.expect("answers");
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("json");
    let id = created["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        upsert(body.clone()).await.expect("answers").status(),
        200,
        "an upsert by the same key updates"
    );

    let record: Value = http
        .get(api(&format!("sobjects/Account/{id}")))
        .bearer_auth(&bearer)
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    for field in [
        "Name",
        "ParentId",
        "Type",
        "Billing_Account_Id__c",
        "Billing_Account_Number__c",
    ] {
        assert_eq!(record[field], body[field], "{field}");
    }
    let soql = "SELECT Billing_Account_Number__c, Parent.Name FROM Account \
                WHERE Billing_Account_Id__c = '8ad09be48db5aba7018db604776d4854'";
    let found: Value = http
        .get(api("query"))
        .query(&[("q", soql)])
        .bearer_auth(&bearer)
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    assert_eq!(found["totalSize"], 1, "{found}");
    assert_eq!(
        found["records"][0]["Billing_Account_Number__c"],
        "A00009999"
    );
    assert_eq!(
        found["records"][0]["Parent"]["Name"],
        demo.crm_accounts[0].name.as_str()
    );

    // Type is a restricted picklist: a value the org lacks is refused, as Salesforce does.
    let refused = upsert(json!({ "Name": "X", "Type": "Reseller Partner" }))
        .await
        .expect("answers");
    assert_eq!(refused.status(), 400);
    let errors: Value = refused.json().await.expect("json");
    assert_eq!(
        errors[0]["errorCode"],
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    );
}

#[tokio::test]
async fn an_error_rate_fails_that_share_of_api_requests() {
    let base = start(Settings::default()).await;
    let http = reqwest::Client::new();
    let statuses = |percent: u8| {
        let http = http.clone();
        let base = base.clone();
        async move {
            http.post(format!("{base}/_sandbox/faults"))
                .json(&json!({ "errorPercent": percent, "status": 503 }))
                .send()
                .await
                .expect("control answers");
            let mut statuses = Vec::new();
            for _ in 0..20 {
                let r = http
                    .get(format!("{base}/services/data/v62.0/limits"))
                    .send()
                    .await
                    .expect("answers");
                statuses.push(r.status().as_u16());
            }
            statuses
        }
    };
    assert!(statuses(100).await.iter().all(|s| *s == 503));
    // Without faults the unauthenticated calls get Salesforce's own answer.
    assert!(statuses(0).await.iter().all(|s| *s == 401));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_salesforce_runs_its_flows_against_the_sandbox() {
    let base = start(Settings {
        query_batch_size: 25,
        ..Settings::default()
    })
    .await;
    common::run_flows(
        common::Client {
            env_var: "SIMPLE_SALESFORCE_PYTHON",
            venv: "salesforce-venv",
            module: "simple_salesforce",
            requirement: "simple-salesforce==1.12.10",
        },
        "simple_salesforce_flows.py",
        vec![
            base.into(),
            DEFAULT_CONSUMER_KEY.into(),
            DEFAULT_CONSUMER_SECRET.into(),
            DEFAULT_USERNAME.into(),
            key_file().into(),
        ],
    )
    .await;
}
