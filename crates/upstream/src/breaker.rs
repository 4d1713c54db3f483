//! A circuit breaker per upstream: once most recent calls fail, further calls fail at once
//! (microseconds, not a timeout each) until a probe finds the upstream back.

use partnergraph_core::{Error, UpstreamError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// When a circuit opens and how it closes again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerConfig {
    /// Opens when at least this share of the calls in the window failed (0.0–1.0).
    pub failure_ratio: f64,
    /// …and the window holds at least this many calls, so that one failure of a quiet
    /// gateway does not cut an upstream off.
    pub min_calls: usize,
    /// How far back calls count, in seconds.
    pub window_secs: u64,
    /// How long an open circuit refuses calls before it lets a probe through, in seconds.
    pub open_secs: u64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            failure_ratio: 0.5,
            min_calls: 5,
            window_secs: 10,
            open_secs: 5,
        }
    }
}

/// Where a circuit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    /// Calls go through; their outcomes are counted.
    Closed,
    /// One probe call is out; everything else is refused until it answers.
    HalfOpen,
    /// Calls are refused without reaching the upstream.
    Open,
}

impl CircuitState {
    /// The value of the `partnergraph_circuit_state` gauge.
    fn gauge(self) -> f64 {
        match self {
            CircuitState::Closed => 0.0,
            CircuitState::HalfOpen => 1.0,
            CircuitState::Open => 2.0,
        }
    }
}

enum State {
    Closed {
        /// When each recent call ended and whether it failed.
        calls: VecDeque<(Instant, bool)>,
    },
    Open {
        until: Instant,
    },
    HalfOpen {
        /// A probe that never reports (its caller went away) is given up after `open_secs`.
        probe_since: Instant,
    },
}

/// Admission to call the upstream; report how the call went with [`Breaker::record`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permit {
    Call,
    Probe,
}

/// One upstream's circuit.
pub(crate) struct Breaker {
    upstream: &'static str,
    config: BreakerConfig,
    state: Mutex<State>,
}

