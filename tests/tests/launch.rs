//! Salesforce reps land in the portal from a button (a signed launch token) or a Canvas app (a
//! `signed_request`), built here the way Salesforce builds them. Each works once, within its
//! time window, for a rep only, and forged, confused or replayed ones are refused.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use partnergraph_server::config::{LaunchAlgorithm, SalesforceOrgConfig};
use partnergraph_tests::queries::find;
use partnergraph_tests::{on_each_backend, Backend, TestServer};
use serde_json::{json, Value};
use sha2::Sha256;

const HS_ORG: &str = "00D000000000001EAA";
const RS_ORG: &str = "00D000000000002EAA";
const SECRET: &str = "launch-secret-of-the-hs256-org";
const CONSUMER_SECRET: &str = "canvas-consumer-secret";
const PRIVATE: &str = include_str!("../fixtures/launch-rs256-private.pem");
const PUBLIC: &str = include_str!("../fixtures/launch-rs256-public.pem");
const REP: &str = "rita.rep@vendor.example";

fn server(backend: Backend) -> TestServer {
    TestServer::dedicated_with_config(
        backend,
        Box::new(|config| {
            config.launch.salesforce = vec![
                SalesforceOrgConfig {
                    org_id: HS_ORG.to_owned(),
                    algorithm: LaunchAlgorithm::HS256,
                    key: SECRET.to_owned(),
                    consumer_secret: Some(CONSUMER_SECRET.to_owned()),
                    redirect: "https://portal.example/customers/{customerId}".to_owned(),
                    max_age_secs: 300,
                },
                SalesforceOrgConfig {
                    org_id: RS_ORG.to_owned(),
                    algorithm: LaunchAlgorithm::RS256,
                    key: PUBLIC.to_owned(),
                    consumer_secret: None,
                    redirect: "https://portal.example/customers/{customerId}".to_owned(),
                    max_age_secs: 300,
                },
            ];
        }),
    )
}

/// The CRM account id of the demo customer Initech, and Initech's global id.
fn initech(s: &TestServer) -> (String, String) {
    let demo = s.demo();
    let c = find(&demo.customers, "Initech", |c| c.name == "Initech");
    let crm = c.external.crm.as_ref().expect("Initech is in the CRM");
    (crm.as_str().to_owned(), c.id.global().encode())
}

fn claims(iss: &str, email: &str, account: &str, iat_offset: i64, life: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": iss, "sub": "rita@vendor.my.salesforce.com", "email": email, "name": "Rita Rep",
        "account": account, "iat": now + iat_offset, "exp": now + iat_offset + life,
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

fn hs256(claims: &Value) -> String {
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key).expect("sign")
}

fn rs256(claims: &Value) -> String {
    let key = EncodingKey::from_rsa_pem(PRIVATE.as_bytes()).expect("test key");
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &key).expect("sign")
}

/// A client that shows redirects instead of following them.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Sends a launch request built on [`client`], failing the test when the gateway is not there.
async fn send(
    s: &TestServer,
    build: impl FnOnce(&reqwest::Client, String) -> reqwest::RequestBuilder,
) -> reqwest::Response {
    let url = format!("{}/launch/salesforce", s.url);
    build(&client(), url)
        .send()
        .await
        .expect("the gateway answers a launch")
}

async fn launch(s: &TestServer, token: &str) -> reqwest::Response {
    send(s, |c, url| c.get(url).query(&[("token", token)])).await
}

/// Follows a successful launch: the redirect names the customer, and its token signs in.
async fn assert_lands_on(s: &TestServer, response: reqwest::Response, customer: &str) {
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let (url, token) = location
        .split_once("#token=")
        .expect("token in the fragment");
    assert_eq!(url, format!("https://portal.example/customers/{customer}"));
    let r = s
        .post_json(
            Some(token),
            &json!({ "query": "query($id: ID!) { viewer { user { email } profile { code } } customer(id: $id) { name } }",
                     "variables": { "id": customer } }),
        )
        .await;
    assert_eq!(r.body["data"]["viewer"]["user"]["email"], REP, "{}", r.body);
    assert_eq!(
        r.body["data"]["viewer"]["profile"]["code"],
        "ACCOUNT_EXECUTIVE"
    );
    assert_eq!(r.body["data"]["customer"]["name"], "Initech");
}

