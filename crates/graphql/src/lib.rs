//! partnergraph-graphql: the GraphQL API over core's capability traits.
//!
//! Resolvers know connectors only as `dyn Directory`, `dyn Billing`, `dyn Crm` and `dyn Catalog`.
//! Every relationship goes through the per-request [`DataLoader`] in [`loaders`], so a page
//! costs one connector call per relationship, not one per row. Visibility and read permissions
//! are decided by core's read policy ([`partnergraph_core::policy::read`]), which resolvers ask
//! through [`req::Req::policy`]; the schema itself is laid out by area in [`schema`].

mod error;
mod inputs;
mod limits;
mod loaders;
mod paging;
mod req;
mod schema;
mod telemetry;

pub use limits::Limits;
pub use schema::{MutationRoot, QueryRoot};

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, Schema};
use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use futures::task::ArcWake;
use partnergraph_core::traits::Connectors;
use partnergraph_core::write::{Sessions, Writes};
use partnergraph_core::{Principal, Scope};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use tracing::Instrument;

/// The schema the server executes, with the limits [`execute`] checks before execution.
///
/// The checks run in [`execute`] rather than as async-graphql extensions: with any extension
/// registered, every field of every response passes through the extension chain (boxed
/// futures per field), which on a 3,000-field dashboard cost a third of the request.
#[derive(Clone)]
pub struct PartnerSchema {
    schema: Schema<QueryRoot, MutationRoot, EmptySubscription>,
    limits: Limits,
    operations: Arc<telemetry::OperationLabels>,
    in_flight: Arc<limits::InFlight>,
}

/// Who is asking, for one request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The authenticated caller.
    pub principal: Principal,
    /// The request id, echoed in errors and logs.
    pub request_id: String,
    /// The bearer token's id and expiry, for `logout`.
    pub token: TokenRef,
    /// The peer address the request came from, when the server knows it: token-less calls
    /// (`signUp`) are throttled by it.
    pub client: Option<std::net::IpAddr>,
}

/// The bearer token a request came with.
#[derive(Debug, Clone)]
pub struct TokenRef {
    /// Its `jti`.
    pub id: String,
    /// When it expires.
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl TokenRef {
    /// No token (an anonymous `signUp`).
    pub fn none() -> Self {
        Self {
            id: String::new(),
            expires_at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        }
    }
}

/// How long a DataLoader waits, once the request has gone idle, before it takes its keys.
/// [`execute`] only starts batches when every resolver is blocked on one, so there is nothing
/// left to collect by waiting.
const BATCH_WINDOW: std::time::Duration = std::time::Duration::ZERO;

/// [`execute`] polls a request that yielded with work left again at once, and returns to the
/// scheduler only every this many times: about a thousand resolvers, well under a millisecond
/// of work, between chances for the worker's other tasks.
const REPOLLS_BEFORE_YIELD: u32 = 32;

/// Everything a resolver needs, attached to each request by [`prepare_request`].
pub(crate) struct Req {
    pub principal: Principal,
    pub scope: Scope,
    pub request_id: String,
    pub token: TokenRef,
    pub client: Option<std::net::IpAddr>,
    pub connectors: Connectors,
    pub loader: DataLoader<loaders::Batch, async_graphql::dataloader::HashMapCache>,
}

/// The gateway's address as users reach it, for links in emails.
#[derive(Debug, Clone)]
pub struct PublicUrl(pub String);

/// Builds the schema with its query limits; mutations go through `writes`, login-as tokens
/// are minted by `sessions`, emailed links point at `public_url`.
pub fn build_schema(
    connectors: Connectors,
    writes: Writes,
    sessions: Arc<dyn Sessions>,
    public_url: String,
    limits: Limits,
    spans: FieldSpans,
) -> PartnerSchema {
    let builder = limits.apply(Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    ));
    let builder = match spans {
        FieldSpans::On => builder.extension(telemetry::Spans),
        FieldSpans::Off => builder,
    };
    PartnerSchema {
        schema: builder
            .data(connectors)
            .data(writes)
            .data(sessions)
            .data(PublicUrl(public_url))
            .finish(),
        limits,
        operations: Arc::default(),
        in_flight: Arc::default(),
    }
}

impl PartnerSchema {
    /// Refuses a request whose document is longer than the limits allow, before anything
    /// parses it (the HTTP layer parses first, to learn whether a token-less call is a sign-up).
    pub fn check_document_length(
        &self,
        request: &async_graphql::Request,
    ) -> Result<(), async_graphql::ServerError> {
        self.limits.check_length(&request.query)
    }
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .finish()
    .sdl()
}

/// Whether operations and object-returning fields get a tracing span each: on when traces are
/// exported, off otherwise (a dashboard resolves hundreds of such fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldSpans {
    /// A span per operation and per field returning objects.
    On,
    /// None.
    Off,
}

