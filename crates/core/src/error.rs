//! The one error type every capability returns. The GraphQL layer maps each variant once to a
//! stable `extensions.code`; nothing else decides what a client sees.

use std::time::Duration;

/// Result alias used across partnergraph.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an operation failed, in terms a client can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The entity does not exist, or the caller may not know that it does: both look the same.
    #[error("not found")]
    NotFound,
    /// The caller can see the target but lacks the permission for this action.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The request itself is wrong; `field` names the input at fault where there is one.
    #[error("{message}")]
    BadInput {
        /// The input field at fault, in the client's naming (e.g. `first`, `filter.status`).
        field: Option<String>,
        /// A message fit for the client.
        message: String,
    },
    /// The request conflicts with the current state (e.g. a duplicate or a stale write).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The caller made too many attempts (sign-ups); it may try again after the given time.
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until the caller may try again.
        retry_after_secs: u64,
    },
    /// An upstream system failed; details stay in logs, never reach clients.
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// A bug or an infrastructure failure: logged in full, masked for clients.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// A client error naming the field at fault.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::BadInput {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// An internal error from anything displayable (a driver error, a poisoned invariant).
    pub fn internal(err: impl std::fmt::Display) -> Self {
        Error::Internal(err.to_string())
    }
}

/// Failures of an upstream system (a store, Zuora, Salesforce), typed so that callers can decide
/// to retry, wait, degrade or give up without parsing messages.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UpstreamError {
    /// The upstream says the record does not exist.
    #[error("upstream record not found")]
    NotFound,
    /// The upstream throttled us; `retry_after` is its hint when it gave one.
    #[error("upstream rate limited")]
    RateLimited {
        /// How long the upstream asked us to wait.
        retry_after: Option<Duration>,
    },
    /// The upstream is down, timed out or its circuit is open.
    #[error("upstream unavailable: {0}")]
    Unavailable(String),
    /// The upstream refused the request with its own code and message.
    #[error("upstream rejected the request: {code}: {message}")]
    Rejected {
        /// The upstream's error code.
        code: String,
        /// The upstream's message (logged, not shown to clients).
        message: String,
    },
    /// The upstream answered something we could not decode; `path` locates the problem.
    #[error("could not decode upstream response at {path}")]
    Decode {
        /// Where in the response decoding failed.
        path: String,
    },
}
