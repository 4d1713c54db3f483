//! The axum application: routes, tower layers, authentication and GraphQL over HTTP.

use crate::auth::{resolve_principal, AuthError, TokenIssuer};
use crate::config::Config;
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::ParseRequestError;
use async_graphql_axum::{rejection::GraphQLRejection, GraphQLRequest};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use partnergraph_core::traits::Connectors;
use partnergraph_core::write::Actor;
use partnergraph_core::{ErrorCode, Principal};
use partnergraph_graphql::{execute, PartnerSchema, RequestContext, TokenRef};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The media type of GraphQL-over-HTTP responses.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// What every handler shares.
pub(crate) struct AppState {
    pub(crate) schema: PartnerSchema,
    pub(crate) connectors: Connectors,
    pub(crate) writes: partnergraph_core::write::Writes,
    pub(crate) issuer: Arc<TokenIssuer>,
    pub(crate) launch: Vec<crate::config::SalesforceOrgConfig>,
    pub(crate) identities: Arc<dyn partnergraph_core::write::IdentityProvider>,
    pub(crate) login_limits: crate::identity::LoginLimits,
    pub(crate) oidc: crate::oidc::OidcVerifier,
    pub(crate) batching: partnergraph_graphql::Batching,
    /// The principals of tokens seen lately.
    pub(crate) principals: crate::auth::Principals,
    /// Answers to repeated queries, when they can be kept (see [`crate::responses`]).
    pub(crate) responses: Option<crate::responses::Responses>,
    /// The upstream read cache, whose epoch answers are kept at.
    pub(crate) upstream_cache: Option<Arc<partnergraph_upstream::Cache>>,
}

impl AppState {
    /// The versions of what answers are made of now; `None` when the store cannot tell.
    fn versions(&self) -> Option<crate::responses::Versions> {
        let store = self.connectors.directory.version()?;
        Some((store, self.upstream_cache.as_ref().map_or(0, |c| c.epoch())))
    }
}

/// Marks a request that came without a bearer token.
#[derive(Clone, Copy)]
struct Anonymous;

/// The request id set by the request-id layer, for correlating client errors with logs.
#[derive(Clone)]
pub(crate) struct RequestId(pub(crate) String);

/// The full router with its middleware stack.
///
/// Outermost first: request id, trace, CORS, then [`json_errors`] (every error gets the GraphQL
/// error shape), [`read_body`] (the whole body, within its size and time limits), the request
/// timeout, and on the routes that do work for a client, the concurrency limit. A request thus
/// takes a concurrency slot only once its body has arrived, and probes never wait for one.
pub(crate) fn router(state: Arc<AppState>, config: &Config) -> Router {
    let limits = &config.limits;
    let work_slots = Arc::new(Semaphore::new(
        limits.max_concurrent_requests.min(Semaphore::MAX_PERMITS),
    ));
    let work: Router<Arc<AppState>> = Router::new()
        .route("/graphql", get(graphql).post(graphql))
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .route("/launch/salesforce", get(crate::launch::launch))
        .route("/launch/salesforce/canvas", post(crate::launch::canvas))
        .route("/auth/login", post(crate::identity::login))
        .route(
            "/auth/activate",
            get(crate::identity::activate).post(crate::identity::complete_activation),
        )
        .route_layer(middleware::from_fn_with_state(work_slots, take_work_slot));
    let body_limits = BodyLimits {
        max_bytes: limits.max_body_bytes,
        timeout: Duration::from_secs(limits.body_read_timeout_secs),
    };
    Router::new()
        .merge(work)
        .merge(crate::web::routes())
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/readyz", get(readyz))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default();
                    // Named by route, not by path: a span name is a grouping key in trace
                    // backends, and paths are whatever a client sends.
                    let route = req
                        .extensions()
                        .get::<axum::extract::MatchedPath>()
                        .map_or("unmatched", axum::extract::MatchedPath::as_str);
                    let span = tracing::info_span!(
                        "request",
                        otel.name = format!("{} {route}", req.method()),
                        otel.kind = "server",
                        http.route = route,
                        method = %req.method(),
                        path = %req.uri().path(),
                        request_id = %id,
                    );
                    // A portal's `traceparent` makes this request part of its trace. Without
                    // trace export there is no propagator and the context stays empty.
                    let parent = opentelemetry::global::get_text_map_propagator(|p| {
                        p.extract(&opentelemetry_http::HeaderExtractor(req.headers()))
                    });
                    drop(span.set_parent(parent));
                    span
                }))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(cors(config))
                .layer(middleware::from_fn(attach_request_id))
                .layer(middleware::from_fn(json_errors))
                .layer(middleware::from_fn_with_state(body_limits, read_body))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(limits.request_timeout_secs),
                )),
        )
}

