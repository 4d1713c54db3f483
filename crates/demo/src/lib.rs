//! partnergraph-demo: the demo world, generated.
//!
//! One deterministic channel of distributors, partners and customers with all their billing,
//! CRM and directory records, as core's domain values ([`DemoData`]), so that every store seeds
//! the same world: the local store for `serve --demo`, and the Zuora and Salesforce sandboxes,
//! whose records must line up with the directory's external ids. Dates are relative to `today`,
//! so "overdue" and "expires soon" stay meaningful whenever the demo runs.
//!
//! Its own crate because only the gateway binary, the sandboxes, the benchmark and the tests
//! generate worlds; the connectors only take one ([`DemoData`] stays in core for them).
//!
//! - [`generate`]: the documented demo world (`world`, with the records of each kind made by
//!   `parties`, `catalog`, `billing` and `activity`, and the cast in `cast`).
//! - [`generate_with_load`]: the benchmark's larger world (`load`).
//! - [`billing_id`], [`crm_id`], [`salesforce_id_suffix`]: ids in the real systems' shapes.

mod activity;
mod billing;
mod cast;
mod catalog;
mod ids;
mod load;
mod parties;
mod world;

#[cfg(test)]
mod tests;

pub use cast::{PERSONAS, PERSONA_PASSWORD};
pub use ids::{billing_id, crm_id, salesforce_id_suffix};
pub use load::{generate_with_load, LOAD_ADMIN, LOAD_DISTRIBUTOR};
pub use partnergraph_core::demo::DemoData;
pub use world::generate;
