//! External OpenID Connect issuers: a real sign-in against a standards-based provider
//! (panva's oidc-provider, started by the test), and every bad-token case against an issuer
//! whose keys the test controls.

use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use partnergraph_server::config::{OidcIssuerConfig, OidcUserClaim};
use partnergraph_tests::queries::items;
use partnergraph_tests::{Backend, TestServer};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncBufReadExt;

const K1_PRIVATE: &str = include_str!("../fixtures/launch-rs256-private.pem");
const K1_PUBLIC: &str = include_str!("../fixtures/launch-rs256-public.pem");
const K2_PRIVATE: &str = include_str!("../fixtures/oidc-k2-private.pem");
const K1_JWK: &str = include_str!("../fixtures/rsa-k1.jwk.json");
const K2_JWK: &str = include_str!("../fixtures/rsa-k2.jwk.json");
const AUDIENCE: &str = "portal-api";
const PAULA: &str = "paula@acme.example";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The provider, on `port`, until dropped.
async fn start_provider(port: u16) -> tokio::process::Child {
    let dir = partnergraph_tests::node_package("oidc").await;
    let mut child = tokio::process::Command::new("node")
        .arg("provider.mjs")
        .arg(port.to_string())
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("node is installed");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let ready = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.trim() == "ready" {
                return true;
            }
        }
        false
    });
    assert!(ready.await.unwrap_or(false), "the OIDC provider started");
    // Keep draining its output: a closed pipe would kill it at its next notice.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    child
}

