//! The request a connector call is made for, without passing it through every trait method.
//!
//! Upstreams let a caller tag its calls (Zuora's `Zuora-Track-Id`, Salesforce's
//! `Sforce-Call-Options`), so that a support engineer can find our request in their logs and we
//! can find theirs in ours. The server runs each request inside [`with_request_id`]; connectors
//! read [`request_id`] on the same task (DataLoader batches run on the request's task too).

use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `work` as part of the request `id`.
pub async fn with_request_id<F: Future>(id: String, work: F) -> F::Output {
    REQUEST_ID.scope(id, work).await
}

/// The id of the request this task works for; `None` for work of the gateway's own (start-up,
/// resuming journaled operations).
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_request_id_is_seen_inside_its_scope_only() {
        assert_eq!(request_id(), None);
        let seen = with_request_id("req-1".to_owned(), async { request_id() }).await;
        assert_eq!(seen.as_deref(), Some("req-1"));
    }
}
