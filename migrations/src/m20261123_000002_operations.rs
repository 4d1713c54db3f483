//! The operation journal: idempotency records and saga progress of writes.

use crate::statements::{create_index, drop_tables, record_table};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000002_operations"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // `id` is the caller-scoped idempotency key: its uniqueness is what makes exactly one
        // of many concurrent calls with one key run.
        let mut operations = record_table("operations");
        operations.col(ColumnDef::new(Alias::new("status")).string().not_null());
        manager.create_table(operations).await?;
        create_index(
            manager,
            "ix_operations_status",
            "operations",
            &["status"],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, ["operations"]).await
    }
}