impl Breaker {
    pub fn new(upstream: &'static str, config: BreakerConfig) -> Self {
        metrics::gauge!("partnergraph_circuit_state", "upstream" => upstream)
            .set(CircuitState::Closed.gauge());
        Self {
            upstream,
            config,
            state: Mutex::new(State::Closed {
                calls: VecDeque::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every transition writes the whole state at once; a panic cannot leave it torn.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn state(&self) -> CircuitState {
        match *self.lock() {
            State::Closed { .. } => CircuitState::Closed,
            State::Open { .. } => CircuitState::Open,
            State::HalfOpen { .. } => CircuitState::HalfOpen,
        }
    }

    /// Lets a call through, or refuses it with the error its caller returns.
    pub fn admit(&self) -> Result<Permit, Error> {
        let now = Instant::now();
        let mut state = self.lock();
        let open_for = Duration::from_secs(self.config.open_secs);
        let permit = match &*state {
            State::Closed { .. } => Some(Permit::Call),
            State::Open { until } if now >= *until => Some(Permit::Probe),
            State::HalfOpen { probe_since } if now >= *probe_since + open_for => {
                Some(Permit::Probe)
            }
            State::Open { .. } | State::HalfOpen { .. } => None,
        };
        match permit {
            Some(Permit::Probe) => {
                *state = State::HalfOpen { probe_since: now };
                self.transitioned(CircuitState::HalfOpen);
                Ok(Permit::Probe)
            }
            Some(Permit::Call) => Ok(Permit::Call),
            None => {
                metrics::counter!("partnergraph_circuit_rejected_total", "upstream" => self.upstream)
                    .increment(1);
                Err(Error::Upstream(UpstreamError::Unavailable(format!(
                    "{} circuit open",
                    self.upstream
                ))))
            }
        }
    }

    /// Counts the outcome of an admitted call.
    pub fn record(&self, permit: Permit, outcome: &Result<impl Sized, Error>) {
        let failed = outcome.as_ref().err().is_some_and(is_outage);
        let now = Instant::now();
        let mut state = self.lock();
        match (&mut *state, permit) {
            (State::HalfOpen { .. }, Permit::Probe) if failed => self.open(&mut state, now),
            (State::HalfOpen { .. }, Permit::Probe) => {
                *state = State::Closed {
                    calls: VecDeque::new(),
                };
                self.transitioned(CircuitState::Closed);
            }
            (State::Closed { calls }, Permit::Call) => {
                calls.push_back((now, failed));
                let window = Duration::from_secs(self.config.window_secs);
                while calls.front().is_some_and(|(at, _)| *at + window < now) {
                    calls.pop_front();
                }
                let failures = calls.iter().filter(|(_, failed)| *failed).count();
                if calls.len() >= self.config.min_calls.max(1)
                    && failures as f64 >= self.config.failure_ratio * calls.len() as f64
                {
                    self.open(&mut state, now);
                }
            }
            // Calls admitted before the circuit changed say nothing about it now.
            _ => {}
        }
    }

    fn open(&self, state: &mut State, now: Instant) {
        *state = State::Open {
            until: now + Duration::from_secs(self.config.open_secs),
        };
        tracing::warn!(upstream = self.upstream, "circuit opened");
        self.transitioned(CircuitState::Open);
    }

    fn transitioned(&self, to: CircuitState) {
        metrics::gauge!("partnergraph_circuit_state", "upstream" => self.upstream).set(to.gauge());
    }
}

/// Whether an error says the upstream is unwell (and not that the request was wrong).
fn is_outage(error: &Error) -> bool {
    matches!(
        error,
        Error::Upstream(
            UpstreamError::Unavailable(_)
                | UpstreamError::RateLimited { .. }
                | UpstreamError::Decode { .. }
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn down() -> Result<(), Error> {
        Err(Error::Upstream(UpstreamError::Unavailable("503".into())))
    }

    fn breaker() -> Breaker {
        Breaker::new(
            "test",
            BreakerConfig {
                failure_ratio: 0.5,
                min_calls: 4,
                window_secs: 10,
                open_secs: 5,
            },
        )
    }

    /// A breaker its failures have just opened.
    fn opened() -> Breaker {
        let b = breaker();
        for _ in 0..4 {
            call(&b, down());
        }
        assert_eq!(b.state(), CircuitState::Open);
        b
    }

    fn call(b: &Breaker, outcome: Result<(), Error>) {
        let permit = b.admit().expect("admitted");
        b.record(permit, &outcome);
    }

    #[tokio::test(start_paused = true)]
    async fn a_circuit_opens_once_the_failure_ratio_is_reached_over_enough_calls() {
        let b = breaker();
        call(&b, down());
        call(&b, down());
        call(&b, down());
        // Three failures are not yet enough calls to judge.
        assert_eq!(b.state(), CircuitState::Closed);
        call(&b, Ok(()));
        assert_eq!(b.state(), CircuitState::Open);
        assert!(b.admit().is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn failures_below_the_ratio_or_outside_the_window_keep_it_closed() {
        let b = breaker();
        call(&b, down());
        for _ in 0..3 {
            call(&b, Ok(()));
        }
        assert_eq!(b.state(), CircuitState::Closed);
        tokio::time::advance(Duration::from_secs(11)).await;
        call(&b, down());
        call(&b, Ok(()));
        call(&b, Ok(()));
        call(&b, down());
        // 2 of the 4 calls in the window failed: the ratio is reached.
        assert_eq!(b.state(), CircuitState::Open);
    }

    #[tokio::test(start_paused = true)]
    async fn rejected_requests_do_not_count_as_outages() {
        let b = breaker();
        for _ in 0..6 {
            call(&b, Err(Error::NotFound));
        }
        assert_eq!(b.state(), CircuitState::Closed);
    }

    #[tokio::test(start_paused = true)]
    async fn an_open_circuit_lets_one_probe_through_after_its_pause_and_closes_when_it_succeeds() {
        let b = opened();
        tokio::time::advance(Duration::from_secs(4)).await;
        assert!(b.admit().is_err(), "still open");
        tokio::time::advance(Duration::from_secs(1)).await;
        let probe = b.admit().expect("a probe");
        assert_eq!(probe, Permit::Probe);
        assert_eq!(b.state(), CircuitState::HalfOpen);
        assert!(b.admit().is_err(), "one probe at a time");
        b.record(probe, &Ok::<(), Error>(()));
        assert_eq!(b.state(), CircuitState::Closed);
        assert_eq!(b.admit().expect("closed"), Permit::Call);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_probe_opens_the_circuit_again_and_a_lost_probe_is_replaced() {
        let b = opened();
        tokio::time::advance(Duration::from_secs(5)).await;
        let probe = b.admit().expect("a probe");
        b.record(probe, &down());
        assert_eq!(b.state(), CircuitState::Open);
        tokio::time::advance(Duration::from_secs(5)).await;
        let _lost = b.admit().expect("a second probe");
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(
            b.admit().expect("the lost probe is replaced"),
            Permit::Probe
        );
    }
}
