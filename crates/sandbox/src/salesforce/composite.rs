//! `POST composite`: up to 25 subrequests run in order through the same resource table as
//! single calls, each able to name an earlier one's answer with `@{referenceId.path}`. With
//! `allOrNone` the first failure rolls every write back and marks the others as halted, as
//! Salesforce's transaction does.

use super::wire::Reply;
use super::Salesforce;
use crate::control::lock;
use axum::http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Map, Value};

impl Salesforce {
    /// Runs a Composite request's subrequests and answers each one's status, headers and body.
    pub(super) fn composite(&self, version: &str, body: Option<Value>, batch: usize) -> Reply {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Sub {
            method: String,
            url: String,
            reference_id: String,
            body: Option<Value>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Composite {
            #[serde(default)]
            all_or_none: bool,
            composite_request: Vec<Sub>,
        }
        let Some(request) = body.and_then(|b| serde_json::from_value::<Composite>(b).ok()) else {
            return Reply::bad_request("JSON_PARSER_ERROR", "compositeRequest is required");
        };
        if request.composite_request.len() > 25 {
            return Reply::bad_request(
                "LIMIT_EXCEEDED",
                "Limit Exceeded: Composite API request can have only 25 subrequests",
            );
        }
        let snapshot = lock(&self.org).records.clone();
        let mut results: Vec<(String, Reply)> = Vec::new();
        let mut failed = false;
        for sub in request.composite_request {
            if failed && request.all_or_none {
                results.push((sub.reference_id, halted()));
                continue;
            }
            let resolved = resolve(&Value::String(sub.url), &results).and_then(|url| {
                Ok((
                    url,
                    sub.body
                        .as_ref()
                        .map(|b| resolve(b, &results))
                        .transpose()?,
                ))
            });
            let reply = match resolved {
                Err(missing) => Reply::bad_request(
                    "PROCESSING_HALTED",
                    &format!("Invalid reference specified. No value for {missing} found."),
                ),
                Ok((Value::String(url), body)) => {
                    let prefix = format!("/services/data/{version}/");
                    let method = Method::from_bytes(sub.method.as_bytes()).unwrap_or(Method::GET);
                    match url.strip_prefix(&prefix) {
                        Some(rest) => {
                            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
                            self.execute(&method, version, path, query, body, batch)
                        }
                        None => Reply::not_found(),
                    }
                }
                Ok(_) => Reply::not_found(),
            };
            failed |= reply.status.is_client_error() || reply.status.is_server_error();
            results.push((sub.reference_id, reply));
        }
        if failed && request.all_or_none {
            lock(&self.org).records = snapshot;
            for (_, reply) in &mut results {
                if reply.status.is_success() {
                    *reply = halted();
                }
            }
        }
        let responses: Vec<Value> = results
            .into_iter()
            .map(|(reference, reply)| {
                let mut headers = Map::new();
                if let Some(l) = reply.location {
                    headers.insert("Location".to_owned(), json!(l));
                }
                json!({
                    "body": reply.body.unwrap_or(Value::Null),
                    "httpHeaders": headers,
                    "httpStatusCode": reply.status.as_u16(),
                    "referenceId": reference,
                })
            })
            .collect();
        Reply::json(StatusCode::OK, json!({ "compositeResponse": responses }))
    }
}

/// The answer of a subrequest an `allOrNone` failure undid or never ran.
fn halted() -> Reply {
    Reply::bad_request(
        "PROCESSING_HALTED",
        "The transaction was rolled back since another operation in the same transaction failed.",
    )
}

/// Replaces `@{referenceId.path}` in every string of `value` with the value at that path of an
/// earlier subrequest's response body; `Err` names a reference that resolves to nothing.
fn resolve(value: &Value, results: &[(String, Reply)]) -> Result<Value, String> {
    match value {
        Value::String(s) => {
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find("@{") {
                out.push_str(&rest[..start]);
                let Some(end) = rest[start..].find('}') else {
                    break;
                };
                let reference = &rest[start + 2..start + end];
                let (id, path) = reference.split_once('.').unwrap_or((reference, ""));
                let found = results
                    .iter()
                    .find(|(r, _)| r == id)
                    .and_then(|(_, reply)| reply.body.as_ref())
                    .and_then(|body| walk(body, path));
                match found {
                    Some(Value::String(v)) => out.push_str(&v),
                    Some(v) if !v.is_null() => out.push_str(&v.to_string()),
                    _ => return Err(reference.to_owned()),
                }
                rest = &rest[start + end + 1..];
            }
            out.push_str(rest);
            Ok(Value::String(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|i| resolve(i, results))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| Ok((k.clone(), resolve(v, results)?)))
            .collect::<Result<Map<_, _>, String>>()
            .map(Value::Object),
        other => Ok(other.clone()),
    }
}

/// The value at `records[0].Id`-style `path` of `body`.
fn walk(body: &Value, path: &str) -> Option<Value> {
    let mut at = body;
    for step in path.split('.').filter(|s| !s.is_empty()) {
        let (name, index) = match step.split_once('[') {
            Some((n, i)) => (n, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (step, None),
        };
        at = at.get(name)?;
        if let Some(i) = index {
            at = at.get(i)?;
        }
    }
    Some(at.clone())
}