async fn a_launch_token_signs_the_rep_in_on_the_accounts_customer_once(backend: Backend) {
    let s = server(backend);
    let (account, customer) = initech(&s);
    let token = hs256(&claims(HS_ORG, REP, &account, 0, 120));
    assert_lands_on(&s, launch(&s, &token).await, &customer).await;
    assert_eq!(
        launch(&s, &token).await.status(),
        401,
        "a launch token works once"
    );

    let rs = rs256(&claims(RS_ORG, REP, &account, 0, 120));
    assert_lands_on(&s, launch(&s, &rs).await, &customer).await;
    // Salesforce's clock may run ahead of ours by a little.
    let early = hs256(&claims(HS_ORG, REP, &account, 30, 120));
    assert_lands_on(&s, launch(&s, &early).await, &customer).await;
    let unknown = hs256(&claims(HS_ORG, REP, "001000000000000AAA", 0, 120));
    assert_eq!(launch(&s, &unknown).await.status(), 404);
}

async fn forged_confused_stale_and_misdirected_launch_tokens_are_refused(backend: Backend) {
    let s = server(backend);
    let (account, _) = initech(&s);
    let good = claims(HS_ORG, REP, &account, 0, 120);

    let wrong_secret = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &good,
        &EncodingKey::from_secret(b"guessed"),
    )
    .expect("sign");
    // HMAC keyed with the RS256 org's public key: the classic algorithm confusion.
    let confused = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(RS_ORG, REP, &account, 0, 120),
        &EncodingKey::from_secret(PUBLIC.as_bytes()),
    )
    .expect("sign");
    let header_none = STANDARD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = STANDARD.encode(good.to_string());
    let alg_none = format!(
        "{}.{}.",
        header_none.trim_end_matches('='),
        body.trim_end_matches('=')
    );
    let cases = [
        ("wrong secret", wrong_secret),
        ("algorithm confusion", confused),
        ("alg none", alg_none),
        ("expired", hs256(&claims(HS_ORG, REP, &account, -900, 300))),
        (
            "issued in the future",
            hs256(&claims(HS_ORG, REP, &account, 600, 120)),
        ),
        (
            "lives too long",
            hs256(&claims(HS_ORG, REP, &account, 0, 3600)),
        ),
        (
            "unknown org",
            hs256(&claims("00D999999999999EAA", REP, &account, 0, 120)),
        ),
        (
            "an operator's email",
            hs256(&claims(HS_ORG, "paula@acme.example", &account, 0, 120)),
        ),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (case, token) in cases {
        let r = launch(&s, &token).await;
        assert_eq!(r.status(), 401, "{case}");
        let body: Value = r.json().await.unwrap_or_default();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{case}"
        );
    }
    s.assert_still_serving().await;
}

