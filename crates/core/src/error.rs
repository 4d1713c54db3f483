//! The one error type every capability returns. [`Error::code`] maps each variant once to a
//! stable `extensions.code` ([`ErrorCode`]); the GraphQL layer formats what a client sees from it.

use crate::code::ErrorCode;
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

    /// The code a client is given for this error: the single mapping from errors to codes.
    /// An upstream's missing record looks like any missing record; an upstream's refusal is
    /// an answer (retrying will not help), any other upstream failure an outage (it may).
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NotFound | Error::Upstream(UpstreamError::NotFound) => ErrorCode::NotFound,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::BadInput { .. } => ErrorCode::BadUserInput,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::RateLimited { .. } => ErrorCode::RateLimited,
            Error::Upstream(UpstreamError::Rejected { .. }) => ErrorCode::UpstreamRejected,
            Error::Upstream(_) => ErrorCode::UpstreamUnavailable,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The error a client was given, rebuilt from its code, field and message as the
    /// operations journal stores them, so that a replayed write answers what the first
    /// attempt answered. The prefixes this type's messages carry (`forbidden: `,
    /// `conflict: `) are taken off, since displaying the error adds them again. Upstream
    /// details were never stored: a rebuilt upstream error carries a placeholder. A code no
    /// journaled write stores (a throttled sign-up is not journaled) comes back as
    /// [`Error::Internal`] with the message.
    pub fn rebuilt(code: ErrorCode, field: Option<String>, message: String) -> Self {
        match code {
            ErrorCode::NotFound => Error::NotFound,
            ErrorCode::Forbidden => {
                Error::Forbidden(message.trim_start_matches("forbidden: ").to_owned())
            }
            ErrorCode::BadUserInput => Error::BadInput { field, message },
            ErrorCode::Conflict => {
                Error::Conflict(message.trim_start_matches("conflict: ").to_owned())
            }
            ErrorCode::UpstreamUnavailable => {
                UpstreamError::Unavailable("an upstream system".to_owned()).into()
            }
            ErrorCode::UpstreamRejected => UpstreamError::Rejected {
                code: "replayed".to_owned(),
                message,
            }
            .into(),
            ErrorCode::Unauthenticated
            | ErrorCode::GraphqlParseFailed
            | ErrorCode::GraphqlValidationFailed
            | ErrorCode::BadRequest
            | ErrorCode::RateLimited
            | ErrorCode::Internal => Error::Internal(message),
        }
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

#[cfg(test)]
mod tests {
    use super::{Error, UpstreamError};
    use crate::code::ErrorCode;

    fn samples() -> Vec<Error> {
        vec![
            Error::NotFound,
            Error::Forbidden("no VIEW_BILLING".to_owned()),
            Error::bad_input("first", "at most 100"),
            Error::BadInput {
                field: None,
                message: "bad".to_owned(),
            },
            Error::Conflict("the order is already placed".to_owned()),
            Error::RateLimited {
                retry_after_secs: 3,
            },
            UpstreamError::NotFound.into(),
            UpstreamError::RateLimited { retry_after: None }.into(),
            UpstreamError::Unavailable("zuora".to_owned()).into(),
            UpstreamError::Rejected {
                code: "INVALID".to_owned(),
                message: "no".to_owned(),
            }
            .into(),
            UpstreamError::Decode {
                path: "$.id".to_owned(),
            }
            .into(),
            Error::internal("boom"),
        ]
    }

    #[test]
    fn every_error_has_its_code() {
        let codes: Vec<_> = samples().iter().map(Error::code).collect();
        use ErrorCode::*;
        assert_eq!(
            codes,
            [
                NotFound,
                Forbidden,
                BadUserInput,
                BadUserInput,
                Conflict,
                RateLimited,
                NotFound,
                UpstreamUnavailable,
                UpstreamUnavailable,
                UpstreamRejected,
                UpstreamUnavailable,
                Internal,
            ]
        );
    }

    /// What the journal stores of a client error (its code, field and displayed message)
    /// rebuilds an error with the same code, field and message.
    #[test]
    fn client_errors_survive_being_rebuilt() {
        for err in samples() {
            let field = match &err {
                Error::BadInput { field, .. } => field.clone(),
                _ => None,
            };
            let rebuilt = Error::rebuilt(err.code(), field.clone(), err.to_string());
            match err {
                Error::NotFound
                | Error::Forbidden(_)
                | Error::BadInput { .. }
                | Error::Conflict(_) => {
                    assert_eq!(rebuilt.code(), err.code());
                    assert_eq!(rebuilt.to_string(), err.to_string());
                    let rebuilt_field = match rebuilt {
                        Error::BadInput { field, .. } => field,
                        _ => None,
                    };
                    assert_eq!(rebuilt_field, field);
                }
                Error::Upstream(_) | Error::Internal(_) => {
                    assert_eq!(rebuilt.code(), err.code())
                }
                Error::RateLimited { .. } => assert_eq!(rebuilt.code(), ErrorCode::Internal),
            }
        }
    }
}
