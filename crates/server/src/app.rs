//! The axum application: routes, tower layers, authentication and GraphQL over HTTP.

use crate::auth::{resolve_principal, AuthError, TokenIssuer};
use crate::config::Config;
use async_graphql::parser::types::OperationType;
use async_graphql::ParseRequestError;
use async_graphql_axum::{rejection::GraphQLRejection, GraphQLRequest};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use partnergraph_core::traits::Connectors;
use partnergraph_core::write::Actor;
use partnergraph_core::Principal;
use partnergraph_graphql::{execute, PartnerSchema, RequestContext, TokenRef};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
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
    pub(crate) graphiql: String,
    pub(crate) launch: Vec<crate::config::SalesforceOrgConfig>,
    pub(crate) identities: Arc<dyn partnergraph_core::write::IdentityProvider>,
    pub(crate) login_limits: crate::identity::LoginLimits,
    pub(crate) oidc: crate::oidc::OidcVerifier,
    pub(crate) batching: partnergraph_graphql::Batching,
}

/// Marks a request that came without a bearer token.
#[derive(Clone, Copy)]
struct Anonymous;

/// The request id set by the request-id layer, for correlating client errors with logs.
#[derive(Clone)]
pub(crate) struct RequestId(pub(crate) String);

/// The full router with its middleware stack.
pub(crate) fn router(state: Arc<AppState>, config: &Config) -> Router {
    let graphql = Router::new()
        .route("/graphql", get(graphql).post(graphql))
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate));
    Router::new()
        .merge(graphql)
        .route("/graphiql", get(graphiql))
        .route("/launch/salesforce", get(crate::launch::launch))
        .route("/launch/salesforce/canvas", post(crate::launch::canvas))
        .route("/auth/login", post(crate::identity::login))
        .route("/auth/activate", get(crate::identity::activate))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/readyz", get(readyz))
        .with_state(state)
        .layer(middleware::from_fn(attach_request_id))
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
                .layer(RequestBodyLimitLayer::new(config.limits.max_body_bytes))
                // CORS answers preflights itself, so it sits inside the body limit, whose
                // response type it could not build.
                .layer(cors(config))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(config.limits.request_timeout_secs),
                ))
                .layer(GlobalConcurrencyLimitLayer::new(
                    config.limits.max_concurrent_requests,
                )),
        )
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

/// An error body in the GraphQL response format, so clients parse one shape for every failure.
pub(crate) fn error_response(
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
) -> Response {
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
    let (principal, id, exp) = if state.oidc.claims_issuer(token) {
        let verified = state.oidc.verify(token).await?;
        let principal = crate::auth::resolve_external(directory, &state.writes, &verified).await?;
        (principal, verified.token_id, verified.expires_at)
    } else {
        let claims = state.issuer.verify(token)?;
        (
            resolve_principal(directory, &claims).await?,
            claims.jti,
            claims.exp,
        )
    };
    let expires_at = chrono::DateTime::from_timestamp(exp, 0).unwrap_or_default();
    Ok((principal, TokenRef { id, expires_at }))
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
            let (status, code) = match err {
                AuthError::Store(_) | AuthError::Key(_) => {
                    tracing::error!(error = %err, "authentication failed on our side");
                    (StatusCode::SERVICE_UNAVAILABLE, "UPSTREAM_UNAVAILABLE")
                }
                _ => {
                    tracing::info!(reason = %err, "request refused: not authenticated");
                    (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED")
                }
            };
            error_response(status, code, err.public_message(), &request_id)
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
    peer: Option<Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    method: Method,
    headers: HeaderMap,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    let request = match request {
        Ok(request) => request.into_inner(),
        Err(GraphQLRejection(err)) => return rejection(err, &request_id),
    };
    let (principal, token) = match (principal, token, anonymous) {
        (Some(Extension(principal)), Some(Extension(token)), None) => (principal, token),
        _ if is_sign_up_only(&request) => (Principal::anonymous(), TokenRef::none()),
        _ => {
            tracing::info!(reason = %AuthError::Missing, "request refused: not authenticated");
            return error_response(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                AuthError::Missing.public_message(),
                &request_id,
            );
        }
    };
    if method == Method::GET && is_mutation(&request) {
        return error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_REQUEST",
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
    graphql_response(response, &headers, &request_id)
}

fn rejection(err: ParseRequestError, request_id: &str) -> Response {
    let text = err.to_string();
    // The extractor turns body-stream errors into strings, so an over-long chunked body can only
    // be recognised by its message; bodies with a Content-Length are refused earlier with 413.
    if text.contains("length limit") {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "BAD_REQUEST",
            "request body too large",
            request_id,
        );
    }
    error_response(
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
        &format!("malformed GraphQL request: {text}"),
        request_id,
    )
}

/// Whether every operation of the document is a mutation selecting only `signUp`: the one
/// thing a caller without a token may do.
fn is_sign_up_only(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::Selection;
    async_graphql::parser::parse_query(&request.query).is_ok_and(|doc| {
        doc.fragments.is_empty()
            && doc.operations.iter().all(|(_, op)| {
                op.node.ty == OperationType::Mutation
                    && op.node.selection_set.node.items.iter().all(|item| {
                        matches!(&item.node, Selection::Field(f) if f.node.name.node == "signUp")
                    })
            })
    })
}

fn is_mutation(request: &async_graphql::Request) -> bool {
    async_graphql::parser::parse_query(&request.query).is_ok_and(|doc| {
        doc.operations
            .iter()
            .any(|(_, op)| op.node.ty != OperationType::Query)
    })
}

/// Serialises a GraphQL response per the GraphQL-over-HTTP spec: with the
/// `application/graphql-response+json` media type, a request that failed before execution
/// (parse, validation, limits) is a 400; with plain `application/json` it stays a 200.
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
                "GRAPHQL_VALIDATION_FAILED"
            } else {
                "INTERNAL"
            };
            ext.set("code", code);
        }
        if ext.get("requestId").is_none() {
            ext.set("requestId", request_id);
        }
    }
    let wants_graphql_response = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains(GRAPHQL_RESPONSE));
    let (status, content_type) = if wants_graphql_response {
        let status = if request_error {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        (status, GRAPHQL_RESPONSE)
    } else {
        (StatusCode::OK, "application/json")
    };
    match serde_json::to_vec(&response) {
        Ok(body) => (status, [(header::CONTENT_TYPE, content_type)], body).into_response(),
        Err(err) => {
            tracing::error!(%err, "could not serialise a GraphQL response");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
                request_id,
            )
        }
    }
}

async fn graphiql(State(state): State<Arc<AppState>>) -> Html<String> {
    Html(state.graphiql.clone())
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
