//! GraphQL requests as metrics (counted by operation name and outcome, timed by operation) and
//! as trace spans (the operation, and the fields whose resolvers await loads).
//!
//! Metrics are recorded by [`crate::execute`] around the whole request, from the operation the
//! parsed document selects (a client need not send `operationName`). Spans are an extension,
//! installed only when traces are exported: an extension puts every field of a response
//! through its chain, which is the point for spans and pure overhead otherwise.

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextResolve, ResolveInfo,
};
use async_graphql::registry::MetaTypeName;
use async_graphql::{Response, ServerResult, Value};
use std::collections::HashSet;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;
use tracing::Instrument;

/// How many distinct operation names the request metrics keep apart; requests of later names
/// are counted as [`OVERFLOW`]. Clients choose operation names, and every distinct name is a
/// time series held for the life of the process and sent on every scrape, so without a
/// ceiling a client could grow both without bound. Portals use a few dozen operations.
const MAX_OPERATION_LABELS: usize = 256;

/// The label of operations past [`MAX_OPERATION_LABELS`]: not a GraphQL name, so no operation
/// can be mistaken for it.
const OVERFLOW: &str = "(other)";

/// The label of every request without a token (only `signUp` documents get that far): names
/// chosen by callers nobody knows get no series of their own.
const UNAUTHENTICATED: &str = "(unauthenticated)";

/// The operation names one schema's metrics have counted so far (at most
/// [`MAX_OPERATION_LABELS`]).
#[derive(Default)]
pub(crate) struct OperationLabels(RwLock<HashSet<String>>);

impl OperationLabels {
    /// The label to count an operation under: its name (`anonymous` when it has none) while
    /// names are within the ceiling or already counted, [`OVERFLOW`] after;
    /// [`UNAUTHENTICATED`] for a caller without a token, whatever it names.
    fn label(&self, operation: Option<&str>, authenticated: bool) -> String {
        if !authenticated {
            return UNAUTHENTICATED.to_owned();
        }
        let name = label(operation.unwrap_or("anonymous"));
        // A panic while inserting cannot leave the set half-written; keep counting.
        {
            let seen = self.0.read().unwrap_or_else(PoisonError::into_inner);
            if seen.contains(&name) {
                return name;
            }
            if seen.len() >= MAX_OPERATION_LABELS {
                return OVERFLOW.to_owned();
            }
        }
        let mut seen = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if seen.contains(&name) || seen.len() < MAX_OPERATION_LABELS {
            seen.insert(name.clone());
            name
        } else {
            OVERFLOW.to_owned()
        }
    }
}

/// Counts a finished request by the operation its document selected (`anonymous` when it
/// names none, or failed to parse) and its outcome, and times it.
pub(crate) fn record_request(
    labels: &OperationLabels,
    operation: Option<&str>,
    authenticated: bool,
    response: &Response,
    started: Instant,
) {
    let outcome = match (response.errors.is_empty(), &response.data) {
        (true, _) => "ok",
        (false, Value::Null) => "error",
        (false, _) => "partial",
    };
    let operation = labels.label(operation, authenticated);
    metrics::counter!("partnergraph_graphql_requests_total", "operation" => operation.clone(), "outcome" => outcome)
        .increment(1);
    metrics::histogram!("partnergraph_graphql_request_duration_seconds", "operation" => operation)
        .record(started.elapsed().as_secs_f64());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_past_the_ceiling_are_counted_as_other_and_earlier_ones_keep_theirs() {
        let labels = OperationLabels::default();
        let named = |name: Option<&str>| labels.label(name, true);
        assert_eq!(named(None), "anonymous");
        for i in 1..MAX_OPERATION_LABELS {
            assert_eq!(named(Some(&format!("Op{i}"))), format!("Op{i}"));
        }
        assert_eq!(named(Some("Late")), OVERFLOW);
        assert_eq!(named(Some("Op1")), "Op1", "counted before the ceiling");
        assert_eq!(named(None), "anonymous");
        assert_eq!(named(Some(&"L".repeat(100))), OVERFLOW);
    }

    #[test]
    fn callers_without_a_token_share_one_label_and_take_no_slot() {
        let labels = OperationLabels::default();
        for i in 0..MAX_OPERATION_LABELS {
            assert_eq!(
                labels.label(Some(&format!("Junk{i}")), false),
                UNAUTHENTICATED
            );
        }
        assert_eq!(labels.label(Some("Dashboard"), true), "Dashboard");
    }
}