/// Holds one of the `max_concurrent_requests` slots while a request to `/graphql`, `/auth/*` or
/// `/launch/*` is handled; further requests wait for one (within the request timeout).
async fn take_work_slot(State(slots): State<Arc<Semaphore>>, req: Request, next: Next) -> Response {
    // Acquiring fails only on a closed semaphore, and this one is never closed.
    let _slot = slots.acquire().await;
    next.run(req).await
}

/// How much of a request body the gateway accepts, and how long it waits for it.
#[derive(Clone, Copy)]
struct BodyLimits {
    max_bytes: usize,
    timeout: Duration,
}

/// Why a request body was not read.
#[derive(Debug, thiserror::Error)]
enum BodyError {
    /// It is longer than `max_body_bytes`.
    #[error("request body too large")]
    TooLarge,
    /// The connection failed or the body was malformed (chunked encoding).
    #[error("request body could not be read: {0}")]
    Read(axum::Error),
}

/// Reads the whole request body before the request goes further: at most `max_body_bytes`
/// (HTTP 413; a declared `Content-Length` over it is refused unread) within
/// `body_read_timeout_secs` (HTTP 408). A client trickling its upload thus holds a connection
/// and the bytes it sent, never a concurrency slot that others wait for.
async fn read_body(
    State(limits): State<BodyLimits>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        error_response_with(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BadRequest,
            "request body too large",
            &request_id,
        )
    };
    if declared.is_some_and(|len| len > limits.max_bytes as u64) {
        return too_large();
    }
    let bytes = match tokio::time::timeout(limits.timeout, collect(body, limits.max_bytes)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(BodyError::TooLarge)) => return too_large(),
        Ok(Err(err @ BodyError::Read(_))) => {
            tracing::debug!(%err, "request refused");
            return error_response(ErrorCode::BadRequest, &err.to_string(), &request_id);
        }
        Err(_) => {
            tracing::info!(
                timeout_secs = limits.timeout.as_secs(),
                "request refused: its body did not arrive in time"
            );
            return error_response_with(
                StatusCode::REQUEST_TIMEOUT,
                ErrorCode::BadRequest,
                &format!(
                    "request body not received within {} s",
                    limits.timeout.as_secs()
                ),
                &request_id,
            );
        }
    };
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// The body's bytes, or why there are none.
async fn collect(body: axum::body::Body, max_bytes: usize) -> Result<Vec<u8>, BodyError> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(BodyError::Read)?;
        if bytes.len() + chunk.len() > max_bytes {
            return Err(BodyError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Gives every error response the GraphQL error shape, whatever the route, so that clients
/// parse one shape for every failure. The gateway's own handlers build it already
/// ([`error_response`]); this catches what axum and tower answer themselves: an unknown
/// route (404), a wrong method (405), an extractor's rejection of a query string, form or JSON
/// body (plain text, kept as the message), the request timeout (an empty 408).
async fn json_errors(
    Extension(RequestId(request_id)): Extension<RequestId>,
    req: Request,
    next: Next,
) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with(GRAPHQL_RESPONSE));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // A client error's text describes the client's input; a server error's could describe
    // ours, so it is not passed on.
    let text = if status.is_client_error() {
        axum::body::to_bytes(body, 1024)
            .await
            .ok()
            .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
            .filter(|text| !text.trim().is_empty())
    } else {
        None
    };
    let message =
        text.unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_lowercase());
    let code = ErrorCode::for_http_status(status.as_u16());
    let mut rewritten = error_response_with(status, code, &message, &request_id);
    // Other headers stay: `Allow` on a 405, CORS, the request id.
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    rewritten.headers_mut().extend(parts.headers);
    rewritten
}

