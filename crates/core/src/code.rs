//! The gateway's error vocabulary: every `extensions.code` a client can receive, with the HTTP
//! status that goes with it.
//!
//! Clients branch on these strings, the operations journal stores them, and the README's table
//! documents them, so they are spelled in exactly one place: here. The GraphQL layer and the
//! server format codes from [`ErrorCode`]; core's [`Error`](crate::Error) names its code with
//! [`Error::code`](crate::Error::code). Core knows no HTTP crate, so statuses are plain `u16`s
//! that the server turns into its own type.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

macro_rules! error_codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal, $status:literal;)+) => {
        /// A stable, client-visible error code (`extensions.code`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $($(#[$doc])* $name,)+
        }

        impl ErrorCode {
            /// Every code, in a stable order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$name,)+];

            /// The string clients see in `extensions.code` (and the journal stores).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$name => $code,)+
                }
            }

            /// The HTTP status of a response that this code ends at the HTTP layer (an error
            /// answered outside GraphQL execution: `/auth/*`, `/launch/*`, the body and
            /// authentication checks). Errors inside a GraphQL response travel with HTTP 200
            /// (or 400 for a request error under `application/graphql-response+json`) whatever
            /// their code; the status here is what that code means in HTTP's terms.
            pub const fn http_status(self) -> u16 {
                match self {
                    $(ErrorCode::$name => $status,)+
                }
            }
        }

        impl FromStr for ErrorCode {
            type Err = UnknownErrorCode;

            /// Parses a code as [`ErrorCode::as_str`] spells it (exactly; codes are stored
            /// and compared verbatim).
            fn from_str(code: &str) -> Result<Self, Self::Err> {
                match code {
                    $($code => Ok(ErrorCode::$name),)+
                    other => Err(UnknownErrorCode(other.to_owned())),
                }
            }
        }
    };
}

error_codes! {
    /// No token, or one that is expired, revoked or not ours; a suspended user or deactivated
    /// customer; a wrong password; a refused Salesforce launch. HTTP 401.
    Unauthenticated = "UNAUTHENTICATED", 401;
    /// No such record, or one the caller may not see: the two look the same. HTTP 404.
    NotFound = "NOT_FOUND", 404;
    /// The caller's profile lacks the permission, or a channel rule forbids the action.
    /// HTTP 403.
    Forbidden = "FORBIDDEN", 403;
    /// An argument is invalid, or the document uses too many aliases or fields, or is too
    /// long. HTTP 400.
    BadUserInput = "BAD_USER_INPUT", 400;
    /// The record's state forbids the change, or an idempotency key is reused with other input
    /// or still running. HTTP 409.
    Conflict = "CONFLICT", 409;
    /// Zuora or Salesforce refused the request on one of its business rules: it will not
    /// succeed unchanged. HTTP 422 (the request, not the upstream's health, is at fault).
    UpstreamRejected = "UPSTREAM_REJECTED", 422;
    /// A backing system (Zuora, Salesforce, the store) is down, throttling, unreadable or
    /// behind an open circuit; also the auth endpoints' failures of their own. HTTP 503.
    UpstreamUnavailable = "UPSTREAM_UNAVAILABLE", 503;
    /// The document does not parse; nothing ran. HTTP 400.
    GraphqlParseFailed = "GRAPHQL_PARSE_FAILED", 400;
    /// The document does not validate against the schema, or is too deep or too complex.
    /// HTTP 400.
    GraphqlValidationFailed = "GRAPHQL_VALIDATION_FAILED", 400;
    /// The HTTP request itself is malformed. HTTP 400 by default; the server answers it with
    /// a more precise status where there is one: 405 (wrong method), 408 (body or request too
    /// slow), 413 (body too large), 415 (body not declared JSON), 422 (a body of the wrong
    /// shape).
    BadRequest = "BAD_REQUEST", 400;
    /// Too many failed logins, sign-up attempts, or requests of one user at once. HTTP 429,
    /// with `Retry-After`.
    RateLimited = "RATE_LIMITED", 429;
    /// A fault of the gateway's own; details are logged, never sent. HTTP 500.
    Internal = "INTERNAL", 500;
}

