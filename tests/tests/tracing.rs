//! Traces over OTLP: with an endpoint configured, a page's trace reaches the collector with a
//! span for the HTTP request (continuing the caller's `traceparent`), for the operation, for
//! each field that loads, and for every upstream HTTP call, and none for scalar fields.
//!
//! One test in its own binary: it installs the process's global tracing subscriber.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value;
use opentelemetry_proto::tonic::trace::v1::Span;
use partnergraph_server::config::{LogConfig, TracingConfig};
use partnergraph_server::telemetry;
use partnergraph_tests::{Backend, TestServer};
use prost::Message;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

const BILLING_PAGE: &str = "query Billing { customers(first: 10, orderBy: { field: NAME }) {
  nodes { id name balance { amount }
    subscriptions(first: 5) { nodes { id quantity } }
    invoices(first: 5) { nodes { id number } } } } }";

/// An OTLP/HTTP collector keeping every export request it receives.
async fn collector() -> (String, Arc<Mutex<Vec<ExportTraceServiceRequest>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: axum::body::Bytes| {
            let store = store.clone();
            async move {
                let request = ExportTraceServiceRequest::decode(body).expect("OTLP protobuf");
                store.lock().expect("collector store").push(request);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!(
        "http://{}/v1/traces",
        listener.local_addr().expect("an address")
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn attribute(span: &Span, key: &str) -> Option<any_value::Value> {
    span.attributes
        .iter()
        .find(|a| a.key == key)
        .and_then(|a| a.value.clone()?.value)
}

fn spans_of_trace(received: &Mutex<Vec<ExportTraceServiceRequest>>) -> Vec<Span> {
    received
        .lock()
        .expect("collector store")
        .iter()
        .flat_map(|r| &r.resource_spans)
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| s.spans.clone())
        .filter(|s| hex(&s.trace_id) == TRACE_ID)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_is_traced_to_the_collector_with_a_span_per_upstream_call_and_loading_field() {
    let (endpoint, received) = collector().await;
    let config = TracingConfig {
        otlp_endpoint: Some(endpoint),
        ..TracingConfig::default()
    };
    let telemetry = telemetry::init(&LogConfig::default(), &config).expect("telemetry starts");
    assert!(telemetry.exporting());
    let server = TestServer::dedicated_with_config(
        Backend::Zuora,
        Box::new(move |c| c.tracing = config.clone()),
    );
    let token = server.token("paula@acme.example").await;
    server
        .zuora_control("/_sandbox/requests", &json!(null))
        .await;

    let response: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .bearer_auth(token)
        .header("traceparent", format!("00-{TRACE_ID}-{CALLER_SPAN}-01"))
        .json(&json!({ "query": BILLING_PAGE }))
        .send()
        .await
        .expect("the gateway answers")
        .json()
        .await
        .expect("a JSON body");
    assert!(response.get("errors").is_none(), "{response}");
    let zuora_calls = server
        .zuora_requests()
        .await
        .iter()
        .filter(|r| r["path"] != "/oauth/token")
        .count();

    // The request span closes as its response ends; give the exporter a moment for it.
    let mut spans = Vec::new();
    for _ in 0..50 {
        tokio::task::block_in_place(|| telemetry.flush());
        spans = spans_of_trace(&received);
        if spans.iter().any(|s| s.name == "POST /graphql") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();

    let request = spans
        .iter()
        .find(|s| s.name == "POST /graphql")
        .unwrap_or_else(|| panic!("no request span in {names:?}"));
    assert_eq!(
        hex(&request.parent_span_id),
        CALLER_SPAN,
        "the caller's span is the parent"
    );
    for expected in [
        "graphql Billing",
        "QueryRoot.customers",
        "Customer.balance",
        "Customer.subscriptions",
        "Customer.invoices",
    ] {
        assert!(names.contains(&expected), "no {expected} span in {names:?}");
    }
    for scalar in [
        "Customer.name",
        "Customer.id",
        "Invoice.number",
        "Money.amount",
    ] {
        assert!(!names.contains(&scalar), "a span for scalar {scalar}");
    }

    let upstream: Vec<&Span> = spans
        .iter()
        .filter(|s| matches!(attribute(s, "upstream"), Some(any_value::Value::StringValue(u)) if u == "zuora"))
        .collect();
    assert_eq!(
        upstream.len(),
        zuora_calls,
        "one span per Zuora call: {names:?}"
    );
    // Balances, subscriptions and invoices are all reads of the page's accounts (the latter
    // two as their expansions): three spans of the same name.
    assert_eq!(
        names
            .iter()
            .filter(|n| **n == "GET /object-query/accounts")
            .count(),
        3,
        "{names:?}"
    );
    assert!(names.contains(&"GET /object-query/products"), "{names:?}");
    for call in &upstream {
        assert_eq!(
            attribute(call, "http.response.status_code"),
            Some(any_value::Value::IntValue(200))
        );
    }

    // Every span hangs off the request: its parent chain ends at the request span.
    let by_id: HashMap<Vec<u8>, &Span> = spans.iter().map(|s| (s.span_id.clone(), s)).collect();
    for span in &spans {
        let mut at = span;
        while at.span_id != request.span_id {
            at = by_id
                .get(&at.parent_span_id)
                .unwrap_or_else(|| panic!("{} is not under the request span", span.name));
        }
    }
}