fn cors(config: &Config) -> CorsLayer {
    let origins = &config.cors.allowed_origins;
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers(Any)
        .expose_headers([header::HeaderName::from_static("x-request-id")])
        .max_age(Duration::from_secs(600))
}

async fn attach_request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    req.extensions_mut().insert(RequestId(id));
    next.run(req).await
}

/// An error body in the GraphQL response format, so clients parse one shape for every failure,
/// answered with the HTTP status of its code ([`ErrorCode::http_status`]).
pub(crate) fn error_response(code: ErrorCode, message: &str, request_id: &str) -> Response {
    // Every code's status is a valid one (core's tests keep them within 400..600).
    let status =
        StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error_response_with(status, code, message, request_id)
}

/// [`error_response`] with a status more precise than its code's (a `BAD_REQUEST` that is a
/// 413, say), or the status axum or tower chose.
pub(crate) fn error_response_with(
    status: StatusCode,
    code: ErrorCode,
    message: &str,
    request_id: &str,
) -> Response {
    let code = code.as_str();
    let body = json!({
        "errors": [{ "message": message, "extensions": { "code": code, "requestId": request_id } }]
    });
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"partnergraph\""),
        );
    }
    response
}

/// Verifies a bearer token from the embedded issuer or a configured external one.
async fn verify(state: &AppState, token: &str) -> Result<(Principal, TokenRef), AuthError> {
    let directory = state.connectors.directory.as_ref();
    let at = |exp| chrono::DateTime::from_timestamp(exp, 0).unwrap_or_default();
    if state.oidc.claims_issuer(token) {
        let verified = state.oidc.verify(token).await?;
        let principal = crate::auth::resolve_external(directory, &state.writes, &verified).await?;
        let expires_at = at(verified.expires_at);
        return Ok((
            principal,
            TokenRef {
                id: verified.token_id,
                expires_at,
            },
        ));
    }
    if let Some(known) = state.principals.get(token, directory) {
        return Ok(known);
    }
    let version = directory.version();
    let claims = state.issuer.verify(token)?;
    let principal = resolve_principal(directory, &claims).await?;
    let resolved = (
        principal,
        TokenRef {
            id: claims.jti,
            expires_at: at(claims.exp),
        },
    );
    state
        .principals
        .remember(token, version, directory, &resolved);
    Ok(resolved)
}

