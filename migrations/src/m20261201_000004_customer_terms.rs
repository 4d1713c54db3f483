//! Customer lists narrowed in SQL: `customers.expires_on` (the latest active term end, ISO
//! date) and `customers.status`, indexed with the channel column each scope starts from.
//!
//! A distributor with tens of thousands of customers asking for one week's renewals used to
//! read its whole scope for every page; with these columns the store reads only the customers
//! whose term ends in the window. Existing rows are filled from their JSON record.

use crate::statements::{add_column, create_index, drop_column, drop_index, execute_per_backend};
use sea_orm_migration::prelude::*;

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
        for column in COLUMNS {
            add_column(manager, "customers", column).await?;
        }
        execute_per_backend(
            manager,
            "UPDATE customers SET expires_on = doc::jsonb ->> 'expires_on', \
             status = doc::jsonb ->> 'status'",
            "UPDATE customers SET expires_on = json_extract(doc, '$.expires_on'), \
             status = json_extract(doc, '$.status')",
        )
        .await?;
        for (name, columns) in INDEXES {
            create_index(manager, name, "customers", &columns, false).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            drop_index(manager, name, "customers").await?;
        }
        for column in COLUMNS {
            drop_column(manager, "customers", column).await?;
        }
        Ok(())
    }
}
