//! No secret reaches a log, a trace or a client: the Zuora client secret, the Salesforce
//! connected app's private key and every access token the gateway obtained are searched for in
//! everything the gateway printed (all levels, every crate) and every response it gave, across
//! reads, writes, token renewal and failures.

use partnergraph_sandbox::zuora::DEFAULT_CLIENT_SECRET;
use partnergraph_tests::faults::{expire_tokens, faults};
use partnergraph_tests::{Backend, TestServer};
use serde_json::{json, Value};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Everything the gateway logs, kept for inspection.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads `page` as Paula while healthy, after the sandbox expired the gateway's token (so it
/// renews it), and while the sandbox fails with `status`; keeps every answer in `responses`.
async fn read_through_renewal_and_outage(
    s: &TestServer,
    page: &str,
    status: u16,
    responses: &mut Vec<Value>,
) {
    responses.push(s.query("paula@acme.example", page, json!({})).await.body);
    expire_tokens(s).await;
    responses.push(s.query("paula@acme.example", page, json!({})).await.body);
    faults(s, json!({ "failNext": 100, "status": status })).await;
    responses.push(s.query("paula@acme.example", page, json!({})).await.body);
    faults(s, json!({})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_client_secret_or_token_appears_in_logs_traces_or_responses() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_writer(move || writer.clone())
        .json()
        .init();
    let s = TestServer::dedicated(Backend::Zuora);
    let mut responses = Vec::new();
    let page = "{ customers(first: 10) { nodes { name balance { amount } invoices(first: 3) { nodes { number } }
                 payments(first: 3) { nodes { number invoice { number } } } } } }";
    read_through_renewal_and_outage(&s, page, 503, &mut responses).await;
    let order =
        "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { customer { id } } }";
    let input = json!({ "i": { "name": "Secretive Ltd", "email": "it@secretive.example" } });
    responses.push(s.query("paula@acme.example", order, input).await.body);

    let crm = TestServer::dedicated(Backend::Salesforce);
    let cases = "{ customers(first: 10) { nodes { name contact { email } cases(first: 3) { nodes { subject comments { body } } } } } }";
    read_through_renewal_and_outage(&crm, cases, 500, &mut responses).await;
    let case = "mutation { createCase(input: { subject: \"Keep it secret\" }) { case { id } } }";
    responses.push(
        crm.query("carl@initech.example", case, json!({}))
            .await
            .body,
    );
    let key = std::fs::read_to_string(partnergraph_tests::salesforce_private_key()).expect("key");
    let key_lines: Vec<&str> = key.lines().filter(|l| !l.starts_with("-----")).collect();

    let mut tokens = s.zuora_tokens().await;
    let crm_tokens = crm.salesforce_tokens().await;
    assert!(
        crm_tokens.len() >= 2,
        "the gateway renewed its Salesforce session"
    );
    tokens.extend(crm_tokens);
    assert!(tokens.len() >= 2, "the gateway renewed its token");
    let printed = String::from_utf8_lossy(
        &logs
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    )
    .into_owned();
    assert!(printed.contains("Zuora request"), "Zuora calls are traced");
    assert!(
        printed.contains("Salesforce request"),
        "Salesforce calls are traced"
    );
    let answered = serde_json::to_string(&responses).expect("json");
    for (what, text) in [("logs", &printed), ("responses", &answered)] {
        assert!(
            !text.contains(DEFAULT_CLIENT_SECRET),
            "the client secret appears in the {what}"
        );
        for line in &key_lines {
            assert!(
                !text.contains(line),
                "the private key appears in the {what}"
            );
        }
        for token in &tokens {
            assert!(
                !text.contains(token.as_str()),
                "an access token appears in the {what}"
            );
        }
    }
}