async fn authenticate(
    State(state): State<Arc<AppState>>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    mut req: Request,
    next: Next,
) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let result = match token {
        None | Some("") => {
            // Only `signUp` may run without a token; the GraphQL handler enforces that once
            // it has parsed the request.
            req.extensions_mut().insert(Anonymous);
            return next.run(req).await;
        }
        Some(token) => verify(&state, token).await,
    };
    match result {
        Ok((principal, token)) => {
            if principal.impersonator.is_some() {
                let actor = Actor {
                    principal: &principal,
                    request_id: &request_id,
                };
                state.writes.audit_impersonated_request(actor).await;
            }
            req.extensions_mut().insert(token);
            req.extensions_mut().insert(principal);
            next.run(req).await
        }
        Err(err) => {
            let code = match err {
                AuthError::Store(_) | AuthError::Key(_) => {
                    tracing::error!(error = %err, "authentication failed on our side");
                    ErrorCode::UpstreamUnavailable
                }
                _ => {
                    tracing::info!(reason = %err, "request refused: not authenticated");
                    ErrorCode::Unauthenticated
                }
            };
            error_response(code, err.public_message(), &request_id)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn graphql(
    State(state): State<Arc<AppState>>,
    principal: Option<Extension<Principal>>,
    token: Option<Extension<TokenRef>>,
    anonymous: Option<Extension<Anonymous>>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    // `ConnectInfo` itself is no optional extractor; the extension it is read from is.
    peer: Option<Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    method: Method,
    headers: HeaderMap,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    // async-graphql reads a body of any other media type (or none) as JSON; GraphQL over HTTP
    // wants it refused, so that nothing runs on a guess.
    if method == Method::POST && !is_json_body(&headers) {
        return error_response_with(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::BadRequest,
            "a POST to /graphql must be sent as Content-Type: application/json",
            &request_id,
        );
    }
    let mut request = match request {
        Ok(request) => request.into_inner(),
        Err(GraphQLRejection(err)) => return rejection(err, &request_id),
    };
    let versions = state.versions();
    let kept = match (&principal, &state.responses, versions) {
        (Some(Extension(principal)), Some(responses), Some(versions)) => {
            crate::responses::Responses::key(principal, &request)
                .map(|key| (responses, key, versions))
        }
        _ => None,
    };
    if let Some((responses, key, versions)) = &kept {
        if let Some(body) = responses.get(key, *versions) {
            metrics::counter!("partnergraph_response_cache_hits_total").increment(1);
            return answer(StatusCode::OK, &headers, body);
        }
    }
    if let Err(error) = state.schema.check_document_length(&request) {
        return graphql_response(
            async_graphql::Response::from_errors(vec![error]),
            &headers,
            &request_id,
        );
    }
    // Parsed once, here: execution reuses the document the request now holds.
    let parsed = request
        .parsed_query()
        .map(|document| (is_sign_up_only(document), is_mutation(document)));
    let (principal, token) = match (principal, token, anonymous) {
        (Some(Extension(principal)), Some(Extension(token)), None) => (principal, token),
        _ if matches!(parsed, Ok((true, _))) => (Principal::anonymous(), TokenRef::none()),
        _ => {
            tracing::info!(reason = %AuthError::Missing, "request refused: not authenticated");
            return error_response(
                ErrorCode::Unauthenticated,
                AuthError::Missing.public_message(),
                &request_id,
            );
        }
    };
    let mutation = match parsed {
        Ok((_, mutation)) => mutation,
        Err(mut error) => {
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", ErrorCode::GraphqlParseFailed.as_str());
            return graphql_response(
                async_graphql::Response::from_errors(vec![error]),
                &headers,
                &request_id,
            );
        }
    };
    if method == Method::GET && mutation {
        return error_response_with(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::BadRequest,
            "mutations must be sent with POST",
            &request_id,
        );
    }
    let ctx = RequestContext {
        principal,
        request_id: request_id.clone(),
        token,
        client: peer.map(|Extension(axum::extract::ConnectInfo(addr))| addr.ip()),
    };
    let response = partnergraph_core::context::with_request_id(
        request_id.clone(),
        execute(
            &state.schema,
            request,
            &state.connectors,
            ctx,
            state.batching,
        ),
    )
    .await;
    if let Some((responses, key, versions)) = kept {
        let clean = !mutation && response.errors.is_empty() && response.extensions.is_empty();
        if clean && state.versions() == Some(versions) {
            if let Ok(body) = serde_json::to_vec(&response) {
                let body = axum::body::Bytes::from(body);
                responses.keep(key, body.clone(), versions);
                return answer(StatusCode::OK, &headers, body);
            }
        }
    }
    graphql_response(response, &headers, &request_id)
}

/// The media type of a GraphQL answer: `application/graphql-response+json` when the client
/// accepts it, `application/json` otherwise.
fn answer_type(headers: &HeaderMap) -> &'static str {
    let wants_graphql_response = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains(GRAPHQL_RESPONSE));
    if wants_graphql_response {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    }
}

/// A GraphQL answer's HTTP response.
fn answer(status: StatusCode, headers: &HeaderMap, body: impl Into<axum::body::Body>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, answer_type(headers))],
        body.into(),
    )
        .into_response()
}

/// Whether the request declares a JSON body (`application/json`, with any parameters).
fn is_json_body(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media_type| media_type.trim().eq_ignore_ascii_case("application/json"))
}

fn rejection(err: ParseRequestError, request_id: &str) -> Response {
    error_response(
        ErrorCode::BadRequest,
        &format!("malformed GraphQL request: {err}"),
        request_id,
    )
}

