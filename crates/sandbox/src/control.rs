//! What every sandbox shares: the request log, injected faults (latency, failures, an error
//! rate), the access tokens it issued, and the `/_sandbox/` control API tests and benchmarks
//! drive them through. Each upstream's own wire dialect (its fault bodies, its response headers)
//! is a `Dialect`.

use axum::extract::{Request, State};
use axum::http::header::AsHeaderName;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// One request as a sandbox received it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Recorded {
    /// HTTP method.
    pub method: String,
    /// Path, e.g. `/object-query/accounts`.
    pub path: String,
    /// Raw query string.
    pub query: String,
    /// The caller's trace id header (`Zuora-Track-Id`), if the upstream has one and it was sent.
    pub track_id: Option<String>,
    /// The status the sandbox answered with.
    pub status: u16,
    /// The `Idempotency-Key` header of a write, if sent.
    pub idempotency_key: Option<String>,
}

/// Faults to inject, set through `POST /_sandbox/faults`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    /// Added to every request.
    pub latency_ms: u64,
    /// How many of the next API requests fail (token endpoints and `/_sandbox` never do).
    pub fail_next: u32,
    /// Percentage (0–100) of API requests that fail at random, beside `fail_next`.
    pub error_percent: u8,
    /// How they fail, in the upstream's dialect: 429 (with `Retry-After`), 500, 503, 200 (an
    /// error the upstream reports with HTTP 200, where it does), 299 (HTTP 200 with a body cut
    /// off mid-JSON), and whatever else the dialect documents.
    pub status: u16,
    /// `Retry-After` seconds for 429s.
    pub retry_after_secs: u64,
    /// The reason code of a Zuora 200 (`success: false`) failure: 50000061, a temporary error,
    /// unless set; a business refusal such as 50000030 tells a rejection from an outage.
    pub reason: Option<u64>,
    /// Only requests whose path starts with this fail (all API requests when unset).
    pub path: Option<String>,
    /// Fail after the request was processed, as when the answer is lost on the way back: the
    /// write happened, the caller cannot know.
    pub after_processing: bool,
}

/// How one upstream speaks where the shared machinery needs to.
pub(crate) trait Dialect: Send + Sync + 'static {
    /// Paths that injected faults never hit (token endpoints).
    fn exempt(&self, path: &str) -> bool;
    /// The response an injected fault gets.
    fn fault(&self, faults: &Faults) -> Response;
    /// The caller's trace id, from its request headers.
    fn track_id(&self, headers: &HeaderMap) -> Option<String>;
    /// Adds the upstream's usual response headers to an API response.
    fn decorate(&self, track_id: Option<&str>, response: &mut Response);
}

/// The state shared by a sandbox's API and its control API.
#[derive(Default)]
pub struct Control {
    log: Mutex<Vec<Recorded>>,
    faults: Mutex<Faults>,
    /// Live access tokens and when they expire.
    tokens: Mutex<HashMap<String, Instant>>,
    /// Every token issued, for `GET /_sandbox/tokens`.
    issued: Mutex<Vec<String>>,
    /// API requests being answered now, and the most there were at once since the log was
    /// last cleared: how a test sees a caller's concurrency limit hold.
    open: AtomicUsize,
    peak: AtomicUsize,
}

/// One API request being answered; counted in [`Control::open`] while it lives.
struct Open<'a>(&'a Control);

impl<'a> Open<'a> {
    fn new(control: &'a Control) -> Self {
        let now = control.open.fetch_add(1, Ordering::SeqCst) + 1;
        control.peak.fetch_max(now, Ordering::SeqCst);
        Self(control)
    }
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A request header's value, if it is there and is text.
pub(crate) fn header_str(headers: &HeaderMap, name: impl AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The value behind `m`, even if a thread panicked holding it: the sandboxes' state stays
/// usable, and a test sees the panic itself.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Control {
    /// The requests received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.log).clone()
    }

    /// Issues `token`, valid for `ttl`.
    pub(crate) fn issue(&self, token: &str, ttl: Duration) {
        lock(&self.tokens).insert(token.to_owned(), Instant::now() + ttl);
        lock(&self.issued).push(token.to_owned());
    }

