//! partnergraph-sandbox: local stand-ins for partnergraph's upstreams, faithful to their wire
//! formats, so that connectors are proven against something real-shaped without the real
//! thing, and so tests and benchmarks can count upstream calls.

pub mod control;
mod indexed;
pub mod salesforce;
pub mod zuora;