/// Whether a request's DataLoaders batch keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batching {
    /// One connector call per key type per wave (the default).
    On,
    /// One connector call per key: only to measure what batching saves, or to debug.
    Off,
}

/// Executes one request for one caller.
///
/// DataLoader batches run on the request's own task, in waves, as in graphql-java's
/// level-by-level dispatch: the request runs until every resolver is blocked (a poll ends
/// without the request asking to be polled again, as `FuturesUnordered` makes a busy request
/// do every few dozen resolvers); then all the keys it registered are loaded at once, one call
/// per key type; the request resumes only when the whole wave is back. Every resolver that can
/// register a key has done so, however slow the machine, and follow-up loads find earlier
/// waves in the cache, so a page's upstream calls are a function of its shape alone. The price
/// is that a fast batch's follow-ups wait for the slowest batch of its wave; call counts are
/// what the gateway promises.
///
/// Records served from a stale cache because their upstream failed are listed in the
/// response's `extensions.stale` (upstream, entity, age in seconds), so that a portal can say
/// "as of …" instead of presenting old balances as current.
///
/// A user may have [`Limits::max_requests_per_principal`] requests executing at once; more are
/// refused as RATE_LIMITED with `extensions.retryAfter` in seconds, so that one caller's burst
/// of heavy pages cannot take the store from everyone else.
///
/// Every request is counted and timed by the operation its document selects (see
/// [`telemetry::record_request`]), under a ceiling of distinct operation names per schema.
pub async fn execute(
    schema: &PartnerSchema,
    mut request: async_graphql::Request,
    connectors: &Connectors,
    ctx: RequestContext,
    batching: Batching,
) -> async_graphql::Response {
    let started = std::time::Instant::now();
    let authenticated = !ctx.principal.is_anonymous();
    let admitted = schema.limits.admit(&mut request).and_then(|operation| {
        // Anonymous calls (`signUp`) are throttled per address by the mutation itself.
        let slot = authenticated
            .then(|| {
                schema.in_flight.admit(
                    &ctx.principal.user_id,
                    schema.limits.max_requests_per_principal,
                )
            })
            .transpose()?;
        Ok((operation, slot))
    });
    let (response, operation) = match admitted {
        Ok((operation, _slot)) => {
            let run = partnergraph_core::context::with_store_slots(
                schema.limits.max_loads_per_request,
                run(schema, request, connectors, ctx, batching),
            );
            let (response, stale) = partnergraph_core::context::observing_staleness(run).await;
            let response = with_stale(null_at_errors(response), stale);
            (response, operation)
        }
        Err(error) => (async_graphql::Response::from_errors(vec![error]), None),
    };
    telemetry::record_request(
        &schema.operations,
        operation.as_deref(),
        authenticated,
        &response,
        started,
    );
    response
}

/// The response with `null` where a field failed. The GraphQL spec handles a field error "as
/// though the field returned null", and portals read a missing key as a broken response (the
/// reference portal's pages crashed on it), but async-graphql leaves out a field whose resolver
/// failed (its issue 1272). Each error's path names the field: where its parent object is in
/// the data and the key is not, the key is added as `null`.
fn null_at_errors(mut response: async_graphql::Response) -> async_graphql::Response {
    use async_graphql::{PathSegment, Value};
    for error in &response.errors {
        let Some((PathSegment::Field(field), parents)) = error.path.split_last() else {
            continue;
        };
        let mut parent = Some(&mut response.data);
        for segment in parents {
            parent = match (parent, segment) {
                (Some(Value::Object(object)), PathSegment::Field(name)) => {
                    object.get_mut(name.as_str())
                }
                (Some(Value::List(items)), PathSegment::Index(index)) => items.get_mut(*index),
                _ => None,
            };
        }
        if let Some(Value::Object(object)) = parent {
            object
                .entry(async_graphql::Name::new(field))
                .or_insert(Value::Null);
        }
    }
    response
}

/// The response with the records it served stale listed in its extensions.
fn with_stale(
    mut response: async_graphql::Response,
    stale: Vec<partnergraph_core::context::StaleRead>,
) -> async_graphql::Response {
    if !stale.is_empty() {
        let stale = stale
            .into_iter()
            .map(|read| {
                async_graphql::Value::from_json(serde_json::json!({
                    "upstream": read.upstream,
                    "entity": read.entity,
                    "ageSeconds": read.age.as_secs(),
                }))
                .unwrap_or_default()
            })
            .collect();
        response
            .extensions
            .insert("stale".to_owned(), async_graphql::Value::List(stale));
    }
    response
}

