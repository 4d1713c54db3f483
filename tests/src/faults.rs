//! Faults injected into the Zuora and Salesforce sandboxes, the gateway settings the fault
//! tests run with, and a failing saga step, shared by every test binary that degrades an
//! upstream or a write.
//!
//! The two sandboxes share one control API (`/_sandbox/…`); these helpers pick the sandbox a
//! gateway runs against, so a test reads the same whichever upstream it breaks.

use crate::{read_through, Backend, Configure, TestServer};
use async_trait::async_trait;
use partnergraph_core::write::{StepHook, StepPhase};
use serde_json::{json, Value};

/// Calls the control API of the sandbox `s` runs against (Zuora or Salesforce).
pub async fn control(s: &TestServer, path: &str, body: &Value) {
    match s.backend() {
        Backend::Zuora => s.zuora_control(path, body).await,
        Backend::Salesforce => s.salesforce_control(path, body).await,
        other => panic!("{other:?} has no sandbox to control"),
    }
}

/// Sets the sandbox's faults (`{}` clears them).
pub async fn faults(s: &TestServer, faults: Value) {
    control(s, "/_sandbox/faults", &faults).await;
}

/// Expires every access token the sandbox issued, so the gateway's next call renews its own.
pub async fn expire_tokens(s: &TestServer) {
    control(s, "/_sandbox/expire-tokens", &json!({})).await;
}

/// Forgets the requests the sandbox logged, so a test counts only what follows.
pub async fn clear_requests(s: &TestServer) {
    control(s, "/_sandbox/requests", &Value::Null).await;
}

/// [`read_through`], with every upstream call given up after `secs` seconds.
pub fn read_through_timing_out_after(secs: u64) -> Configure {
    Box::new(move |c| {
        read_through(c);
        if let Some(z) = c.zuora.as_mut() {
            z.timeout_secs = secs;
        }
        if let Some(sf) = c.salesforce.as_mut() {
            sf.timeout_secs = secs;
        }
    })
}

/// A saga hook that fails one step, before or after its capability ran, as an unavailable
/// upstream would: for the tests proving that a write failing at any point leaves nothing behind.
pub struct FailAt {
    /// The step to fail, as the saga names it (`billing.account`, `identity`…).
    pub step: &'static str,
    /// Whether it fails before its capability is called or after it answered.
    pub phase: StepPhase,
}

#[async_trait]
impl StepHook for FailAt {
    async fn on_step(&self, step: &str, phase: StepPhase) -> partnergraph_core::Result<()> {
        if step == self.step && phase == self.phase {
            Err(partnergraph_core::UpstreamError::Unavailable("injected".to_owned()).into())
        } else {
            Ok(())
        }
    }
}

/// A saga hook that stalls one step forever, like a process that dies there, and tells the
/// test when the step is reached: for the tests proving that a write cut off at any point is
/// finished exactly once by the next process.
pub struct StallAt {
    step: &'static str,
    phase: StepPhase,
    /// Notified when the step is reached.
    pub reached: tokio::sync::Notify,
}

impl StallAt {
    /// Stalls `step` at `phase`.
    pub fn new(step: &'static str, phase: StepPhase) -> Self {
        Self {
            step,
            phase,
            reached: tokio::sync::Notify::new(),
        }
    }
}

#[async_trait]
impl StepHook for StallAt {
    async fn on_step(&self, step: &str, phase: StepPhase) -> partnergraph_core::Result<()> {
        if step == self.step && phase == self.phase {
            self.reached.notify_one();
            std::future::pending::<()>().await;
        }
        Ok(())
    }
}

/// Sends `query` with `variables` as `who` to `s`, a gateway booted with `hook`; once the
/// write reaches the hook's step, runs `meanwhile` (what changes while the write is stalled),
/// kills the gateway and starts another on the same store (which resumes what was left
/// unfinished), and returns it. The first call must never have got an answer.
pub async fn crash_during(
    s: TestServer,
    hook: &StallAt,
    who: &str,
    query: &str,
    variables: Value,
    meanwhile: impl AsyncFnOnce(&TestServer),
) -> TestServer {
    let token = s.token(who).await;
    let body = json!({ "query": query, "variables": variables });
    let url = s.url.clone();
    let cut_off = tokio::spawn(async move {
        reqwest::Client::new()
            .post(format!("{url}/graphql"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
    });
    tokio::time::timeout(std::time::Duration::from_secs(10), hook.reached.notified())
        .await
        .expect("the write reaches the step");
    meanwhile(&s).await;
    let s = tokio::task::block_in_place(|| {
        s.restart(std::sync::Arc::new(partnergraph_core::write::NoHook))
    });
    assert!(
        cut_off.await.expect("client task").is_err(),
        "the first call never got an answer"
    );
    s
}
