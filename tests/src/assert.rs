//! Assertions the end-to-end tests share: a mutation refused with a code, a mutation that ran,
//! an audit entry that must exist, a child process that must have succeeded.
//!
//! Each test names what it proves; these helpers keep the how in one place, so that a test
//! reads as a list of attempts and their outcomes, and a failure names the attempt.

use crate::personas::ADMIN;
use crate::queries::nodes;
use crate::{Response, TestServer};
use serde_json::{json, Value};

/// Runs `mutation` (a document with one `$input` variable) as `who`.
pub async fn mutate(s: &TestServer, who: &str, mutation: &str, input: Value) -> Response {
    s.query(who, mutation, json!({ "input": input })).await
}

/// Runs `mutation` with `input` as `who` and asserts it is refused with `code`; `why` names
/// the attempt in a failure.
pub async fn refused(
    s: &TestServer,
    who: &str,
    mutation: &str,
    input: Value,
    code: &str,
    why: &str,
) -> Response {
    let r = mutate(s, who, mutation, input).await;
    assert_eq!(r.error_code(), code, "{why}: {}", r.body);
    r
}

/// Asserts a response carries no errors; `why` names the call in a failure.
pub fn assert_ok(r: &Response, why: &str) {
    assert!(r.body.get("errors").is_none(), "{why}: {}", r.body);
}

/// The audit log's latest 100 entries with `fields`, as `who` reads it.
pub async fn audit_log(s: &TestServer, who: &str, fields: &str) -> Vec<Value> {
    nodes(s, who, "auditLog(first: 100)", fields).await
}

/// Asserts the audit log holds an entry for `action` with `outcome` (`SUCCESS`, `DENIED`, …).
pub async fn assert_audited(s: &TestServer, action: &str, outcome: &str) {
    let events = audit_log(s, ADMIN, "action outcome").await;
    assert!(
        events
            .iter()
            .any(|e| e["action"] == action && e["outcome"] == outcome),
        "no {outcome} {action} in {events:?}"
    );
}

/// Asserts a child process exited successfully, showing what it said when it did not.
pub fn assert_succeeded(output: &std::process::Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A mutation document that selects only `__typename`, from `"InputType field"` (for example
/// `"PayInvoiceInput payInvoice"`): for tests about who may run a mutation, not what it answers.
pub fn bare_mutation(spec: &str) -> String {
    let (input_type, field) = spec.split_once(' ').unwrap_or_default();
    format!("mutation($input: {input_type}!) {{ {field}(input: $input) {{ __typename }} }}")
}

/// Asserts that every field an error names is in the data, as `null`: the spec handles a field
/// error "as though the field returned null", and a portal reading a partial page must find
/// the key (a missing one crashed the reference portal's customer page).
pub fn failed_fields_are_null(body: &Value) {
    for error in body["errors"].as_array().into_iter().flatten() {
        let Some(path) = error["path"].as_array() else {
            continue;
        };
        let mut at = &body["data"];
        for (depth, segment) in path.iter().enumerate() {
            let next = match segment {
                Value::String(field) => at.get(field.as_str()),
                Value::Number(index) => index
                    .as_u64()
                    .and_then(|i| at.get(usize::try_from(i).ok()?)),
                _ => None,
            };
            at = next.unwrap_or_else(|| {
                panic!("{error}: the data has no {:?}: {body}", &path[..=depth])
            });
        }
        assert!(at.is_null(), "{error}: the failed field is {at}, not null");
    }
}