/// Executes the admitted request, its DataLoader batches in waves (see [`execute`]).
async fn run(
    schema: &PartnerSchema,
    request: async_graphql::Request,
    connectors: &Connectors,
    ctx: RequestContext,
    batching: Batching,
) -> async_graphql::Response {
    let queue = TaskQueue::default();
    let request = prepare_request(request, connectors, ctx, queue.clone(), batching);
    // Outside tokio's cooperative budget: an exhausted budget wakes the task only after the poll
    // returns, which would make a busy request look idle. Query limits bound the work instead.
    let mut response = std::pin::pin!(tokio::task::unconstrained(schema.schema.execute(request)));
    let mut batches = FuturesUnordered::new();
    let mut last = Arc::new(YieldFlag::new(futures::task::noop_waker()));
    let mut seen = 0;
    let mut repolls = 0;
    std::future::poll_fn(move |cx| loop {
        // Wake-ups of the request's waker outside this poll of the batches are its own: I/O
        // of its own (a root list) or a yield. Those during it are the batches' results.
        let before = last.wakes();
        let mut delivered = false;
        while let Poll::Ready(Some(())) = batches.poll_next_unpin(cx) {
            delivered = true;
        }
        let after = last.wakes();
        let woke_itself = before > seen || (after > before && !delivered);
        seen = after;
        let wave_in_flight = !batches.is_empty();
        if wave_in_flight && !woke_itself {
            // Finish the wave in flight before the request may register anything new, so
            // that follow-up keys find the wave's results in the loader's cache.
            return Poll::Pending;
        }
        // But a request that woke itself is polled even while a wave is in flight: its own
        // reads hold pooled connections until they are polled to completion, and a wave
        // waiting for a connection that an unpolled read holds would wait for the pool's
        // timeout (one request with ten aliased root lists did, for ten seconds).
        let yielded = Arc::new(YieldFlag::new(cx.waker().clone()));
        last = yielded.clone();
        seen = 0;
        let waker = futures::task::waker(yielded.clone());
        if let Poll::Ready(response) = response.as_mut().poll(&mut Context::from_waker(&waker)) {
            return Poll::Ready(response);
        }
        if yielded.wakes() > 0 {
            // The request has more work it can do now; its keys are not all in yet. Going
            // back through the scheduler for each of these (every few dozen resolvers) would
            // cost a page hundreds of wake-ups, so poll again at once, and only every
            // `REPOLLS_BEFORE_YIELD` times let the worker's other tasks run.
            repolls += 1;
            if repolls % REPOLLS_BEFORE_YIELD == 0 {
                return Poll::Pending;
            }
            continue;
        }
        if wave_in_flight {
            // Keys registered meanwhile wait for the wave.
            return Poll::Pending;
        }
        // A wave starts, all its batches at once: what they take of the store is bounded by
        // the request's store slots (`max_loads_per_request`), upstream batches hold none.
        batches.extend(queue.take());
        if batches.is_empty() {
            // Waiting on I/O of its own (a root list), which wakes the task.
            return Poll::Pending;
        }
    })
    .await
}

/// A waker that counts its wake-ups, so that [`execute`] can tell a request that yielded to be
/// fair from one that waits on I/O, and its own I/O from its batches' results.
struct YieldFlag {
    wakes: AtomicU64,
    task: Waker,
}

impl YieldFlag {
    fn new(task: Waker) -> Self {
        Self {
            wakes: AtomicU64::new(0),
            task,
        }
    }

    fn wakes(&self) -> u64 {
        self.wakes.load(Ordering::Acquire)
    }
}

impl ArcWake for YieldFlag {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.wakes.fetch_add(1, Ordering::AcqRel);
        arc_self.task.wake_by_ref();
    }
}

/// Loader tasks spawned while the request was being polled, waiting to join its task.
#[derive(Clone, Default)]
struct TaskQueue(Arc<Mutex<Vec<BoxFuture<'static, ()>>>>);

impl TaskQueue {
    fn push(&self, task: BoxFuture<'static, ()>) {
        self.lock().push(task);
    }

    fn take(&self) -> Vec<BoxFuture<'static, ()>> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<BoxFuture<'static, ()>>> {
        // A panic while pushing cannot leave the Vec half-written; keep serving.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Attaches the caller and fresh DataLoaders to a request. Loaders live for one request only:
/// they batch within it and never serve one caller's records to another.
fn prepare_request(
    request: async_graphql::Request,
    connectors: &Connectors,
    ctx: RequestContext,
    queue: TaskQueue,
    batching: Batching,
) -> async_graphql::Request {
    let loader = DataLoader::with_cache(
        loaders::Batch::new(connectors.clone()),
        // A batch runs as its own task; it belongs in the trace of the resolver that started it.
        move |task| queue.push(Box::pin(task.in_current_span())),
        async_graphql::dataloader::HashMapCache::default(),
    )
    .delay(BATCH_WINDOW);
    let loader = match batching {
        Batching::On => loader,
        Batching::Off => loader.max_batch_size(1),
    };
    request.data(Req {
        scope: ctx.principal.scope(),
        principal: ctx.principal,
        request_id: ctx.request_id,
        token: ctx.token,
        client: ctx.client,
        connectors: connectors.clone(),
        loader,
    })
}
