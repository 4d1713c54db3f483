//! Core errors as GraphQL errors: the code comes from [`Error::code`], the one mapping from
//! errors to `extensions.code`; this file decides only what message a client reads.

use partnergraph_core::{Error, UpstreamError};

/// Converts a core error for the client. Internal and upstream details are logged with the
/// request id and replaced by a generic message.
pub(crate) fn to_graphql(err: &Error, request_id: &str) -> async_graphql::Error {
    let mut retry_after = None;
    let (message, field) = match err {
        Error::NotFound => ("not found".to_owned(), None),
        Error::Forbidden(reason) => (format!("forbidden: {reason}"), None),
        Error::BadInput { field, message } => (message.clone(), field.clone()),
        Error::Conflict(reason) => (format!("conflict: {reason}"), None),
        Error::RateLimited { retry_after_secs } => {
            retry_after = Some(*retry_after_secs);
            (err.to_string(), None)
        }
        Error::Upstream(UpstreamError::NotFound) => {
            // The directory links to a record the upstream does not have: worth a look.
            tracing::warn!(request_id, "upstream has no such record");
            ("not found".to_owned(), None)
        }
        // A refusal is an answer, not an outage: the same request will be refused again, so
        // the client must not be told to retry. The upstream's reason is logged, not shown.
        Error::Upstream(refused @ UpstreamError::Rejected { .. }) => {
            tracing::warn!(request_id, error = %refused, "upstream refused the request");
            (
                "a backing system refused the request; it will not succeed unchanged".to_owned(),
                None,
            )
        }
        Error::Upstream(upstream) => {
            tracing::warn!(request_id, error = %upstream, "upstream failure");
            (
                "a backing system is unavailable; try again later".to_owned(),
                None,
            )
        }
        Error::Internal(detail) => {
            tracing::error!(request_id, detail, "internal error");
            ("internal error".to_owned(), None)
        }
    };
    let mut error = async_graphql::Error::new(message);
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", err.code().as_str());
    extensions.set("requestId", request_id);
    if let Some(field) = field {
        extensions.set("field", field);
    }
    if let Some(secs) = retry_after {
        extensions.set("retryAfter", secs);
    }
    error
}
