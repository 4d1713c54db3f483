//! partnergraph-core: the domain of partner and customer portals, independent of transport.
//!
//! Everything here is shared vocabulary between the GraphQL layer, the server and the
//! connectors. It deliberately knows nothing of HTTP, SQL or GraphQL, so that a connector can be
//! swapped (local store, Zuora, Salesforce) without touching the API, and so that authorization
//! ([`Scope`]) is decided in exactly one place.

pub mod code;
pub mod context;
pub mod demo;
pub mod error;
pub mod filter;
pub mod ids;
pub mod model;
pub mod paging;
pub mod permission;
pub mod policy;
pub mod principal;
pub mod retry;
pub mod throttle;
pub mod traits;
pub mod write;

pub use code::ErrorCode;
pub use error::{Error, Result, UpstreamError};
pub use ids::{GlobalId, NodeKind};
pub use principal::{Principal, Scope, Tenant};
