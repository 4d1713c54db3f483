//! Counting attempts per key in fixed windows, to throttle what an anonymous caller may try
//! (sign-up now; `/auth/login`'s `LoginLimits` in the server could count with it too).
//!
//! A window counter in a moka cache rather than `governor`'s keyed GCRA limiter: moka bounds the
//! number of keys and expires idle ones by itself, where `governor`'s keyed store grows until
//! someone sweeps it, and moka is already what the workspace caches with. Counts live in the
//! process: a gateway running as several processes allows the limit once per process.

use std::time::{Duration, Instant};

/// At most `limit` attempts per key in any window of `window` starting at the key's first
/// attempt. Cloning shares the counts.
#[derive(Clone)]
pub struct Throttle {
    limit: u32,
    window: Duration,
    counts: moka::sync::Cache<String, Window>,
}

/// The attempts of one key in its current window.
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    attempts: u32,
}

impl Throttle {
    /// Allows `limit` attempts per key per `window`, remembering at most `max_keys` keys. When
    /// more keys are active than that, the least recently used ones are forgotten (and start
    /// over), so memory stays bounded whatever callers send.
    pub fn new(limit: u32, window: Duration, max_keys: u64) -> Self {
        Self {
            limit,
            window,
            counts: moka::sync::Cache::builder()
                .max_capacity(max_keys)
                // A key idle for a whole window would start a new one anyway.
                .time_to_live(window)
                // LRU admits every new key: with moka's default (TinyLFU) a flood of fresh keys
                // could be refused admission, and a refused key is never counted.
                .eviction_policy(moka::policy::EvictionPolicy::lru())
                .build(),
        }
    }

    /// Counts one attempt for `key`. `Err` with the time until the key's window ends when
    /// this attempt is over the limit; over-limit attempts count too, so waiting is the only
    /// way back.
    pub fn attempt(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let window = self.window;
        let entry = self.counts.entry_by_ref(key).and_upsert_with(|current| {
            match current.map(|e| e.into_value()) {
                Some(w) if now.duration_since(w.started) < window => Window {
                    started: w.started,
                    attempts: w.attempts.saturating_add(1),
                },
                _ => Window {
                    started: now,
                    attempts: 1,
                },
            }
        });
        let counted = entry.into_value();
        if counted.attempts <= self.limit {
            Ok(())
        } else {
            Err(self
                .window
                .saturating_sub(now.duration_since(counted.started)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_over_the_limit_are_refused_until_the_window_ends() {
        let throttle = Throttle::new(3, Duration::from_secs(600), 100);
        for _ in 0..3 {
            assert_eq!(throttle.attempt("a"), Ok(()));
        }
        let wait = throttle
            .attempt("a")
            .expect_err("the fourth attempt is refused");
        assert!(
            wait > Duration::from_secs(590) && wait <= Duration::from_secs(600),
            "{wait:?}"
        );
        assert_eq!(throttle.attempt("b"), Ok(()), "keys are counted apart");
    }

    #[test]
    fn a_new_window_starts_over() {
        let throttle = Throttle::new(1, Duration::from_millis(50), 100);
        assert_eq!(throttle.attempt("a"), Ok(()));
        assert!(throttle.attempt("a").is_err());
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(throttle.attempt("a"), Ok(()));
    }

    #[test]
    fn clones_share_the_counts() {
        let throttle = Throttle::new(1, Duration::from_secs(60), 100);
        let clone = throttle.clone();
        assert_eq!(throttle.attempt("a"), Ok(()));
        assert!(clone.attempt("a").is_err());
    }

    #[test]
    fn memory_stays_bounded_by_the_key_cap() {
        let throttle = Throttle::new(1, Duration::from_secs(60), 50);
        for n in 0..1_000 {
            let _ = throttle.attempt(&format!("key-{n}"));
        }
        throttle.counts.run_pending_tasks();
        assert!(
            throttle.counts.entry_count() <= 50,
            "{} keys kept",
            throttle.counts.entry_count()
        );
    }
}
