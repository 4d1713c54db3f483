//! Profiles get owners. The record says who owns it (`owner`); `profiles.owner_org_id` repeats
//! the distributor or partner whose admin created a custom profile (null for built-in and
//! platform profiles), indexed, so that an organization's profiles can be found in SQL (by an
//! operator, or a store that lists profiles per organization) without decoding every record.
//!
//! Before this migration any admin could edit or give any custom profile. Existing custom
//! profiles cannot tell who created them, so they become the platform's: only platform admins
//! may edit or give them until a platform admin re-creates them for an organization. That
//! removes access rather than granting any (the safe default). Built-in profiles are marked as
//! such (the store restores them from the code after migrating anyway).

use crate::statements::{add_column, create_index, drop_column, drop_index, execute_per_backend};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000005_profile_owners"
    }
}

const COLUMN: &str = "owner_org_id";
const INDEX: &str = "ix_profiles_owner_org_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_column(manager, "profiles", COLUMN).await?;
        // The record's `built_in` flag becomes its `owner`; no stored profile has an
        // organization yet, so the new column stays null.
        execute_per_backend(
            manager,
            "UPDATE profiles SET doc = ((doc::jsonb - 'built_in') || jsonb_build_object('owner', \
             CASE WHEN COALESCE((doc::jsonb ->> 'built_in')::boolean, false) \
             THEN 'BuiltIn' ELSE 'Platform' END))::text \
             WHERE doc::jsonb -> 'owner' IS NULL",
            "UPDATE profiles SET doc = json_set(json_remove(doc, '$.built_in'), '$.owner', \
             CASE WHEN COALESCE(json_extract(doc, '$.built_in'), 0) \
             THEN 'BuiltIn' ELSE 'Platform' END) \
             WHERE json_extract(doc, '$.owner') IS NULL",
        )
        .await?;
        create_index(manager, INDEX, "profiles", &[COLUMN], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_index(manager, INDEX, "profiles").await?;
        // Records keep their owner; the code before this migration ignores it and reads
        // `built_in`, which is restored from it.
        execute_per_backend(
            manager,
            "UPDATE profiles SET doc = (doc::jsonb || jsonb_build_object('built_in', \
             doc::jsonb ->> 'owner' = 'BuiltIn'))::text",
            "UPDATE profiles SET doc = json_set(doc, '$.built_in', \
             json(CASE WHEN json_extract(doc, '$.owner') = 'BuiltIn' \
             THEN 'true' ELSE 'false' END))",
        )
        .await?;
        drop_column(manager, "profiles", COLUMN).await
    }
}
