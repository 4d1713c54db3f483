//! GraphQL requests as metrics (counted by operation name and outcome, timed by operation) and
//! as trace spans (the operation, and the fields whose resolvers await loads).
//!
//! Extensions rather than the HTTP handler do it because only execution knows which operation
//! of the document ran (a client need not send `operationName`) and which fields resolve.

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextRequest, NextResolve,
    ResolveInfo,
};
use async_graphql::registry::MetaTypeName;
use async_graphql::{Response, ServerResult, Value};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;
use tracing::Instrument;

/// Installs [`RequestMetricsExtension`] on every request.
pub(crate) struct RequestMetrics;

impl ExtensionFactory for RequestMetrics {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestMetricsExtension::default())
    }
}

#[derive(Default)]
pub(crate) struct RequestMetricsExtension {
    /// The operation that ran, once execution has started.
    operation: Mutex<Option<String>>,
}

#[async_trait::async_trait]
impl Extension for RequestMetricsExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let response = next.run(ctx).await;
        let outcome = match (response.errors.is_empty(), &response.data) {
            (true, _) => "ok",
            (false, async_graphql::Value::Null) => "error",
            (false, _) => "partial",
        };
        let operation = self
            .operation
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            // Documents that failed before execution (parse, validation, limits) ran nothing.
            .unwrap_or_else(|| "anonymous".to_owned());
        metrics::counter!("partnergraph_graphql_requests_total", "operation" => operation.clone(), "outcome" => outcome)
            .increment(1);
        metrics::histogram!("partnergraph_graphql_request_duration_seconds", "operation" => operation)
            .record(started.elapsed().as_secs_f64());
        response
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        *self
            .operation
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = operation_name.map(label);
        next.run(ctx, operation_name).await
    }
}

/// An operation name as a metric label or span name. GraphQL names are short
/// (`[_A-Za-z][_0-9A-Za-z]*`); the cut keeps a client from bloating either with huge ones.
fn label(name: &str) -> String {
    name.chars().take(64).collect()
}

/// Installs [`SpansExtension`] on every request.
pub(crate) struct Spans;

impl ExtensionFactory for Spans {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SpansExtension)
    }
}

/// A span for the operation and one per field returning an object or a list of objects: those
/// resolvers are where loads are awaited. Scalar and enum fields read what their parent already
/// holds, so a span each would only multiply a page's spans by its columns. Unlike
/// async-graphql's own `Tracing` extension, the document and its variables (customer data) are
/// not recorded.
pub(crate) struct SpansExtension;

#[async_trait::async_trait]
impl Extension for SpansExtension {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let name = label(operation_name.unwrap_or("anonymous"));
        let span = tracing::info_span!(
            target: "partnergraph::graphql",
            "graphql operation",
            otel.name = format!("graphql {name}"),
            graphql.operation.name = %name,
        );
        next.run(ctx, operation_name).instrument(span).await
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let leaf = ctx
            .schema_env
            .registry
            .types
            .get(MetaTypeName::concrete_typename(info.return_type))
            .is_some_and(async_graphql::registry::MetaType::is_leaf);
        if leaf || info.is_for_introspection {
            return next.run(ctx, info).await;
        }
        let span = tracing::info_span!(
            target: "partnergraph::graphql",
            "graphql field",
            otel.name = format!("{}.{}", info.parent_type, info.name),
            graphql.field.path = %info.path_node,
        );
        next.run(ctx, info).instrument(span).await
    }
}
