//! GraphQL requests as metrics: counted by operation name and outcome, timed by operation.
//!
//! An extension rather than the HTTP handler does it because only execution knows which
//! operation of the document ran (a client need not send `operationName`).

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextRequest,
};
use async_graphql::Response;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

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
        // GraphQL names are short `[_A-Za-z][_0-9A-Za-z]*`; the cut keeps a client from
        // bloating the metrics with huge ones.
        *self
            .operation
            .lock()
            .unwrap_or_else(PoisonError::into_inner) =
            operation_name.map(|name| name.chars().take(64).collect());
        next.run(ctx, operation_name).await
    }
}
