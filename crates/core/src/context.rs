//! The request a connector call is made for, without passing it through every trait method.
//!
//! Upstreams let a caller tag its calls (Zuora's `Zuora-Track-Id`, Salesforce's
//! `Sforce-Call-Options`), so that a support engineer can find our request in their logs and we
//! can find theirs in ours. The server runs each request inside [`with_request_id`]; connectors
//! read [`request_id`] on the same task (DataLoader batches run on the request's task too).
//!
//! The same goes the other way for what a response must admit: a read answered from a stale
//! cache entry because its upstream failed is reported with [`served_stale`] wherever it happens,
//! and collected for the response by [`observing_staleness`].
//!
//! And for what a request may take of the store: [`with_store_slots`] bounds the statements one
//! request runs at once, and the store takes a [`store_slot`] for each, so that a request
//! running many batches cannot hold every pooled connection, while its upstream batches (which
//! hold none) all run at once.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

tokio::task_local! {
    static REQUEST_ID: String;
    static STALENESS: Staleness;
    static STORE_SLOTS: Arc<Semaphore>;
}

/// Runs `work` (one request) with at most `slots` of its store statements running at once.
pub async fn with_store_slots<F: Future>(slots: usize, work: F) -> F::Output {
    STORE_SLOTS
        .scope(Arc::new(Semaphore::new(slots.max(1))), work)
        .await
}

/// Waits for one of the current request's store slots, held until the returned permit drops;
/// `None` outside [`with_store_slots`] (authentication, the gateway's own work), which is not
/// bounded.
pub async fn store_slot() -> Option<OwnedSemaphorePermit> {
    let slots = STORE_SLOTS.try_with(Arc::clone).ok()?;
    // The semaphore is never closed.
    slots.acquire_owned().await.ok()
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

/// Records kept from before their upstream failed, served in place of fresh ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleRead {
    /// The upstream that failed (`zuora`, `salesforce`).
    pub upstream: &'static str,
    /// The kind of record (`invoices`, `cases`, …).
    pub entity: &'static str,
    /// How old the oldest record served was.
    pub age: Duration,
}

/// The stale reads of one request, oldest age per upstream and entity.
#[derive(Clone, Default)]
struct Staleness(Arc<Mutex<BTreeMap<(&'static str, &'static str), Duration>>>);

/// Runs `work` and returns, beside its output, every stale read made for it.
pub async fn observing_staleness<F: Future>(work: F) -> (F::Output, Vec<StaleRead>) {
    let staleness = Staleness::default();
    let output = STALENESS.scope(staleness.clone(), work).await;
    let reads = staleness
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .map(|(&(upstream, entity), &age)| StaleRead {
            upstream,
            entity,
            age,
        })
        .collect();
    (output, reads)
}

/// Reports that records of `entity`, `age` old, were served because `upstream` failed. Outside
/// [`observing_staleness`] (the gateway's own work) there is nobody to tell, and nothing happens.
pub fn served_stale(upstream: &'static str, entity: &'static str, age: Duration) {
    let _ = STALENESS.try_with(|staleness| {
        let mut reads = staleness.0.lock().unwrap_or_else(PoisonError::into_inner);
        let oldest = reads.entry((upstream, entity)).or_default();
        *oldest = (*oldest).max(age);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_holds_at_most_its_store_slots_and_other_work_none() {
        assert!(store_slot().await.is_none());
        with_store_slots(2, async {
            let first = store_slot().await;
            let second = store_slot().await;
            assert!(first.is_some() && second.is_some());
            let third = tokio::time::timeout(Duration::from_millis(20), store_slot()).await;
            assert!(third.is_err(), "a third statement waits");
            drop(first);
            assert!(store_slot().await.is_some());
        })
        .await;
    }

    #[tokio::test]
    async fn the_request_id_is_seen_inside_its_scope_only() {
        assert_eq!(request_id(), None);
        let seen = with_request_id("req-1".to_owned(), async { request_id() }).await;
        assert_eq!(seen.as_deref(), Some("req-1"));
    }

    #[tokio::test]
    async fn stale_reads_are_collected_per_upstream_and_entity_with_the_oldest_age() {
        served_stale("zuora", "invoices", Duration::from_secs(1));
        let ((), reads) = observing_staleness(async {
            served_stale("zuora", "invoices", Duration::from_secs(5));
            served_stale("zuora", "invoices", Duration::from_secs(3));
            served_stale("salesforce", "cases", Duration::from_secs(2));
        })
        .await;
        assert_eq!(
            reads,
            vec![
                StaleRead {
                    upstream: "salesforce",
                    entity: "cases",
                    age: Duration::from_secs(2)
                },
                StaleRead {
                    upstream: "zuora",
                    entity: "invoices",
                    age: Duration::from_secs(5)
                },
            ]
        );
    }
}
