//! The initial schema: one table per record kind.

use crate::statements::{create_index, drop_tables, lookup_column, record_table};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000001_initial"
    }
}

/// (table, indexed lookup columns)
const TABLES: &[(&str, &[&str])] = &[
    ("organizations", &["parent_id", "billing_id", "crm_id"]),
    (
        "customers",
        &["partner_id", "distributor_id", "billing_id", "crm_id"],
    ),
    (
        "users",
        &["email_lower", "membership_kind", "membership_id"],
    ),
    ("profiles", &[]),
    ("offers", &[]),
    ("billing_accounts", &["account_number"]),
    ("subscriptions", &["account_id"]),
    ("invoices", &["account_id"]),
    ("payments", &["account_id"]),
    ("payment_methods", &["account_id"]),
    ("crm_accounts", &[]),
    ("contacts", &["account_id"]),
    ("cases", &["account_id"]),
    ("audit_events", &["org_id", "customer_id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, columns) in TABLES {
            let mut create = record_table(table);
            for column in *columns {
                create.col(lookup_column(column));
            }
            manager.create_table(create).await?;
            for column in *columns {
                let unique = *table == "users" && *column == "email_lower";
                let name = format!("ix_{table}_{column}");
                create_index(manager, &name, table, &[column], unique).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables: Vec<&str> = TABLES.iter().rev().map(|(table, _)| *table).collect();
        drop_tables(manager, tables).await
    }
}