    /// Whether `token` was issued and has not expired.
    pub(crate) fn valid(&self, token: &str) -> bool {
        lock(&self.tokens)
            .get(token)
            .is_some_and(|expiry| *expiry > Instant::now())
    }

    /// Whether a request to `path` fails now, consuming one of `fail_next` if so.
    fn injects(&self, path: &str) -> bool {
        let mut f = lock(&self.faults);
        if !f.path.as_deref().is_none_or(|p| path.starts_with(p)) {
            return false;
        }
        if f.fail_next > 0 {
            f.fail_next -= 1;
            return true;
        }
        f.error_percent > 0 && (uuid::Uuid::new_v4().as_u128() % 100) < u128::from(f.error_percent)
    }

    /// The control API, to merge into a sandbox's router.
    pub(crate) fn router<S>(self: &Arc<Self>) -> Router<S> {
        Router::new()
            .route("/_sandbox/requests", get(requests).delete(clear_requests))
            .route("/_sandbox/faults", post(set_faults))
            .route("/_sandbox/expire-tokens", post(expire_tokens))
            .route("/_sandbox/tokens", get(issued_tokens))
            .route("/_sandbox/concurrency", get(concurrency))
            .with_state(self.clone())
    }
}

/// A sandbox's whole router: its `api`, the control API, and [`intercept`] around both.
pub(crate) fn serve<D: Dialect>(
    api: Router<Arc<D>>,
    control: &Arc<Control>,
    dialect: &Arc<D>,
) -> Router {
    api.merge(control.router())
        .layer(axum::middleware::from_fn_with_state(
            Intercept {
                control: control.clone(),
                dialect: dialect.clone(),
            },
            intercept,
        ))
        .with_state(dialect.clone())
}

/// What [`intercept`] needs: the control state and the upstream's dialect.
#[derive(Clone)]
struct Intercept {
    control: Arc<Control>,
    dialect: Arc<dyn Dialect>,
}

/// Records every API request, applies latency and faults, and adds the upstream's headers.
async fn intercept(State(s): State<Intercept>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    if path.starts_with("/_sandbox") {
        return next.run(req).await;
    }
    let query = req.uri().query().unwrap_or_default().to_owned();
    let track_id = s.dialect.track_id(req.headers());
    let idempotency_key = header_str(req.headers(), "idempotency-key").map(str::to_owned);
    let _open = Open::new(&s.control);
    let faults = lock(&s.control.faults).clone();
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    let injected = !s.dialect.exempt(&path) && s.control.injects(&path);
    let mut response = match (injected, faults.after_processing) {
        (false, _) => next.run(req).await,
        (true, false) => s.dialect.fault(&faults),
        (true, true) => {
            let _lost = next.run(req).await;
            s.dialect.fault(&faults)
        }
    };
    s.dialect.decorate(track_id.as_deref(), &mut response);
    lock(&s.control.log).push(Recorded {
        method,
        path,
        query,
        track_id,
        status: response.status().as_u16(),
        idempotency_key,
    });
    response
}

async fn requests(State(c): State<Arc<Control>>) -> Json<Vec<Recorded>> {
    Json(c.requests())
}

/// Clears the log and starts the concurrency peak over.
async fn clear_requests(State(c): State<Arc<Control>>) -> StatusCode {
    lock(&c.log).clear();
    c.peak
        .store(c.open.load(Ordering::SeqCst), Ordering::SeqCst);
    StatusCode::NO_CONTENT
}

/// `{"peak": n}`: the most API requests answered at once since the log was last cleared.
async fn concurrency(State(c): State<Arc<Control>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "peak": c.peak.load(Ordering::SeqCst) }))
}

/// Every access token issued so far, live or not (tests prove none of them leaks).
async fn issued_tokens(State(c): State<Arc<Control>>) -> Json<Vec<String>> {
    Json(lock(&c.issued).clone())
}

/// Expires every token issued so far, as the session timeout passing would.
async fn expire_tokens(State(c): State<Arc<Control>>) -> StatusCode {
    lock(&c.tokens).clear();
    StatusCode::NO_CONTENT
}

async fn set_faults(State(c): State<Arc<Control>>, Json(faults): Json<Faults>) -> Json<Faults> {
    *lock(&c.faults) = faults.clone();
    Json(faults)
}
