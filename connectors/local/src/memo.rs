//! The store's read cache: the records a read statement returned, remembered by the statement,
//! so that a warm page costs no SQL at all (each statement is a hand-off to a database worker
//! and back, which on a page from memory cost more than the page itself).
//!
//! Correctness rests on one number, the store's *version*: every write to a cached table bumps
//! it once it has committed ([`Memo::writing`]), every entry carries the version it was read
//! at, and an entry of an older version is never served. A read that was in flight while a
//! write committed is not remembered at all (its version changed under it). So a write is seen
//! by the very next read of this process, whatever it touched, without per-record bookkeeping:
//! writes are rare beside reads on a portal, and one costs every entry a re-read.
//!
//! Another process writing to the same database (a second replica on PostgreSQL) is seen only
//! when the entries' time to live ends; such deployments turn the cache off (see the
//! configuration's `database.read_cache_mb`).

use crate::LocalError;
use std::any::Any;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Bytes an entry costs beyond its rows: the key, moka's bookkeeping, the `Arc`.
const ENTRY_OVERHEAD: u64 = 160;

/// The read cache of a [`LocalStore`](crate::LocalStore).
pub(crate) struct Memo {
    version: AtomicU64,
    entries: moka::sync::Cache<String, Entry>,
}

#[derive(Clone)]
struct Entry {
    version: u64,
    /// A `Vec<R>` of the statement's record type.
    rows: Arc<dyn Any + Send + Sync>,
    weight: u32,
}

/// Marks a write in progress: the store's version moves on when it ends, after the write's
/// transaction has committed or rolled back.
pub(crate) struct Writing<'a>(Option<&'a Memo>);

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        if let Some(memo) = self.0 {
            memo.version.fetch_add(1, Ordering::AcqRel);
            // Old entries could never be served again; dropping them returns their memory now.
            memo.entries.invalidate_all();
        }
    }
}

impl Memo {
    /// A cache of about `capacity_bytes` of decoded records, each kept at most `ttl`.
    pub(crate) fn new(capacity_bytes: u64, ttl: Duration) -> Self {
        Self {
            version: AtomicU64::new(0),
            entries: moka::sync::Cache::builder()
                .max_capacity(capacity_bytes)
                .weigher(|_, entry: &Entry| entry.weight)
                .time_to_live(ttl)
                .build(),
        }
    }

    /// The version reads are served at now.
    pub(crate) fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// The rows `key` names: remembered ones of the current version, or `load`'s, which are
    /// remembered unless a write committed meanwhile. `load` answers the rows and what their
    /// stored form weighed, in bytes.
    pub(crate) async fn read<R, F>(&self, key: String, load: F) -> Result<Vec<R>, LocalError>
    where
        R: Clone + Send + Sync + 'static,
        F: Future<Output = Result<(Vec<R>, u64), LocalError>>,
    {
        let version = self.version();
        if let Some(entry) = self.entries.get(&key) {
            if entry.version == version {
                if let Some(rows) = entry.rows.downcast_ref::<Vec<R>>() {
                    return Ok(rows.clone());
                }
            }
        }
        let (rows, bytes) = load.await?;
        if self.version() == version {
            let weight = (bytes + key.len() as u64 + ENTRY_OVERHEAD).min(u64::from(u32::MAX));
            let entry = Entry {
                version,
                rows: Arc::new(rows.clone()),
                weight: weight as u32,
            };
            self.entries.insert(key, entry);
        }
        Ok(rows)
    }

    /// Entries held now (for the tests' proof that the cache is bounded).
    #[cfg(test)]
    fn weighted_size(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.weighted_size()
    }
}

/// [`Writing`] for a store with or without a cache.
pub(crate) fn writing(memo: Option<&Memo>) -> Writing<'_> {
    Writing(memo)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn rows(values: &[u32]) -> Result<(Vec<u32>, u64), LocalError> {
        Ok((values.to_vec(), 4 * values.len() as u64))
    }

    #[tokio::test]
    async fn a_remembered_read_is_served_until_a_write_ends() {
        let memo = Memo::new(1 << 20, Duration::from_secs(60));
        assert_eq!(memo.read("k".into(), rows(&[1])).await.ok(), Some(vec![1]));
        // Remembered: the store would now answer 2, the cache still 1.
        assert_eq!(memo.read("k".into(), rows(&[2])).await.ok(), Some(vec![1]));
        drop(writing(Some(&memo)));
        assert_eq!(memo.read("k".into(), rows(&[2])).await.ok(), Some(vec![2]));
    }

    #[tokio::test]
    async fn a_read_overtaken_by_a_write_is_not_remembered() {
        let memo = Memo::new(1 << 20, Duration::from_secs(60));
        let overtaken = async {
            // The write commits while this read's statement runs.
            drop(writing(Some(&memo)));
            rows(&[1]).await
        };
        assert_eq!(memo.read("k".into(), overtaken).await.ok(), Some(vec![1]));
        assert_eq!(memo.read("k".into(), rows(&[2])).await.ok(), Some(vec![2]));
    }

    #[tokio::test]
    async fn the_cache_stays_within_its_capacity() {
        let memo = Memo::new(64 * 1024, Duration::from_secs(60));
        for i in 0..1000u32 {
            let values: Vec<u32> = (0..100).collect();
            memo.read(format!("k{i}"), rows(&values)).await.ok();
        }
        assert!(
            memo.weighted_size() <= 64 * 1024,
            "{}",
            memo.weighted_size()
        );
    }
}
