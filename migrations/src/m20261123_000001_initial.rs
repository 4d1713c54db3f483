//! The initial schema: one table per record kind.

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
            let mut create = Table::create();
            create
                .table(Alias::new(*table))
                .if_not_exists()
                .col(
                    ColumnDef::new(Alias::new("id"))
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Alias::new("doc")).text().not_null());
            for column in *columns {
                create.col(ColumnDef::new(Alias::new(*column)).string().null());
            }
            manager.create_table(create).await?;
            for column in *columns {
                let mut index = Index::create();
                index
                    .name(format!("ix_{table}_{column}"))
                    .table(Alias::new(*table))
                    .col(Alias::new(*column))
                    .if_not_exists();
                if *table == "users" && *column == "email_lower" {
                    index.unique();
                }
                manager.create_index(index).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, _) in TABLES.iter().rev() {
            manager
                .drop_table(
                    Table::drop()
                        .table(Alias::new(*table))
                        .if_exists()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
