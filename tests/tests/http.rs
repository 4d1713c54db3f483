//! The HTTP edge: GraphQL-over-HTTP, authentication, health, GraphiQL, and hostile input —
//! each refused with a clear error while the server keeps serving.

use partnergraph_tests::assert::assert_succeeded;
use partnergraph_tests::{on_both_backends, TestServer};
use serde_json::{json, Value};

const ADMIN: &str = "admin@platform.example";

/// Writes a raw HTTP request (possibly incomplete) and returns the response head.
async fn raw_http(s: &TestServer, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = s.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut buf))
        .await
        .expect("the server answers before the body ends")
        .expect("read");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

async fn requests_without_a_valid_token_get_401_with_a_reason(s: &TestServer) {
    let body = json!({ "query": "{ viewer { user { email } } }" });
    let r = s.post_json(None, &body).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error_code(), "UNAUTHENTICATED");
    assert!(r.body["errors"][0]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert!(r.body["errors"][0]["extensions"]["requestId"].is_string());

    let token = s.token(ADMIN).await;
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    for bad in ["garbage", "a.b.c", tampered.as_str()] {
        let r = s.post_json(Some(bad), &body).await;
        assert_eq!(r.status, 401, "token {bad}");
        assert_eq!(r.error_code(), "UNAUTHENTICATED");
    }
    let suspended = s.token("suspended@globex.example").await;
    let r = s.post_json(Some(&suspended), &body).await;
    assert_eq!(
        r.status, 401,
        "a suspended user's token stops working at once"
    );
    assert_eq!(s.post_json(Some(&token), &body).await.status, 200);
}

async fn graphql_over_http_status_codes_and_media_types(s: &TestServer) {
    let token = s.token(ADMIN).await;
    let viewer = json!({ "query": "{ viewer { user { email } } }" });
    let ok = s.post_json(Some(&token), &viewer).await;
    assert_eq!(ok.status, 200);
    assert!(
        ok.content_type
            .starts_with("application/graphql-response+json"),
        "{}",
        ok.content_type
    );

    let invalid = s
        .post_json(Some(&token), &json!({ "query": "{ nosuchfield }" }))
        .await;
    assert_eq!(invalid.status, 400);
    assert!(!invalid.error_codes().is_empty());

    let get = s
        .get(
            "/graphql?query=%7Bviewer%7Buser%7Bemail%7D%7D%7D",
            Some(&token),
        )
        .await;
    assert_eq!(get.status, 200, "{:?}", get.body);
    assert_eq!(get.body["data"]["viewer"]["user"]["email"], ADMIN);

    let mutation = s.get("/graphql?query=mutation%7Bx%7D", Some(&token)).await;
    assert_eq!(mutation.status, 405);
}

async fn malformed_and_oversize_bodies_are_refused_and_the_server_keeps_serving(s: &TestServer) {
    let token = s.token(ADMIN).await;
    let r = s
        .post_raw(Some(&token), "application/json", "{\"query\": ")
        .await;
    assert_eq!(r.status, 400);
    assert!(!r.error_codes().is_empty(), "{}", r.body);

    let r = s.post_raw(Some(&token), "application/json", "[1, 2").await;
    assert_eq!(r.status, 400);

    // A declared length over the limit is refused before the body is read.
    let response = raw_http(
        s,
        &format!(
            "POST /graphql HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{{\"query\": \"",
            8 * 1024 * 1024
        ),
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    s.assert_still_serving().await;
}

async fn malformed_ids_are_bad_user_input_naming_the_argument(s: &TestServer) {
    let initech = s
        .demo()
        .customers
        .into_iter()
        .find(|c| c.name == "Initech")
        .expect("Initech");
    for (query, vars) in [
        (
            "query($id: ID!) { customer(id: $id) { name } }",
            json!({ "id": "not base64 !!" }),
        ),
        (
            "query($id: ID!) { customer(id: $id) { name } }",
            json!({ "id": "Tm9wZTox" }),
        ), // "Nope:1"
        (
            "query($id: ID!) { organization(id: $id) { name } }",
            json!({ "id": initech.id.global().encode() }),
        ),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": "%%%" }),
        ),
        (
            "query($id: ID!) { customers(filter: { partnerId: $id }) { totalCount } }",
            json!({ "id": "garbage" }),
        ),
    ] {
        let r = s.query(ADMIN, query, vars.clone()).await;
        assert_eq!(
            r.error_code(),
            "BAD_USER_INPUT",
            "{query} {vars}: {}",
            r.body
        );
    }
    s.assert_still_serving().await;
}

