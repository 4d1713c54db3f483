//! partnergraph-server: the gateway process.
//!
//! This is the only crate that knows HTTP routing, configuration files and concrete connectors:
//! it picks a connector for each capability (`connectors`), builds the GraphQL schema over them
//! and serves it ([`Gateway`], built with [`Gateway::builder`]).
//!
//! The `testing` feature adds seams that let the tests crate and the benchmark look behind the
//! API (the gateway's store, its cache); production builds leave it off.

mod app;
pub mod auth;
pub mod config;
mod connectors;
mod gateway;
mod graphiql;
mod identity;
mod launch;
pub mod oidc;
mod responses;
pub mod telemetry;
mod web;

pub use config::{AuthConfig, Config, CorsConfig, DatabaseConfig, LimitsConfig, LogConfig};
pub use gateway::{Gateway, GatewayBuilder};

use auth::AuthError;
use partnergraph_local::LocalError;

/// mimalloc rather than the system allocator, for every binary that runs the gateway (the
/// `partnergraph` command, the benchmark, the end-to-end tests): a GraphQL response is
/// thousands of small allocations made on one worker thread and often freed on another, which
/// glibc's allocator handles slowly (an eighth of a warm dashboard's CPU went to its free lists).
/// Built without transparent huge pages (`no_thp`): cached records live for minutes scattered
/// across the heap, and a huge page stays resident, all 2 MiB of it, while any of them is alive
/// (30 MB of a full 64 MB cache's resident set went to that).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Why the gateway could not start or do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration is invalid.
    #[error("configuration: {0}")]
    Config(#[from] Box<figment::Error>),
    /// The local store failed.
    #[error("store: {0}")]
    Store(#[from] LocalError),
    /// Token issuing failed.
    #[error("auth: {0}")]
    Auth(#[from] AuthError),
    /// A directory lookup failed.
    #[error(transparent)]
    Core(#[from] partnergraph_core::Error),
    /// The data directory or the listener failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// The configuration is inconsistent.
    #[error("configuration: {0}")]
    Inconsistent(&'static str),
    /// Logging or trace export could not start.
    #[error("telemetry: {0}")]
    Telemetry(#[from] crate::telemetry::TelemetryError),
    /// No user has this email.
    #[error("no user with email {0}")]
    UnknownUser(String),
}

/// The GraphQL schema in SDL, as committed in `schema.graphql`.
pub fn schema_sdl() -> String {
    partnergraph_graphql::sdl()
}
