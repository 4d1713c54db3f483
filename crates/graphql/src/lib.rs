//! partnergraph-graphql: the GraphQL API over core's capability traits.
//!
//! Resolvers know connectors only as `dyn Directory`, `dyn Billing`, `dyn Crm` and `dyn Catalog`.
//! Every relationship goes through the per-request [`DataLoader`] in [`loaders`], so a page
//! costs one connector call per relationship, not one per row. Visibility is decided by core's
//! [`Scope`] on every record a resolver returns; permissions by [`Principal::require`].

mod error;
mod inputs;
mod limits;
mod loaders;
mod objects;
mod paging;
mod query;

pub use limits::Limits;
pub use query::QueryRoot;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptyMutation, EmptySubscription, Schema};
use partnergraph_core::traits::Connectors;
use partnergraph_core::{Principal, Scope};

/// The schema the server executes.
pub type PartnerSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// Who is asking, for one request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The authenticated caller.
    pub principal: Principal,
    /// The request id, echoed in errors and logs.
    pub request_id: String,
}

/// How long a DataLoader collects keys before it calls the connector. Sibling resolvers of a
/// page register their keys within microseconds in release builds; the window is wide enough
/// that a busy two-core machine running debug builds still sees one batch per level, and short
/// enough to stay invisible next to an upstream round trip.
const BATCH_WINDOW: std::time::Duration = std::time::Duration::from_millis(5);

/// Everything a resolver needs, attached to each request by [`prepare_request`].
pub(crate) struct Req {
    pub principal: Principal,
    pub scope: Scope,
    pub request_id: String,
    pub connectors: Connectors,
    pub loader: DataLoader<loaders::Batch, async_graphql::dataloader::HashMapCache>,
}

/// Builds the schema with its query limits.
pub fn build_schema(connectors: Connectors, limits: Limits) -> PartnerSchema {
    limits
        .apply(Schema::build(QueryRoot, EmptyMutation, EmptySubscription))
        .data(connectors)
        .finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(QueryRoot, EmptyMutation, EmptySubscription)
        .finish()
        .sdl()
}

/// Attaches the caller and fresh DataLoaders to a request. Loaders live for one request only:
/// they batch within it and never serve one caller's records to another.
pub fn prepare_request(
    request: async_graphql::Request,
    connectors: &Connectors,
    ctx: RequestContext,
) -> async_graphql::Request {
    let loader = DataLoader::with_cache(
        loaders::Batch::new(connectors.clone()),
        tokio::spawn,
        async_graphql::dataloader::HashMapCache::default(),
    )
    .delay(BATCH_WINDOW);
    request.data(Req {
        scope: ctx.principal.scope(),
        principal: ctx.principal,
        request_id: ctx.request_id,
        connectors: connectors.clone(),
        loader,
    })
}