async fn depth_alias_and_complexity_bombs_are_refused_before_execution(s: &TestServer) {
    let deep = format!(
        "{{ organizations {{ nodes {{ {}id{} }} }} }}",
        "parent { ".repeat(30),
        " }".repeat(30)
    );
    let aliases: String = (0..200)
        .map(|i| format!("a{i}: viewer {{ user {{ email }} }} "))
        .collect();
    let wide = "{ customers(first: 100) { nodes { invoices(first: 100) { nodes { account { ... on Customer {
                 cases(first: 100) { nodes { id } } } } } } } } }";
    for (name, query) in [
        ("depth", deep),
        ("aliases", format!("{{ {aliases} }}")),
        ("complexity", wide.to_owned()),
    ] {
        let r = s.query(ADMIN, &query, json!({})).await;
        assert_eq!(r.status, 400, "{name}: {}", r.body);
        let message = r.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase();
        let hint = match name {
            "depth" => "deep",
            "aliases" => "alias",
            _ => "complex",
        };
        assert!(message.contains(hint), "{name}: {message}");
        assert!(!r.error_codes().is_empty());
        assert!(
            r.body.get("data").is_none_or(Value::is_null),
            "{name} was executed"
        );
    }
    s.assert_still_serving().await;
}

async fn errors_carry_a_code_and_request_id_and_responses_echo_it(s: &TestServer) {
    let token = s.token("victor@acme.example").await;
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", s.url))
        .bearer_auth(&token)
        .header("x-request-id", "test-req-42")
        .json(&json!({ "query": "{ auditLog { totalCount } }" }))
        .send()
        .await
        .expect("response");
    assert_eq!(
        response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("test-req-42")
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(body["errors"][0]["extensions"]["requestId"], "test-req-42");
    assert!(body["errors"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("VIEW_AUDIT_LOG")));
}

async fn health_readiness_and_graphiql_are_served(s: &TestServer) {
    assert_eq!(s.get("/healthz", None).await.status, 200);
    assert_eq!(s.get("/readyz", None).await.status, 200);
    let page = s.get("/graphiql", None).await;
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    let html = page.body.as_str().unwrap_or_default();
    assert!(html.contains("graphiql"), "GraphiQL is on the page");
    assert!(
        html.contains("PartnerDashboard") || html.contains("partner-dashboard"),
        "example queries are at hand"
    );
}

/// A POST body is read as JSON only when it says it is: without a Content-Type, or with
/// another one, nothing runs.
async fn a_post_that_is_not_declared_json_is_refused_with_415(s: &TestServer) {
    let token = s.token(ADMIN).await;
    let query = json!({ "query": "{ viewer { user { email } } }" }).to_string();
    for content_type in [
        None,
        Some("text/plain;charset=UTF-8"),
        Some("application/xml"),
    ] {
        let mut request = reqwest::Client::new()
            .post(format!("{}/graphql", s.url))
            .bearer_auth(&token)
            .body(query.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = request.send().await.expect("the server answers");
        assert_eq!(response.status(), 415, "{content_type:?}");
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_REQUEST",
            "{body}"
        );
        assert!(body.get("data").is_none(), "{body}");
    }
    let declared = s
        .post_raw(Some(&token), "Application/JSON; charset=utf-8", query)
        .await;
    assert_eq!(declared.status, 200, "{}", declared.body);
}

/// Documents that never execute answer without a `data` entry, whichever media type is asked
/// for; one that does not parse says so with its own code.
async fn request_errors_have_no_data_entry_and_parse_failures_their_own_code(s: &TestServer) {
    let token = s.token(ADMIN).await;
    for (accept, status) in [
        ("application/graphql-response+json", 400),
        ("application/json", 200),
    ] {
        for (query, code) in [
            ("{ viewer { user { email }", "GRAPHQL_PARSE_FAILED"),
            ("{ nosuchfield }", "GRAPHQL_VALIDATION_FAILED"),
            (
                "query($n: Int!) { viewer { user { email } } }",
                "GRAPHQL_VALIDATION_FAILED",
            ),
        ] {
            let response = reqwest::Client::new()
                .post(format!("{}/graphql", s.url))
                .bearer_auth(&token)
                .header("accept", accept)
                .json(&json!({ "query": query }))
                .send()
                .await
                .expect("the server answers");
            assert_eq!(response.status(), status, "{accept} {query}");
            let body: Value = response.json().await.expect("a JSON body");
            assert!(body.get("data").is_none(), "{accept} {query}: {body}");
            assert_eq!(
                body["errors"][0]["extensions"]["code"], code,
                "{accept} {query}: {body}"
            );
            assert!(body["errors"][0]["extensions"]["requestId"].is_string());
        }
    }
}

/// Whatever the route and however the request is malformed, the refusal is a JSON body with
/// `errors[].message`, `extensions.code` and `extensions.requestId`: axum's own answers
/// (unknown route, wrong method, a query string, form or JSON body its extractors reject)
/// included.
async fn every_error_response_is_a_coded_json_body_whatever_the_route(s: &TestServer) {
    let token = s.token(ADMIN).await;
    let json = Some("application/json");
    let form = Some("application/x-www-form-urlencoded");
    // (method, path, content type, body, sent with a valid token)
    #[rustfmt::skip]
    let cases = [
        ("PUT", "/graphql", json, "{}", true),
        ("POST", "/graphql", None, "{\"query\":\"{ __typename }\"}", true),
        ("POST", "/graphql", json, "{\"query\": ", true),
        ("POST", "/graphql", json, "", true),
        ("POST", "/graphql", json, "{\"variables\": {}}", true),
        ("POST", "/graphql", json, "{\"query\": \"{\"}", true),
        ("GET", "/graphql", None, "", true),
        ("GET", "/graphql?query=%7B", None, "", true),
        ("GET", "/graphql?query=%7Bnosuchfield%7D", None, "", true),
        ("GET", "/no/such/route", None, "", false),
        ("POST", "/no/such/route", json, "{}", false),
        ("DELETE", "/healthz", None, "", false),
        ("POST", "/metrics", None, "", false),
        ("POST", "/graphql", json, "{\"query\":\"{ viewer { user { email } } }\"}", false),
        ("POST", "/auth/login", json, "{\"email\": ", false),
        ("POST", "/auth/login", json, "{}", false),
        ("POST", "/auth/login", Some("text/plain"), "hello", false),
        ("POST", "/auth/login", None, "", false),
        ("GET", "/auth/login", None, "", false),
        ("GET", "/auth/activate", None, "", false),
        ("GET", "/auth/activate?token=not-a-token", None, "", false),
        ("POST", "/auth/activate", form, "nothing=here", false),
        ("POST", "/auth/activate", form, "token=not-a-token&password=x", false),
        ("POST", "/auth/activate", json, "{}", false),
        ("GET", "/launch/salesforce", None, "", false),
        ("GET", "/launch/salesforce?token=not-a-jwt", None, "", false),
        ("POST", "/launch/salesforce/canvas", form, "nothing=here", false),
        ("POST", "/launch/salesforce/canvas", json, "{}", false),
        ("POST", "/launch/salesforce/canvas", form, "signed_request=x.y", false),
        ("GET", "/launch/salesforce/canvas", None, "", false),
    ];
    let client = reqwest::Client::new();
    for (method, path, content_type, body, with_token) in cases {
        let case = format!("{method} {path} {content_type:?} {body:?} token: {with_token}");
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = client
            .request(method, format!("{}{path}", s.url))
            .header(
                "accept",
                "application/graphql-response+json, application/json",
            )
            .body(body.to_owned());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        if with_token {
            request = request.bearer_auth(&token);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let media_type = response.headers().get("content-type").cloned();
        let media_type = media_type
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let text = response.text().await.expect("a body");
        assert!(!status.is_success(), "{case} was accepted: {text}");
        assert!(
            media_type.starts_with("application/json")
                || media_type.starts_with("application/graphql-response+json"),
            "{case}: {status} as {media_type:?}: {text}"
        );
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{case}: {text}"));
        let error = &body["errors"][0];
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{case}: {body}"
        );
        assert!(
            error["extensions"]["code"]
                .as_str()
                .is_some_and(|c| !c.is_empty()),
            "{case}: {body}"
        );
        assert!(
            error["extensions"]["requestId"].is_string(),
            "{case}: {body}"
        );
    }
    s.assert_still_serving().await;
}

on_both_backends!(
    requests_without_a_valid_token_get_401_with_a_reason,
    graphql_over_http_status_codes_and_media_types,
    malformed_and_oversize_bodies_are_refused_and_the_server_keeps_serving,
    malformed_ids_are_bad_user_input_naming_the_argument,
    depth_alias_and_complexity_bombs_are_refused_before_execution,
    errors_carry_a_code_and_request_id_and_responses_echo_it,
    health_readiness_and_graphiql_are_served,
    a_post_that_is_not_declared_json_is_refused_with_415,
    request_errors_have_no_data_entry_and_parse_failures_their_own_code,
    every_error_response_is_a_coded_json_body_whatever_the_route,
);

/// graphql-http's audit of the GraphQL-over-HTTP spec (`tests/graphql-http`), run against the
/// gateway with a valid token: no requirement (MUST) and no recommendation (SHOULD) fails.
#[tokio::test]
async fn graphql_http_audit_finds_no_must_or_should_failure() {
    let s = TestServer::shared(partnergraph_tests::Backend::Sqlite);
    let token = s.token(ADMIN).await;
    let dir = partnergraph_tests::node_package("graphql-http").await;
    let output = tokio::process::Command::new("node")
        .arg("audit.mjs")
        .arg(format!("{}/graphql", s.url))
        .arg(&token)
        .current_dir(dir)
        .output()
        .await
        .expect("node is installed");
    assert_succeeded(&output, "the audit ran");
    let results: Vec<Value> = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert!(results.len() > 30, "the whole audit ran: {results:?}");
    let count = |status: &str| results.iter().filter(|r| r["status"] == status).count();
    println!(
        "graphql-http audit: {} ok, {} notices (MAY), {} warnings (SHOULD), {} errors (MUST)",
        count("ok"),
        count("notice"),
        count("warn"),
        count("error")
    );
    let failures: Vec<&Value> = results
        .iter()
        .filter(|r| r["status"] == "error" || r["status"] == "warn")
        .collect();
    assert!(
        failures.is_empty(),
        "{} MUST or SHOULD audits failed: {}",
        failures.len(),
        serde_json::to_string_pretty(&failures).unwrap_or_default()
    );
}