/// A Canvas `signed_request` as Salesforce posts it: standard padded base64 of the JSON
/// envelope, signed with HMAC-SHA256 over that base64 text.
fn signed_request(secret: &str, org: &str, account: &str, issued_at: i64) -> String {
    let envelope = json!({
        "algorithm": "HMACSHA256",
        "issuedAt": issued_at,
        "userId": "005000000000001AAA",
        "client": { "instanceId": "_:canvas:", "instanceUrl": "https://vendor.my.salesforce.com",
                    "oauthToken": "00D!AQ0AQ", "targetOrigin": "https://vendor.my.salesforce.com" },
        "context": {
            "application": { "name": "Partner portal", "authType": "SIGNED_REQUEST" },
            "user": { "userId": "005000000000001AAA", "userName": "rita@vendor.example",
                      "email": REP, "fullName": "Rita Rep" },
            "organization": { "organizationId": org, "name": "Vendor" },
            "environment": { "record": { "attributes": { "type": "Account" }, "Id": account },
                             "parameters": {} }
        }
    });
    let encoded = STANDARD.encode(envelope.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(encoded.as_bytes());
    format!("{}.{encoded}", STANDARD.encode(mac.finalize().into_bytes()))
}

async fn canvas(s: &TestServer, signed: &str) -> reqwest::Response {
    send(s, |c, url| {
        c.post(format!("{url}/canvas"))
            .form(&[("signed_request", signed)])
    })
    .await
}

async fn a_canvas_signed_request_signs_the_rep_in_once_and_forgeries_are_refused(backend: Backend) {
    let s = server(backend);
    let (account, customer) = initech(&s);
    let now = chrono::Utc::now().timestamp();
    let signed = signed_request(CONSUMER_SECRET, HS_ORG, &account, now);
    assert_lands_on(&s, canvas(&s, &signed).await, &customer).await;
    assert_eq!(
        canvas(&s, &signed).await.status(),
        401,
        "a signed request works once"
    );

    // Milliseconds and a clock a little ahead are fine.
    let ms = signed_request(CONSUMER_SECRET, HS_ORG, &account, (now + 20) * 1000);
    assert_lands_on(&s, canvas(&s, &ms).await, &customer).await;

    let fresh = signed_request(CONSUMER_SECRET, HS_ORG, &account, now - 1);
    let (signature, envelope) = fresh.split_once('.').expect("two parts");
    let mut json: Value =
        serde_json::from_slice(&STANDARD.decode(envelope).expect("b64")).expect("json");
    json["context"]["user"]["email"] = json!("admin@platform.example");
    let tampered = format!("{signature}.{}", STANDARD.encode(json.to_string()));
    let cases = [
        (
            "forged with a guessed secret",
            signed_request("guessed", HS_ORG, &account, now),
        ),
        ("tampered envelope", tampered),
        (
            "stale",
            signed_request(CONSUMER_SECRET, HS_ORG, &account, now - 3600),
        ),
        (
            "from the future",
            signed_request(CONSUMER_SECRET, HS_ORG, &account, now + 3600),
        ),
        (
            "another org's context",
            signed_request(CONSUMER_SECRET, RS_ORG, &account, now),
        ),
        ("no separator", "abc".to_owned()),
    ];
    for (case, signed) in cases {
        assert_eq!(canvas(&s, &signed).await.status(), 401, "{case}");
    }
    s.assert_still_serving().await;
}

async fn a_replayed_launch_token_is_refused(backend: Backend) {
    let s = server(backend);
    let (account, _) = initech(&s);
    let token = hs256(&claims(HS_ORG, REP, &account, 0, 120));
    assert_eq!(launch(&s, &token).await.status(), 303);
    assert_eq!(launch(&s, &token).await.status(), 401);
    // The used ids live in the store: a restart does not reopen them.
    let s = tokio::task::block_in_place(|| {
        s.restart(std::sync::Arc::new(partnergraph_core::write::NoHook))
    });
    assert_eq!(
        launch(&s, &token).await.status(),
        401,
        "replayed after a restart"
    );
}

async fn a_forged_canvas_request_is_refused(backend: Backend) {
    let s = server(backend);
    let (account, _) = initech(&s);
    let forged = signed_request(
        "not-the-consumer-secret",
        HS_ORG,
        &account,
        chrono::Utc::now().timestamp(),
    );
    assert_eq!(canvas(&s, &forged).await.status(), 401);
}

on_each_backend!(
    a_replayed_launch_token_is_refused,
    a_forged_canvas_request_is_refused,
    a_launch_token_signs_the_rep_in_on_the_accounts_customer_once,
    forged_confused_stale_and_misdirected_launch_tokens_are_refused,
    a_canvas_signed_request_signs_the_rep_in_once_and_forgeries_are_refused,
);