/// Whether every operation of the document is a mutation selecting only `signUp`: the one
/// thing a caller without a token may do.
fn is_sign_up_only(document: &ExecutableDocument) -> bool {
    use async_graphql::parser::types::Selection;
    document.fragments.is_empty()
        && document.operations.iter().all(|(_, op)| {
            op.node.ty == OperationType::Mutation
                && op.node.selection_set.node.items.iter().all(|item| {
                    matches!(&item.node, Selection::Field(f) if f.node.name.node == "signUp")
                })
        })
}

fn is_mutation(document: &ExecutableDocument) -> bool {
    document
        .operations
        .iter()
        .any(|(_, op)| op.node.ty != OperationType::Query)
}

/// Serialises a GraphQL response per the GraphQL-over-HTTP spec: with the
/// `application/graphql-response+json` media type, a request that failed before execution
/// (parse, validation, limits) is a 400; with plain `application/json` it stays a 200. Either
/// way such a response has no `data` entry, as the GraphQL spec asks of errors raised before
/// execution begins.
fn graphql_response(
    mut response: async_graphql::Response,
    headers: &HeaderMap,
    request_id: &str,
) -> Response {
    let request_error = !response.errors.is_empty()
        && response.data == async_graphql::Value::Null
        && response.errors.iter().all(|e| e.path.is_empty());
    for error in &mut response.errors {
        let ext = error.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            let code = if request_error {
                ErrorCode::GraphqlValidationFailed
            } else {
                ErrorCode::Internal
            };
            ext.set("code", code.as_str());
        }
        if ext.get("requestId").is_none() {
            ext.set("requestId", request_id);
        }
    }
    let wants_graphql_response = answer_type(headers) == GRAPHQL_RESPONSE;
    // A throttled caller is told when to come back in HTTP's own words too: clients and proxies
    // that never read the body honour `Retry-After`.
    let retry_after = response
        .errors
        .iter()
        .filter_map(|e| e.extensions.as_ref()?.get("retryAfter"))
        .filter_map(|v| match v {
            async_graphql::Value::Number(n) => n.as_u64(),
            _ => None,
        })
        .max();
    let throttled = request_error
        && response.errors.iter().all(|e| {
            e.extensions
                .as_ref()
                .and_then(|ext| ext.get("code"))
                .is_some_and(|code| {
                    *code == async_graphql::Value::from(ErrorCode::RateLimited.as_str())
                })
        });
    let status = if throttled {
        StatusCode::TOO_MANY_REQUESTS
    } else if request_error && wants_graphql_response {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = if request_error {
        // async-graphql's response always writes `data`.
        serde_json::to_vec(&RequestFailure {
            errors: &response.errors,
            extensions: &response.extensions,
        })
    } else {
        serde_json::to_vec(&response)
    };
    match body {
        Ok(body) => {
            let mut response = answer(status, headers, body);
            if let Some(secs) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
        Err(err) => {
            tracing::error!(%err, "could not serialise a GraphQL response");
            error_response(ErrorCode::Internal, "internal error", request_id)
        }
    }
}

/// A GraphQL response to a request that failed before execution: errors, no `data` entry.
#[derive(serde::Serialize)]
struct RequestFailure<'a> {
    errors: &'a [async_graphql::ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

/// The process's Prometheus recorder, installed on first use (once per process: the `metrics`
/// facade has one global recorder).
pub(crate) fn prometheus() -> Option<&'static metrics_exporter_prometheus::PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<metrics_exporter_prometheus::PrometheusHandle>> =
        std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .install_recorder()
                .map_err(|e| tracing::warn!(error = %e, "no Prometheus recorder"))
                .ok()
        })
        .as_ref()
}

/// Prometheus metrics: GraphQL requests by operation and outcome; upstream requests by
/// upstream, endpoint and status with their latency; cache hits, misses, coalesced and stale
/// reads; circuit states; the Salesforce org's API budget.
async fn metrics() -> Response {
    match prometheus() {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match state.connectors.directory.ping().await {
        Ok(()) => Json(json!({ "status": "ready" })).into_response(),
        Err(err) => {
            tracing::warn!(%err, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable" })),
            )
                .into_response()
        }
    }
}
