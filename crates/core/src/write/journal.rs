//! The operations journal: every write is recorded as an [`Operation`] before it runs, keyed by
//! the caller and its idempotency key, so that a retried or concurrent call with the same key
//! gets the first call's answer (its result or its error) instead of writing twice, and so that
//! a write a crash interrupted can be found and resumed (`saga.rs`).
//!
//! Errors are kept as client codes and messages ([`StoredError`]) and turned back into the same
//! [`Error`] on replay, so a replay answers exactly what the first call answered.

use super::audit::audit_action;
use super::{Call, Writes};
use crate::error::{Error, Result};
use crate::model::{Operation, OperationStatus, StoredError};
use crate::traits::Directory;
use chrono::Utc;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// How long a call waits for another call with the same idempotency key to finish.
const WAIT_FOR_TWIN: Duration = Duration::from_secs(10);

/// An operation being run, saved to the directory as it progresses.
pub(super) struct Journal {
    /// The operation as journaled so far.
    pub(super) op: Operation,
    directory: Arc<dyn Directory>,
}

impl Journal {
    /// Writes the operation as it stands to the directory.
    pub(super) async fn save(&self) -> Result<()> {
        self.directory.save_operation(&self.op).await
    }

    /// Ends the operation with its result or its error, as later calls will replay it.
    pub(super) async fn finish(&mut self, outcome: Result<serde_json::Value>) -> Result<()> {
        match outcome {
            Ok(value) => {
                self.op.status = OperationStatus::Completed;
                self.op.result = Some(value);
            }
            Err(e) => {
                self.op.status = OperationStatus::Failed;
                self.op.error = Some(stored(&e));
            }
        }
        self.save().await
    }
}

impl Journal {
    /// A journal of `op`, kept in `directory`.
    pub(super) fn new(op: Operation, directory: Arc<dyn Directory>) -> Self {
        Self { op, directory }
    }
}

impl Writes {
    /// Runs `run` as the journaled operation `action` for `call`. Without an idempotency key
    /// it runs under a fresh one (still journaled, so a crash mid-way is resumed). With a key,
    /// the first call runs it; later calls with the same input get the journaled answer
    /// (waiting while the first still runs); a different input under the same key is a
    /// conflict.
    pub(super) async fn journaled<I, O>(
        &self,
        action: &str,
        call: &Call<'_, I>,
        run: impl AsyncFnOnce(&mut Journal) -> Result<O>,
    ) -> Result<O>
    where
        I: Serialize,
        O: Serialize + DeserializeOwned,
    {
        let Call { actor, input, key } = call;
        let key = match key {
            Some(key) => idempotency_key(key)?.to_owned(),
            None => format!("auto-{}", uuid::Uuid::new_v4().simple()),
        };
        let op = Operation {
            key: format!("{}/{key}", actor.principal.user_id),
            action: action.to_owned(),
            input: serde_json::to_value(input).map_err(Error::internal)?,
            actor_id: actor.principal.user_id.clone(),
            status: OperationStatus::Running,
            steps: Vec::new(),
            result: None,
            error: None,
            created_at: Utc::now(),
        };
        let deadline = tokio::time::Instant::now() + WAIT_FOR_TWIN;
        while let Some(existing) = self.c.directory.begin_operation(&op).await? {
            if existing.action != op.action || existing.input != op.input {
                return Err(Error::Conflict(
                    "this idempotency key was used with a different input".to_owned(),
                ));
            }
            match existing.status {
                OperationStatus::Completed => {
                    let result = existing.result.unwrap_or_default();
                    return serde_json::from_value(result).map_err(Error::internal);
                }
                OperationStatus::Failed => return Err(replayed(existing.error)),
                OperationStatus::Running | OperationStatus::Compensating => {
                    if tokio::time::Instant::now() >= deadline {
                        return Err(Error::Conflict(
                            "a request with this idempotency key is still running".to_owned(),
                        ));
                    }
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
            }
        }
        let mut journal = Journal::new(op, self.c.directory.clone());
        let outcome = run(&mut journal).await;
        match outcome {
            Ok(result) => {
                let value = serde_json::to_value(&result).map_err(Error::internal)?;
                journal.finish(Ok(value)).await?;
                Ok(result)
            }
            Err(e) => {
                if !matches!(
                    e,
                    Error::Forbidden(_) | Error::NotFound | Error::BadInput { .. }
                ) {
                    tracing::warn!(error = %e, key = %journal.op.key, action, "write failed");
                }
                self.audit_failure(*actor, audit_action(action), &e).await;
                let replay = stored(&e);
                journal.finish(Err(e)).await?;
                Err(replayed(Some(replay)))
            }
        }
    }
}

/// The error a client gets, as kept in the journal: its code from [`Error::code`], and a
/// message that names no upstream detail.
fn stored(e: &Error) -> StoredError {
    use crate::UpstreamError::{NotFound, Rejected};
    let (field, message) = match e {
        Error::BadInput { field, message } => (field.clone(), message.clone()),
        Error::Upstream(NotFound) => (None, "not found".to_owned()),
        Error::Upstream(Rejected { .. }) => {
            (None, "an upstream system refused the request".to_owned())
        }
        Error::Upstream(_) => (
            None,
            "an upstream system failed; the write did not complete".to_owned(),
        ),
        Error::Internal(_) => (None, "the write failed".to_owned()),
        // Only sign-up is throttled, and it is not journaled: nothing replays RateLimited.
        Error::NotFound | Error::Forbidden(_) | Error::Conflict(_) | Error::RateLimited { .. } => {
            (None, e.to_string())
        }
    };
    StoredError {
        code: e.code().as_str().to_owned(),
        message,
        field,
    }
}

/// The client error a journaled failure replays as; a code this version does not know
/// replays as an internal error with its message, so rows written by any version replay.
fn replayed(e: Option<StoredError>) -> Error {
    let Some(e) = e else {
        return Error::Internal("the write failed".to_owned());
    };
    match e.code.parse::<crate::ErrorCode>() {
        Ok(code) => Error::rebuilt(code, e.field, e.message),
        Err(_) => Error::Internal(e.message),
    }
}

/// The client's idempotency key, trimmed, when it is one the journal can keep.
fn idempotency_key(key: &str) -> Result<&str> {
    let key = key.trim();
    if key.is_empty() || key.len() > 100 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::bad_input(
            "idempotencyKey",
            "an idempotency key is 1 to 100 printable ASCII characters",
        ));
    }
    Ok(key)
}
