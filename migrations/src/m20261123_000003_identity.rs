//! The identity tables, each a key and a JSON record:
//! - `revoked_tokens`: withdrawn tokens and used single-use ids (Salesforce launches), checked
//!   until the token would have expired anyway;
//! - `identities`: sign-in identities of the embedded store (email, argon2id hash, user);
//! - `activation_tokens`: activation links by the SHA-256 of their token.

use crate::statements::{drop_tables, record_table};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000003_identity"
    }
}

const TABLES: [&str; 3] = ["revoked_tokens", "identities", "activation_tokens"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager.create_table(record_table(table)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, TABLES.into_iter().rev()).await
    }
}
