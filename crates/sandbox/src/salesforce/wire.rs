//! How the org's answers look on the wire: the [`Reply`] every resource returns (Composite
//! needs answers as data before they become HTTP), Salesforce's error array with its codes,
//! the answers shared by several resources, and the sandbox's faults and `Sforce-Limit-Info`
//! header in Salesforce's dialect.

use super::schema::Schema;
use super::{Record, Salesforce};
use crate::control::{Dialect, Faults};
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

/// An API answer before it becomes HTTP.
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) body: Option<Value>,
    pub(super) location: Option<String>,
}

impl Reply {
    /// `body` with `status`.
    pub(super) fn json(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            location: None,
        }
    }

    /// `204 No Content`: what a successful update or delete answers.
    pub(super) fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
            location: None,
        }
    }

    /// Salesforce's error array: one error with `code`, `message` and the `fields` it is about.
    pub(super) fn error(status: StatusCode, code: &str, message: &str, fields: &[&str]) -> Self {
        let mut e = json!({ "message": message, "errorCode": code });
        if !fields.is_empty() {
            e["fields"] = json!(fields);
        }
        Self::json(status, json!([e]))
    }

    /// A `400` error about no field in particular.
    pub(super) fn bad_request(code: &str, message: &str) -> Self {
        Self::error(StatusCode::BAD_REQUEST, code, message, &[])
    }

    /// The `404` of a path, type or record that does not exist.
    pub(super) fn not_found() -> Self {
        Self::error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
            &[],
        )
    }

    /// The `401` of a request without a live session.
    pub(super) fn invalid_session() -> Self {
        Self::error(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
            &[],
        )
    }

    /// The `404` of an external id field a type lacks.
    pub(super) fn no_external_id(field: &str) -> Self {
        Self::error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("Provided external ID field does not exist or is not accessible: {field}"),
            &[],
        )
    }

    /// The `400` of a write without a JSON object to write.
    pub(super) fn json_required() -> Self {
        Self::bad_request(
            "JSON_PARSER_ERROR",
            "The request body is required and must be a JSON object",
        )
    }

    /// The `400` of a read naming a field `object` lacks.
    pub(super) fn invalid_field(field: &str, object: &str) -> Self {
        Self::bad_request(
            "INVALID_FIELD",
            &format!("No such column '{field}' on entity '{object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."),
        )
    }

    /// `201 Created` with the new record's id and `Location`; an upsert also says `created`.
    pub(super) fn created(version: &str, schema: &Schema, id: &str, created: Option<bool>) -> Self {
        let mut body = json!({ "id": id, "success": true, "errors": [] });
        if let Some(c) = created {
            body["created"] = json!(c);
        }
        Self {
            status: StatusCode::CREATED,
            body: Some(body),
            location: Some(record_url(version, schema, id)),
        }
    }

    /// `300 Multiple Choices`: an external id names several records; the body lists them.
    pub(super) fn several(version: &str, schema: &Schema, records: &[&Record]) -> Self {
        Self::json(
            StatusCode::MULTIPLE_CHOICES,
            json!(records
                .iter()
                .filter_map(|r| r.get("Id")?.as_str())
                .map(|id| record_url(version, schema, id))
                .collect::<Vec<_>>()),
        )
    }

    /// The HTTP response: the body as JSON, `Location` when there is one.
    pub(super) fn into_response(self) -> Response {
        let mut response = match self.body {
            Some(body) => (self.status, Json(body)).into_response(),
            None => self.status.into_response(),
        };
        if let Some(v) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            response.headers_mut().insert(header::LOCATION, v);
        }
        response
    }
}

/// A record's path under the API version the caller used.
pub(super) fn record_url(version: &str, schema: &Schema, id: &str) -> String {
    format!("/services/data/{version}/sobjects/{}/{id}", schema.name)
}

impl Dialect for Salesforce {
    fn exempt(&self, path: &str) -> bool {
        path.starts_with("/services/oauth2/")
    }

    fn fault(&self, faults: &Faults) -> Response {
        let (status, code, message) = match faults.status {
            403 => (
                StatusCode::FORBIDDEN,
                "REQUEST_LIMIT_EXCEEDED",
                "ConcurrentPerOrgLongTxn Limit exceeded.",
            ),
            401 => return Reply::invalid_session().into_response(),
            503 => {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::CONTENT_TYPE, "text/html")],
                    Body::from("<html><body>Service Unavailable: down for maintenance</body></html>"),
                )
                    .into_response()
            }
            299 => {
                return (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
                    Body::from(r#"{"totalSize":3,"done":true,"records":[{"attributes":{"type""#),
                )
                    .into_response()
            }
            _ => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "UNKNOWN_EXCEPTION",
                "An unexpected error occurred. Please include this ErrorId if you contact support: 1386455917-71543 (-1526491431)",
            ),
        };
        Reply::error(status, code, message, &[]).into_response()
    }

    fn track_id(&self, _headers: &HeaderMap) -> Option<String> {
        None
    }

    fn decorate(&self, _track_id: Option<&str>, response: &mut Response) {
        let usage = format!(
            "api-usage={}/{}",
            self.api_usage.load(Ordering::Relaxed),
            self.daily_limit.load(Ordering::Relaxed)
        );
        if let Ok(v) = HeaderValue::from_str(&usage) {
            response.headers_mut().insert("sforce-limit-info", v);
        }
    }
}
