//! Customer lists narrowed in SQL: `customers.expires_on` (the latest active term end, ISO
//! date) and `customers.status`, indexed with the channel column each scope starts from.
//!
//! A distributor with tens of thousands of customers asking for one week's renewals used to
//! read its whole scope for every page; with these columns the store reads only the customers
//! whose term ends in the window. Existing rows are filled from their JSON record.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000004_customer_terms"
    }
}

const COLUMNS: [&str; 2] = ["expires_on", "status"];

/// (index name, columns): each scope's channel column, then the term end a renewals page
/// ranges over.
const INDEXES: [(&str, [&str; 2]); 2] = [
    (
        "ix_customers_distributor_expires",
        ["distributor_id", "expires_on"],
    ),
    ("ix_customers_partner_expires", ["partner_id", "expires_on"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("customers"))
                        .add_column(ColumnDef::new(Alias::new(column)).string().null())
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        let backfill = match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                "UPDATE customers SET expires_on = doc::jsonb ->> 'expires_on', \
                 status = doc::jsonb ->> 'status'"
            }
            _ => {
                "UPDATE customers SET expires_on = json_extract(doc, '$.expires_on'), \
                 status = json_extract(doc, '$.status')"
            }
        };
        db.execute_unprepared(backfill).await?;
        for (name, columns) in INDEXES {
            let mut index = Index::create();
            index
                .name(name)
                .table(Alias::new("customers"))
                .if_not_exists();
            for column in columns {
                index.col(Alias::new(column));
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(Alias::new("customers"))
                        .to_owned(),
                )
                .await?;
        }
        for column in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("customers"))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