/// Signs in at the provider as `login` with the authorization-code flow and PKCE, through its
/// login and consent screens, and returns the ID token.
async fn sign_in_at_provider(issuer: &str, login: &str) -> String {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let redirect_uri = "http://127.0.0.1:9/callback";
    let verifier = URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes().repeat(2));
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut url = reqwest::Url::parse_with_params(
        &format!("{issuer}/auth"),
        &[
            ("client_id", "portal"),
            ("response_type", "code"),
            ("scope", "openid email"),
            ("redirect_uri", redirect_uri),
            ("state", "state-1"),
            ("nonce", "nonce-1"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ],
    )
    .expect("authorization URL")
    .to_string();
    let code = loop {
        let response = client.get(&url).send().await.expect("provider answers");
        let location = match response.headers().get("location") {
            Some(l) => l.to_str().expect("location").to_owned(),
            None => {
                // An interaction screen: answer it the way a person would.
                let page = response.text().await.unwrap_or_default();
                let form: &[(&str, &str)] = if page.contains("name=\"login\"") {
                    &[("prompt", "login"), ("login", login), ("password", "any")]
                } else {
                    &[("prompt", "consent")]
                };
                let posted = client.post(&url).form(form).send().await.expect("submit");
                posted.headers()["location"]
                    .to_str()
                    .expect("location")
                    .to_owned()
            }
        };
        let next = reqwest::Url::parse(issuer)
            .and_then(|base| base.join(&location))
            .expect("absolute location");
        if next.as_str().starts_with(redirect_uri) {
            let pairs: std::collections::HashMap<_, _> = next.query_pairs().into_owned().collect();
            assert_eq!(pairs.get("state").map(String::as_str), Some("state-1"));
            break pairs.get("code").cloned().expect("an authorization code");
        }
        url = next.to_string();
    };
    let tokens: Value = client
        .post(format!("{issuer}/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri),
            ("client_id", "portal"),
            ("client_secret", "portal-secret"),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token response");
    tokens["id_token"].as_str().expect("an ID token").to_owned()
}

fn oidc_config(
    issuer: &str,
    audience: &str,
    jwks_url: Option<String>,
    refresh: u64,
) -> OidcIssuerConfig {
    OidcIssuerConfig {
        issuer: issuer.to_owned(),
        audience: audience.to_owned(),
        jwks_url,
        algorithms: vec!["RS256".to_owned()],
        map_by: OidcUserClaim::Email,
        jwks_refresh_secs: refresh,
        organization_claim: Some("https://portal.example/org".to_owned()),
    }
}

async fn viewer_email(s: &TestServer, token: &str) -> (u16, Value) {
    let r = s
        .post_json(
            Some(token),
            &json!({ "query": "{ viewer { user { email } } }" }),
        )
        .await;
    (r.status, r.body["data"]["viewer"]["user"]["email"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signed_in_at_a_real_oidc_provider_reaches_the_gateway() {
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let _provider = start_provider(port).await;
    let config_issuer = issuer.clone();
    let s = TestServer::dedicated_with_config(
        Backend::Sqlite,
        Box::new(move |config| {
            // ID tokens name the client as their audience; keys come from discovery.
            config.auth.oidc = vec![oidc_config(&config_issuer, "portal", None, 30)];
        }),
    );
    let id_token = sign_in_at_provider(&issuer, PAULA).await;
    assert_eq!(viewer_email(&s, &id_token).await, (200, json!(PAULA)));
    let stranger = sign_in_at_provider(&issuer, "stranger@nowhere.example").await;
    assert_eq!(
        viewer_email(&s, &stranger).await.0,
        401,
        "unknown users are refused"
    );
}

/// An issuer the test controls: discovery and a JWKS it can rotate, counting fetches.
struct TestIssuer {
    url: String,
    keys: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

async fn test_issuer() -> TestIssuer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let k1: Value = serde_json::from_str(K1_JWK).expect("jwk");
    let keys = Arc::new(Mutex::new(json!({ "keys": [k1] })));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (served, counter, base) = (keys.clone(), fetches.clone(), url.clone());
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || {
                let base = base.clone();
                async move { Json(json!({ "issuer": base, "jwks_uri": format!("{base}/jwks") })) }
            }),
        )
        .route(
            "/jwks",
            get(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                let keys = served.lock().map(|k| k.clone()).unwrap_or_default();
                async move { Json(keys) }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    TestIssuer { url, keys, fetches }
}

fn claims(issuer: &str, audience: &str, offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp() + offset;
    json!({ "iss": issuer, "aud": audience, "sub": "auth0|123", "email": PAULA, "email_verified": true,
            "iat": now, "nbf": now, "exp": now + 300 })
}

fn rs256(kid: &str, private: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let key = EncodingKey::from_rsa_pem(private.as_bytes()).expect("test key");
    jsonwebtoken::encode(&header, claims, &key).expect("sign")
}

async fn gateway_trusting(issuer: &TestIssuer, refresh: u64) -> TestServer {
    let url = issuer.url.clone();
    TestServer::dedicated_with_config(
        Backend::Sqlite,
        Box::new(move |config| config.auth.oidc = vec![oidc_config(&url, AUDIENCE, None, refresh)]),
    )
}

/// Asserts that `token` is refused with 401, and that the gateway still serves good tokens.
async fn refused(s: &TestServer, issuer: &TestIssuer, token: &str) {
    assert_eq!(viewer_email(s, token).await.0, 401, "refused: {token}");
    let good = k1_signed(&claims(&issuer.url, AUDIENCE, 0));
    assert_eq!(viewer_email(s, &good).await, (200, json!(PAULA)));
}

/// A fresh issuer the test controls, and a gateway trusting it (keys refreshed every 30 s).
async fn issuer_and_gateway() -> (TestIssuer, TestServer) {
    let issuer = test_issuer().await;
    let s = gateway_trusting(&issuer, 30).await;
    (issuer, s)
}

/// Asserts that a gateway trusting a fresh issuer refuses the token `make` builds for that
/// issuer's URL.
async fn refuses(make: impl FnOnce(&str) -> String) {
    let (issuer, s) = issuer_and_gateway().await;
    refused(&s, &issuer, &make(&issuer.url)).await;
}

/// `claims` signed with the key the issuer publishes as `k1`.
fn k1_signed(claims: &Value) -> String {
    rs256("k1", K1_PRIVATE, claims)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_external_token_signed_with_the_issuers_key_is_accepted() {
    let (issuer, s) = issuer_and_gateway().await;
    let token = k1_signed(&claims(&issuer.url, AUDIENCE, 0));
    assert_eq!(viewer_email(&s, &token).await, (200, json!(PAULA)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alg_none_is_refused() {
    refuses(|url| {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
        let body = URL_SAFE_NO_PAD.encode(claims(url, AUDIENCE, 0).to_string());
        format!("{header}.{body}.")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hmac_keyed_with_the_public_key_is_refused() {
    refuses(|url| {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("k1".to_owned());
        let key = EncodingKey::from_secret(K1_PUBLIC.as_bytes());
        jsonwebtoken::encode(&header, &claims(url, AUDIENCE, 0), &key).expect("sign")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refused() {
    refuses(|url| k1_signed(&claims(url, AUDIENCE, -3600))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_not_yet_valid_token_is_refused() {
    refuses(|url| k1_signed(&claims(url, AUDIENCE, 600))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_for_another_audience_is_refused() {
    refuses(|url| k1_signed(&claims(url, "another-api", 0))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_from_another_issuer_is_refused() {
    refuses(|_| k1_signed(&claims("https://evil.example/", AUDIENCE, 0))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_signature_is_refused() {
    let (issuer, s) = issuer_and_gateway().await;
    let good = k1_signed(&claims(&issuer.url, AUDIENCE, 0));
    let mut forged = claims(&issuer.url, AUDIENCE, 0);
    forged["email"] = json!("admin@platform.example");
    let parts: Vec<&str> = good.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(forged.to_string()),
        parts[2]
    );
    refused(&s, &issuer, &tampered).await;
    // Signed by a key the issuer never published, under the published key's id.
    let unpublished = rs256("k1", K2_PRIVATE, &claims(&issuer.url, AUDIENCE, 0));
    refused(&s, &issuer, &unpublished).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_tokens_are_refused() {
    let (issuer, s) = issuer_and_gateway().await;
    for token in [
        "",
        "abc",
        "a.b.c",
        "....",
        &format!(
            "x.{}.y",
            URL_SAFE_NO_PAD.encode(format!("{{\"iss\":\"{}\"}}", issuer.url))
        ),
    ] {
        refused(&s, &issuer, token).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unverified_email_is_refused() {
    refuses(|url| {
        let mut unverified = claims(url, AUDIENCE, 0);
        unverified["email_verified"] = json!(false);
        k1_signed(&unverified)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_keys_are_picked_up_without_a_restart_and_unknown_kids_do_not_hammer_the_issuer() {
    let issuer = test_issuer().await;
    let s = gateway_trusting(&issuer, 0).await;
    let k1 = rs256("k1", K1_PRIVATE, &claims(&issuer.url, AUDIENCE, 0));
    assert_eq!(viewer_email(&s, &k1).await.0, 200);
    let k2_jwk: Value = serde_json::from_str(K2_JWK).expect("jwk");
    if let Ok(mut keys) = issuer.keys.lock() {
        *keys = json!({ "keys": [k2_jwk] });
    }
    let k2 = rs256("k2", K2_PRIVATE, &claims(&issuer.url, AUDIENCE, 0));
    assert_eq!(
        viewer_email(&s, &k2).await,
        (200, json!(PAULA)),
        "the new key is fetched"
    );

    // With the usual refresh interval, forged key ids cost one fetch at most.
    let issuer = test_issuer().await;
    let s = gateway_trusting(&issuer, 3600).await;
    let k1 = rs256("k1", K1_PRIVATE, &claims(&issuer.url, AUDIENCE, 0));
    assert_eq!(viewer_email(&s, &k1).await.0, 200);
    let before = issuer.fetches.load(Ordering::SeqCst);
    for n in 0..10 {
        let forged = rs256(
            &format!("forged-{n}"),
            K1_PRIVATE,
            &claims(&issuer.url, AUDIENCE, 0),
        );
        assert_eq!(viewer_email(&s, &forged).await.0, 401);
    }
    assert_eq!(
        issuer.fetches.load(Ordering::SeqCst),
        before,
        "no refetch inside the interval"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_person_is_pending_and_sees_nothing_until_an_admin_activates_them() {
    let (issuer, s) = issuer_and_gateway().await;
    let person = |email: &str, org: Option<&str>| {
        let mut c = claims(&issuer.url, AUDIENCE, 0);
        c["email"] = json!(email);
        if let Some(org) = org {
            c["https://portal.example/org"] = json!(org);
        }
        k1_signed(&c)
    };
    let newbie = person("newbie@acme.example", Some("org-acme"));
    let probe = json!({ "query": "{ viewer { user { id status } } customers { totalCount } }" });
    let first = s.post_json(Some(&newbie), &probe).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["data"]["viewer"]["user"]["status"], "PENDING");
    assert_eq!(
        first.body["data"]["customers"]["totalCount"], 0,
        "a pending user sees nothing"
    );

    let pending = s
        .query(
            "anna@acme.example",
            "{ users(filter: { status: PENDING, emailContains: \"newbie\" }) { nodes { id } } }",
            json!({}),
        )
        .await;
    let id = pending.data()["users"]["nodes"][0]["id"].clone();
    assert!(
        id.is_string(),
        "Acme's admin sees the newcomer: {}",
        pending.body
    );
    let profiles = s
        .query("anna@acme.example", "{ profiles { id code } }", json!({}))
        .await;
    let viewer = items(&profiles.data()["profiles"])
        .find(|p| p["code"] == "VIEWER")
        .map(|p| p["id"].clone())
        .expect("VIEWER");
    let activated = s
        .query(
            "anna@acme.example",
            "mutation($input: UserProfileInput!) { activateUser(input: $input) { user { status } } }",
            json!({ "input": { "userId": id, "profileId": viewer } }),
        )
        .await;
    assert_eq!(activated.data()["activateUser"]["user"]["status"], "ACTIVE");
    let after = s.post_json(Some(&newbie), &probe).await;
    assert_eq!(after.body["data"]["viewer"]["user"]["status"], "ACTIVE");
    assert!(after.body["data"]["customers"]["totalCount"].as_u64() > Some(0));

    for (case, token) in [
        ("no organization", person("drifter@nowhere.example", None)),
        (
            "an unknown organization",
            person("drifter@nowhere.example", Some("org-nope")),
        ),
    ] {
        assert_eq!(viewer_email(&s, &token).await.0, 401, "{case}");
    }
}
