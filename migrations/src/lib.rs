//! Database migrations of the local store, for SQLite and PostgreSQL.
//!
//! Every table holds one kind of domain record: the indexed columns the store filters on (ids,
//! owning accounts, the channel hierarchy, login emails) plus `doc`, the record itself as JSON.
//! Lists are filtered and ordered by the store after one scoped query, so adding a field to a
//! record needs no migration; a column is added only when the store must look rows up by it, or
//! narrow a large list by it in SQL (customers' term ends, for renewals pages).

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_initial;
mod m20261123_000002_operations;
mod m20261123_000003_identity;
mod m20261201_000004_customer_terms;
mod m20261207_000005_profile_owners;
mod statements;

/// Runs partnergraph's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_initial::Migration),
            Box::new(m20261123_000002_operations::Migration),
            Box::new(m20261123_000003_identity::Migration),
            Box::new(m20261201_000004_customer_terms::Migration),
            Box::new(m20261207_000005_profile_owners::Migration),
        ]
    }
}