impl ErrorCode {
    /// The code for an error response with `status` that axum or tower produced on their own
    /// (an unknown route, a wrong method, an extractor's rejection, a timeout), so that it
    /// gets the gateway's error shape. Statuses without a code of their own are
    /// [`ErrorCode::BadRequest`] (client errors) or [`ErrorCode::Internal`] (server errors).
    pub const fn for_http_status(status: u16) -> ErrorCode {
        match status {
            401 => ErrorCode::Unauthenticated,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            429 => ErrorCode::RateLimited,
            502..=504 => ErrorCode::UpstreamUnavailable,
            500..=599 => ErrorCode::Internal,
            _ => ErrorCode::BadRequest,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<&str> for ErrorCode {
    type Error = UnknownErrorCode;

    fn try_from(code: &str) -> Result<Self, Self::Error> {
        code.parse()
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        code.parse().map_err(serde::de::Error::custom)
    }
}

/// A string that is no [`ErrorCode`]: a stored row from a future version, or a typo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown error code {0:?}")]
pub struct UnknownErrorCode(pub String);

#[cfg(test)]
mod tests {
    use super::ErrorCode;
    use std::collections::BTreeSet;

    #[test]
    fn every_code_round_trips_through_its_string() {
        for &code in ErrorCode::ALL {
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(code));
            assert_eq!(ErrorCode::try_from(code.as_str()), Ok(code));
            assert_eq!(code.to_string(), code.as_str());
            let json = serde_json::to_string(&code).expect("a code serializes");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).ok(), Some(code));
        }
        assert!("not_found".parse::<ErrorCode>().is_err());
        assert!(serde_json::from_str::<ErrorCode>("\"NOPE\"").is_err());
    }

    #[test]
    fn codes_are_unique_screaming_snake_case() {
        let strings: BTreeSet<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(strings.len(), ErrorCode::ALL.len(), "duplicate code string");
        for code in strings {
            assert!(
                is_screaming_snake(code),
                "{code} is not SCREAMING_SNAKE_CASE"
            );
        }
    }

    #[test]
    fn statuses_are_http_errors() {
        for &code in ErrorCode::ALL {
            assert!((400..600).contains(&code.http_status()), "{code}");
        }
    }

    /// A response the HTTP layer ends with a code's own status gets that code back when axum
    /// answered it instead (the codes a framework can produce on its own).
    #[test]
    fn framework_statuses_map_back_to_their_codes() {
        use ErrorCode::*;
        for code in [
            Unauthenticated,
            Forbidden,
            NotFound,
            RateLimited,
            UpstreamUnavailable,
            Internal,
            BadRequest,
        ] {
            assert_eq!(ErrorCode::for_http_status(code.http_status()), code);
        }
        for (status, code) in [
            (405, BadRequest),
            (408, BadRequest),
            (409, BadRequest),
            (413, BadRequest),
            (415, BadRequest),
            (422, BadRequest),
            (502, UpstreamUnavailable),
            (504, UpstreamUnavailable),
            (501, Internal),
        ] {
            assert_eq!(ErrorCode::for_http_status(status), code, "{status}");
        }
    }

    /// The README's error-code table lists exactly the codes the gateway emits. Rows are read
    /// leniently: any backticked SCREAMING_SNAKE word in a row's first cell names a code.
    #[test]
    fn readme_table_lists_exactly_the_codes() {
        let readme = include_str!("../../../README.md");
        let mut rows = readme
            .lines()
            .skip_while(|line| !(line.starts_with('|') && line.contains("`extensions.code`")))
            .skip(1)
            .take_while(|line| line.starts_with('|'))
            .peekable();
        assert!(
            rows.peek().is_some(),
            "README has no `extensions.code` table"
        );
        let mut listed = BTreeSet::new();
        for row in rows {
            let first_cell = row.trim_start_matches('|').split('|').next().unwrap_or("");
            for (i, word) in first_cell.split('`').enumerate() {
                if i % 2 == 1 && is_screaming_snake(word) {
                    assert!(listed.insert(word.to_owned()), "{word} listed twice");
                }
            }
        }
        let codes: BTreeSet<_> = ErrorCode::ALL
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        assert_eq!(listed, codes, "README table vs ErrorCode");
    }

    fn is_screaming_snake(word: &str) -> bool {
        !word.is_empty()
            && !word.starts_with('_')
            && !word.ends_with('_')
            && !word.contains("__")
            && word.starts_with(|c: char| c.is_ascii_uppercase())
            && word
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    }
}
