//! The REST API's front door, `/services/data/vNN.N/…`: the versions it serves, the session
//! and daily API limit every call is checked against, the JSON body, and the table that sends
//! each method and path to its resource (also for Composite's subrequests). Also the sandbox's
//! own `POST /_sandbox/salesforce/limits`, which sets the daily limit and its use.

use super::wire::Reply;
use super::{Salesforce, LATEST_VERSION};
use crate::control::header_str;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// `GET /services/data`: every version the sandbox serves.
pub(super) async fn versions() -> Json<Value> {
    Json(Value::Array(
        (31..=LATEST_VERSION)
            .map(|v| json!({ "version": format!("{v}.0"), "url": format!("/services/data/v{v}.0"), "label": format!("API {v}") }))
            .collect(),
    ))
}

/// The body of `POST /_sandbox/salesforce/limits`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Limits {
    daily_api_limit: Option<u64>,
    used: Option<u64>,
}

/// Sets the daily API limit and how much of it is used (`POST /_sandbox/salesforce/limits`).
pub(super) async fn set_limits(
    State(s): State<Arc<Salesforce>>,
    Json(limits): Json<Limits>,
) -> StatusCode {
    if let Some(max) = limits.daily_api_limit {
        s.daily_limit.store(max, Ordering::Relaxed);
    }
    if let Some(used) = limits.used {
        s.api_usage.store(used, Ordering::Relaxed);
    }
    StatusCode::NO_CONTENT
}

/// Whether the sandbox serves `version` (`v31.0` to the latest).
fn version_ok(version: &str) -> bool {
    version
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .and_then(|v| v.parse::<u32>().ok())
        .is_some_and(|v| (31..=LATEST_VERSION).contains(&v))
}

/// Any call under `/services/data/{version}/`: checked as Salesforce checks it (version, session,
/// daily limit, JSON body) before [`Salesforce::execute`] runs it.
pub(super) async fn api(
    State(s): State<Arc<Salesforce>>,
    method: Method,
    Path((version, rest)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !version_ok(&version) {
        return Reply::not_found().into_response();
    }
    let token = header_str(&headers, header::AUTHORIZATION)
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if !token.is_some_and(|t| s.control.valid(t)) {
        return Reply::invalid_session().into_response();
    }
    let used = s.api_usage.fetch_add(1, Ordering::Relaxed) + 1;
    if used > s.daily_limit.load(Ordering::Relaxed) {
        s.api_usage.fetch_sub(1, Ordering::Relaxed);
        return Reply::error(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
            &[],
        )
        .into_response();
    }
    let body = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) => Some(v),
            Err(e) => {
                return Reply::bad_request(
                    "JSON_PARSER_ERROR",
                    &format!("Unexpected character: {e}"),
                )
                .into_response()
            }
        }
    };
    let batch = batch_size(&s, &headers);
    let query = query.unwrap_or_default();
    s.execute(&method, &version, &rest, &query, body, batch)
        .into_response()
}

/// Rows per query batch: `Sforce-Query-Options: batchSize=n` (200–2,000), capped by the
/// sandbox's setting.
fn batch_size(s: &Salesforce, headers: &HeaderMap) -> usize {
    let asked = header_str(headers, "sforce-query-options")
        .and_then(|options| {
            options
                .split(',')
                .find_map(|o| o.trim().strip_prefix("batchSize="))
        })
        .and_then(|n| n.parse::<usize>().ok())
        .map_or(2000, |n| n.clamp(200, 2000));
    asked.min(s.settings.query_batch_size)
}

/// A query string's parameters by name (the last of a repeated one wins).
fn params(query: &str) -> HashMap<String, String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

impl Salesforce {
    /// Runs one REST call (also each subrequest of a Composite request).
    pub(super) fn execute(
        &self,
        method: &Method,
        version: &str,
        rest: &str,
        query: &str,
        body: Option<Value>,
        batch: usize,
    ) -> Reply {
        let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        let params = params(query);
        let param = |name: &str| params.get(name).map(String::as_str);
        match (method.as_str(), segments.as_slice()) {
            ("GET", ["query"] | ["queryAll"]) => match param("q") {
                Some(q) => self.query(version, q, batch),
                None => Reply::bad_request("MALFORMED_QUERY", "A query string has to be specified"),
            },
            ("GET", ["query", locator]) => self.query_more(version, locator, batch),
            ("GET", ["limits"]) => {
                let max = self.daily_limit.load(Ordering::Relaxed);
                let used = self.api_usage.load(Ordering::Relaxed);
                Reply::json(
                    StatusCode::OK,
                    json!({ "DailyApiRequests": { "Max": max, "Remaining": max.saturating_sub(used) } }),
                )
            }
            ("POST", ["sobjects", object]) => self.create(version, object, body),
            ("GET", ["sobjects", object, id]) => {
                self.retrieve(version, object, id, param("fields"))
            }
            ("PATCH", ["sobjects", object, id]) => self.update(object, id, body),
            ("DELETE", ["sobjects", object, id]) => self.delete(object, id),
            ("PATCH", ["sobjects", object, field, value]) => {
                self.upsert(version, object, field, value, body)
            }
            ("GET", ["sobjects", object, field, value]) => {
                self.by_external_id(version, object, field, value)
            }
            ("GET", ["composite", "sobjects", object]) => {
                self.collection(version, object, param("ids"), param("fields"))
            }
            ("POST", ["composite"]) => self.composite(version, body, batch),
            _ => Reply::not_found(),
        }
    }
}
