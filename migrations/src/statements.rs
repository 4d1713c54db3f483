//! The few statement shapes every migration is made of: a record table (`id` and a JSON
//! `doc`), a nullable lookup column, an index, and SQL written per backend.
//!
//! A migration once applied must keep doing exactly what it did, so these helpers only name
//! what the migrations spelled out before: each builds the statement the migrations built by
//! hand, column for column. Change one only together with a new migration, never to alter an
//! old one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

/// `CREATE TABLE IF NOT EXISTS name (id, doc)`: a record by its key, the record as JSON. Add
/// the table's lookup columns with `.col(…)` before creating it.
pub(crate) fn record_table(name: &str) -> TableCreateStatement {
    Table::create()
        .table(Alias::new(name))
        .if_not_exists()
        .col(
            ColumnDef::new(Alias::new("id"))
                .string()
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new(Alias::new("doc")).text().not_null())
        .to_owned()
}

/// A nullable string column the store looks rows up by.
pub(crate) fn lookup_column(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name)).string().null().to_owned()
}

/// Drops each of `tables` if it exists, in the order given.
pub(crate) async fn drop_tables<'a>(
    manager: &SchemaManager<'_>,
    tables: impl IntoIterator<Item = &'a str>,
) -> Result<(), DbErr> {
    for table in tables {
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new(table))
                    .if_exists()
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}

/// `CREATE [UNIQUE] INDEX IF NOT EXISTS name ON table (columns…)`.
pub(crate) async fn create_index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: &str,
    columns: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(Alias::new(table)).if_not_exists();
    for column in columns {
        index.col(Alias::new(*column));
    }
    if unique {
        index.unique();
    }
    manager.create_index(index).await
}

/// `DROP INDEX name` (on `table`, which MySQL-style backends need named).
pub(crate) async fn drop_index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: &str,
) -> Result<(), DbErr> {
    manager
        .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
        .await
}

/// Adds the nullable lookup `column` to `table` (one column per statement: SQLite adds one per
/// `ALTER TABLE`).
pub(crate) async fn add_column(
    manager: &SchemaManager<'_>,
    table: &str,
    column: &str,
) -> Result<(), DbErr> {
    alter_table(manager, table, |alter| {
        alter.add_column(lookup_column(column))
    })
    .await
}

/// Drops `column` from `table`.
pub(crate) async fn drop_column(
    manager: &SchemaManager<'_>,
    table: &str,
    column: &str,
) -> Result<(), DbErr> {
    alter_table(manager, table, |alter| {
        alter.drop_column(Alias::new(column))
    })
    .await
}

/// `ALTER TABLE table` with the one change `change` makes: a change per statement, as SQLite
/// requires.
async fn alter_table(
    manager: &SchemaManager<'_>,
    table: &str,
    change: impl FnOnce(&mut TableAlterStatement) -> &mut TableAlterStatement,
) -> Result<(), DbErr> {
    let mut alter = Table::alter();
    alter.table(Alias::new(table));
    change(&mut alter);
    manager.alter_table(alter).await
}

/// Runs `postgres` on PostgreSQL and `sqlite` on any other backend: JSON is read differently
/// (`doc::jsonb ->> 'field'` against `json_extract(doc, '$.field')`).
pub(crate) async fn execute_per_backend(
    manager: &SchemaManager<'_>,
    postgres: &str,
    sqlite: &str,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let sql = match db.get_database_backend() {
        DatabaseBackend::Postgres => postgres,
        _ => sqlite,
    };
    db.execute_unprepared(sql).await?;
    Ok(())
}
