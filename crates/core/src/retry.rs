//! How connectors pace the retries of idempotent reads: exponential backoff from 100 ms with
//! jitter, honouring an upstream's `Retry-After` but never waiting longer than [`MAX_PAUSE`],
//! for at most [`READ_ATTEMPTS`] attempts. One policy, so every upstream is treated alike.

use std::time::Duration;

/// Attempts of an idempotent read before its error is returned.
pub const READ_ATTEMPTS: u32 = 4;
/// The longest a read waits before its next attempt, whatever the upstream asked for.
pub const MAX_PAUSE: Duration = Duration::from_secs(10);

/// The pause before attempt `attempt + 1` after attempt `attempt` (from 1) failed; `asked` is
/// the upstream's `Retry-After`, if it sent one.
pub fn pause(attempt: u32, asked: Option<Duration>) -> Duration {
    let backoff = Duration::from_millis(100 * 2u64.pow(attempt.saturating_sub(1).min(10)));
    // Jitter keeps the retries of many concurrent callers from arriving together.
    let jitter = Duration::from_millis(u64::from(uuid::Uuid::new_v4().as_bytes()[0]) % 50);
    asked.unwrap_or(backoff).min(MAX_PAUSE) + jitter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_and_respect_the_upstream_within_the_cap() {
        assert!(pause(1, None) < Duration::from_millis(150));
        assert!(pause(3, None) >= Duration::from_millis(400));
        assert!(pause(1, Some(Duration::from_secs(2))) >= Duration::from_secs(2));
        assert!(pause(1, Some(Duration::from_secs(3600))) < MAX_PAUSE + Duration::from_millis(50));
    }
}
