//! The operation journal: idempotency records and the progress of writes that span systems.

use super::*;

/// Where a journaled operation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperationStatus {
    /// Steps are running (or were, when the process stopped).
    Running,
    /// A step failed; completed steps are being undone.
    Compensating,
    /// Done; `result` holds the answer replayed for the same key.
    Completed,
    /// Failed and fully undone; `error` holds the answer replayed for the same key.
    Failed,
}

/// A step of a journaled operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step's name, e.g. `billing.account`.
    pub name: String,
    /// Whether the step is known to have completed (otherwise its outcome is unknown).
    pub done: bool,
    /// What the step asks its capability for, kept so that a step whose outcome is unknown can
    /// be re-issued (creates are idempotent by key) to learn what to undo.
    pub request: Option<serde_json::Value>,
    /// What the step produced (ids), for later steps and for compensation.
    pub output: Option<serde_json::Value>,
    /// The upstream refused the step: it created nothing, and there is nothing to undo.
    #[serde(default)]
    pub refused: bool,
}

/// A client error kept in the journal so that a replay answers exactly as the first call did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredError {
    /// `NOT_FOUND`, `FORBIDDEN`, `BAD_USER_INPUT`, `CONFLICT`, `UPSTREAM_UNAVAILABLE`,
    /// `UPSTREAM_REJECTED` or `INTERNAL`.
    pub code: String,
    /// The client message.
    pub message: String,
    /// The input field at fault.
    pub field: Option<String>,
}

/// A write in the operation journal: idempotency record and, for writes spanning systems, the
/// saga's progress, so that a retry or a restart resumes or undoes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// `<user id>/<idempotency key>`: keys are per caller.
    pub key: String,
    /// The mutation, e.g. `placeOrder`.
    pub action: String,
    /// The input as given, compared on replay and used to resume.
    pub input: serde_json::Value,
    /// Who asked.
    pub actor_id: UserId,
    /// Where it stands.
    pub status: OperationStatus,
    /// Steps started so far, in order.
    pub steps: Vec<StepRecord>,
    /// The result of a completed operation.
    pub result: Option<serde_json::Value>,
    /// The error of a failed operation.
    pub error: Option<StoredError>,
    /// When it started.
    pub created_at: DateTime<Utc>,
}
