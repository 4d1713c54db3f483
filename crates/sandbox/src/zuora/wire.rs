//! How the sandbox speaks Zuora on the wire, beside what each resource answers: the
//! `success: false` error envelope with numeric reason codes (and CRUD's `Success: false` with
//! code words), the bearer token every API call
//! needs (as extractors, so a handler cannot forget it), `Idempotency-Key` replay for writes,
//! Zuora's response headers and injected faults, and how Zuora writes amounts and timestamps.

use super::Zuora;
use crate::control::{header_str, lock, Dialect, Faults};
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::fmt::Display;
use std::sync::Arc;

/// The Zuora error envelope.
pub(super) fn envelope(code: u64, message: &str) -> Value {
    json!({ "success": false, "processId": "SANDBOX", "reasons": [{ "code": code, "message": message }] })
}

/// The error envelope with an HTTP status.
pub(super) fn error(status: StatusCode, code: u64, message: &str) -> Response {
    (status, Json(envelope(code, message))).into_response()
}

/// A business refusal: Zuora answers it with HTTP 200 and `success: false`.
pub(super) fn refused(code: u64, message: &str) -> (u16, Value) {
    (200, envelope(code, message))
}

/// The message of code 50000040, for a key that names nothing.
pub(super) fn cannot_find(key: impl Display) -> String {
    format!("Cannot find entity by key: '{key}'.")
}

/// The `404` of a key that names nothing.
pub(super) fn not_found(key: &str) -> Response {
    error(StatusCode::NOT_FOUND, 50000040, &cannot_find(key))
}

/// A failure in CRUD's (`/v1/object/*`) dialect: HTTP 200, capitalised keys, and a code word
/// where the REST calls have a number (`INVALID_ID`, `INVALID_VALUE`).
pub(super) fn crud_error(code: &str, message: &str) -> Response {
    Json(json!({ "Success": false, "Errors": [{ "Code": code, "Message": message }] }))
        .into_response()
}

/// Whether the bearer token is one the sandbox issued and it has not expired.
fn token_valid(z: &Zuora, headers: &HeaderMap) -> bool {
    header_str(headers, header::AUTHORIZATION)
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .is_some_and(|t| z.control.valid(t.trim()))
}

/// Zuora's `401` for a missing, unknown or expired token.
fn unauthorized() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        90000011,
        "this resource is protected, please sign in first",
    )
}

/// The tenant, reached with a live token: a handler that takes it never runs without one. It
/// goes after the handler's other extractors, which run first, as they always have.
pub(super) struct Authorized(pub(super) Arc<Zuora>);

impl FromRequestParts<Arc<Zuora>> for Authorized {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, z: &Arc<Zuora>) -> Result<Self, Response> {
        if token_valid(z, &parts.headers) {
            Ok(Self(z.clone()))
        } else {
            Err(unauthorized())
        }
    }
}

/// A JSON request from a caller with a live token. The body is read before the token is
/// checked, so a body that is not JSON gets axum's rejection whether or not the token is good.
pub(super) struct Write {
    /// The request's headers (the `Idempotency-Key` among them).
    pub(super) headers: HeaderMap,
    /// The JSON body.
    pub(super) body: Value,
}

impl FromRequest<Arc<Zuora>> for Write {
    type Rejection = Response;

    async fn from_request(req: Request, z: &Arc<Zuora>) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let Json(body) = Json::<Value>::from_request(req, z)
            .await
            .map_err(IntoResponse::into_response)?;
        if token_valid(z, &headers) {
            Ok(Self { headers, body })
        } else {
            Err(unauthorized())
        }
    }
}

impl Write {
    /// Runs `write` once per `Idempotency-Key`: a repeat with the same path and body gets the
    /// first answer again with `409`, as Zuora's guide describes; the same key on another
    /// request is a `422`. `write` answers an HTTP status and a body.
    pub(super) fn idempotent(
        &self,
        z: &Zuora,
        path: &str,
        write: impl FnOnce(&Value) -> (u16, Value),
    ) -> Response {
        let key = header_str(&self.headers, "idempotency-key").map(str::to_owned);
        if let Some(key) = &key {
            if let Some((first_path, first_body, _, answer)) = lock(&z.idempotency).get(key) {
                return if first_path == path && *first_body == self.body {
                    (StatusCode::CONFLICT, Json(answer.clone())).into_response()
                } else {
                    error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        50000020,
                        "The Idempotency-Key was used with another request.",
                    )
                };
            }
        }
        let (status, answer) = write(&self.body);
        if let Some(key) = key {
            lock(&z.idempotency).insert(
                key,
                (path.to_owned(), self.body.clone(), status, answer.clone()),
            );
        }
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        (status, Json(answer)).into_response()
    }
}

impl Dialect for Zuora {
    fn exempt(&self, path: &str) -> bool {
        path == "/oauth/token"
    }

    fn fault(&self, faults: &Faults) -> Response {
        fault_response(faults)
    }

    fn track_id(&self, headers: &HeaderMap) -> Option<String> {
        header_str(headers, "zuora-track-id").map(str::to_owned)
    }

    fn decorate(&self, track_id: Option<&str>, response: &mut Response) {
        let headers = response.headers_mut();
        if let Some(id) = track_id.and_then(|t| HeaderValue::from_str(t).ok()) {
            headers.insert("zuora-track-id", id);
        }
        let request_id = uuid::Uuid::new_v4().to_string();
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            headers.insert("zuora-request-id", v);
        }
        headers.insert(
            "ratelimit-limit",
            HeaderValue::from_static("2500, 2500;w=60"),
        );
        headers.insert("ratelimit-remaining", HeaderValue::from_static("2499"));
        headers.insert("ratelimit-reset", HeaderValue::from_static("60"));
        headers.insert(
            "concurrency-limit-type",
            HeaderValue::from_static("Default"),
        );
        headers.insert("concurrency-limit-limit", HeaderValue::from_static("80"));
        headers.insert(
            "concurrency-limit-remaining",
            HeaderValue::from_static("79"),
        );
    }
}

/// An injected fault as Zuora would fail: throttled, a `200` that is a failure, down, cut off.
fn fault_response(f: &Faults) -> Response {
    match f.status {
        429 => {
            let mut r = StatusCode::TOO_MANY_REQUESTS.into_response();
            let headers = r.headers_mut();
            headers.insert("ratelimit-remaining", HeaderValue::from_static("0"));
            if let Ok(v) = HeaderValue::from_str(&f.retry_after_secs.to_string()) {
                headers.insert(header::RETRY_AFTER, v);
            }
            r
        }
        200 => {
            let body = match f.reason {
                None | Some(50000061) => envelope(50000061, "Temporary error, please retry."),
                Some(code) => envelope(code, "Refused by the sandbox's fault injection."),
            };
            (StatusCode::OK, Json(body)).into_response()
        }
        503 => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        299 => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            Body::from(r#"{"data":[{"id":"2c92c0f8"#),
        )
            .into_response(),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/plain")],
            Body::from("Internal Server Error"),
        )
            .into_response(),
    }
}

/// A decimal as Zuora writes it: a JSON number.
pub(super) fn number(d: Decimal) -> Value {
    d.to_f64().map(Value::from).unwrap_or(Value::Null)
}

/// An amount rounded to cents, as a JSON number.
pub(super) fn cents(amount: f64) -> Value {
    Value::from((amount * 100.0).round() / 100.0)
}

/// A timestamp as Zuora writes it: seconds and a `+00:00` offset.
pub(super) fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// Now, as Zuora writes it.
pub(super) fn now() -> String {
    timestamp(chrono::Utc::now())
}
