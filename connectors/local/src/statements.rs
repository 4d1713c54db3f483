//! The statements every capability is built from: reading records by a condition or by keys,
//! inserting, upserting and deleting them, and listing them through core's [`select`].
//!
//! They are generic over [`Record`], so a capability module says which records and which
//! columns, never how a statement is built; [`local_impl!`] writes the reads that are nothing
//! but "the records whose column is one of these keys".

use crate::rows::{Record, Table};
use crate::{CoreResult, LocalError, LocalStore, Result};
use partnergraph_core::paging::{select, Listable, Order, Page, PageRequest};
use partnergraph_core::traits::AccountSet;
use sea_orm::sea_query::{Alias, Cond, Expr, OnConflict, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, Statement};

/// Keys per `IN (…)` list; larger batches are split, keeping each statement's bound parameters
/// far below SQLite's and PostgreSQL's limits.
pub(crate) const MAX_KEYS: usize = 500;
/// Rows per multi-row `INSERT` while seeding.
const INSERT_CHUNK: usize = 100;

/// Implements a core trait for [`LocalStore`]: first the reads of records by a key column
/// (`reads { method(&[Id]) -> Vec<Record> by "column"; … }`), then the lists of records
/// owned by upstream accounts (`account_lists { method(AccountId) -> Page<Record>; … }`, whose
/// filter and order are the record's [`Listable`] ones), then the methods that write to a
/// table the read cache remembers (`writes { async fn …  }`: each ends the cache's version when
/// it returns, see the `memo` module), then the trait's other methods (reads, and writes to
/// tables the cache leaves alone), written out. Every such read and list is the same statement
/// on another table, so it is written once here rather than once per record kind.
macro_rules! local_impl {
    (
        impl $trait:ident {
            reads {
                $($read:ident(&[$id:ty]) -> Vec<$record:ty> by $column:literal;)*
            }
            account_lists { $($list:ident($account:ident) -> Page<$listed:ident>;)* }
            writes {
                $(
                    async fn $write:ident(&$self:ident $(, $arg:ident: $arg_ty:ty)* $(,)?) -> $ret:ty
                    $body:block
                )*
            }
            $($method:tt)*
        }
    ) => {
        #[async_trait::async_trait]
        impl $trait for $crate::LocalStore {
            $(
                async fn $write(&$self $(, $arg: $arg_ty)*) -> $ret {
                    let _write = $self.writing();
                    $body
                }
            )*
            $(
                async fn $read(&self, ids: &[$id]) -> $crate::CoreResult<Vec<$record>> {
                    Ok(self.by_keys($column, &$crate::statements::strs(ids)).await?)
                }
            )*
            $(
                async fn $list(
                    &self,
                    accounts: &partnergraph_core::traits::AccountSet<$account>,
                    filter: &<$listed as partnergraph_core::paging::Listable>::Filter,
                    order: partnergraph_core::paging::Order<
                        <$listed as partnergraph_core::paging::Listable>::Field,
                    >,
                    page: &partnergraph_core::paging::PageRequest,
                ) -> $crate::CoreResult<partnergraph_core::paging::Page<$listed>> {
                    let condition = $crate::statements::account_condition(accounts);
                    self.list(condition, filter, order, page).await
                }
            )*
            $($method)*
        }
    };
}
pub(crate) use local_impl;

impl LocalStore {
    /// [`upsert`] of one record on the pool.
    pub(crate) async fn save<R: Record>(&self, record: &R) -> CoreResult<()> {
        Ok(upsert(&self.db, std::slice::from_ref(record)).await?)
    }

    /// Records of `R` matching `condition`, in one statement, or none when the read cache
    /// remembers what the same statement returned since the last write.
    pub(crate) async fn fetch<R: Record>(&self, condition: Cond) -> Result<Vec<R>> {
        let conn = self.reader();
        let statement = select_docs::<R>(conn, condition);
        let run = async {
            let _slot = partnergraph_core::context::store_slot().await;
            run_select(conn, statement.clone()).await
        };
        match self.memo.as_deref().filter(|_| R::TABLE.cached()) {
            Some(memo) => memo.read(statement.to_string(), run).await,
            None => Ok(run.await?.0),
        }
    }

    /// Inserts `record` unless a row with its key exists, and returns the stored row: creates
    /// keyed by a derived id are idempotent, and of two racing creates one wins.
    pub(crate) async fn insert_if_absent<R: Record>(&self, record: &R) -> Result<R> {
        self.insert_new(record).await?;
        let key = record.key();
        self.by_key(&key).await?.ok_or_else(|| {
            LocalError::Db(sea_orm::DbErr::RecordNotFound(format!(
                "{} {key} vanished after its insert",
                R::TABLE.name()
            )))
        })
    }

    /// Inserts `record` unless a row with its key exists; `true` when this call inserted it.
    pub(crate) async fn insert_new<R: Record>(&self, record: &R) -> Result<bool> {
        let columns = R::TABLE.columns();
        let values: Vec<SimpleExpr> = record.row()?.into_iter().map(Into::into).collect();
        let mut insert = Query::insert();
        insert
            .into_table(R::TABLE.alias())
            .columns(columns.iter().map(|c| Alias::new(*c)))
            .values(values)
            .map_err(|e| LocalError::Db(sea_orm::DbErr::Custom(e.to_string())))?
            .on_conflict(OnConflict::column(Alias::new("id")).do_nothing().to_owned());
        let result = self
            .db
            .execute(self.db.get_database_backend().build(&insert))
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Deletes the rows of `table` whose `column` is `value`; returns how many went.
    pub(crate) async fn delete_rows(
        conn: &impl ConnectionTrait,
        table: Table,
        column: &str,
        value: &str,
    ) -> Result<u64> {
        let delete = Query::delete()
            .from_table(table.alias())
            .cond_where(eq(column, value))
            .to_owned();
        Ok(conn
            .execute(conn.get_database_backend().build(&delete))
            .await?
            .rows_affected())
    }

    /// Records of `R` whose `column` is one of `keys`: one statement per [`MAX_KEYS`] keys,
    /// none for no keys.
    pub(crate) async fn by_keys<R: Record>(&self, column: &str, keys: &[&str]) -> Result<Vec<R>> {
        let mut out = Vec::new();
        for chunk in sorted(keys).chunks(MAX_KEYS) {
            out.extend(self.fetch(Cond::all().add(is_in(column, chunk))).await?);
        }
        Ok(out)
    }

    /// The record of `R` whose key is `key`, if any.
    pub(crate) async fn by_key<R: Record>(&self, key: &str) -> Result<Option<R>> {
        let found: Vec<R> = self.by_keys("id", &[key]).await?;
        Ok(found.into_iter().next())
    }

    /// Every record of `R` (catalogs and profiles are small).
    pub(crate) async fn all<R: Record>(&self) -> Result<Vec<R>> {
        self.fetch(Cond::all()).await
    }

    /// A page of the records of `R` matching `condition` (none for `None`), filtered, ordered
    /// and paged as core defines it.
    pub(crate) async fn list<R>(
        &self,
        condition: Option<Cond>,
        filter: &R::Filter,
        order: Order<R::Field>,
        page: &PageRequest,
    ) -> CoreResult<Page<R>>
    where
        R: Record + Listable,
    {
        let Some(condition) = condition else {
            return Ok(empty_page());
        };
        let rows = self.fetch(condition).await?;
        Ok(select(rows, filter, order, page, today()))
    }
}

/// Inserts `records`; a row whose key exists fails the statement.
pub(crate) async fn insert<R: Record>(conn: &impl ConnectionTrait, records: &[R]) -> Result<()> {
    write(conn, records, false).await
}

/// Inserts `records`, replacing the rows whose keys exist.
pub(crate) async fn upsert<R: Record>(conn: &impl ConnectionTrait, records: &[R]) -> Result<()> {
    write(conn, records, true).await
}

async fn write<R: Record>(conn: &impl ConnectionTrait, records: &[R], upsert: bool) -> Result<()> {
    let columns = R::TABLE.columns();
    for chunk in records.chunks(INSERT_CHUNK) {
        let mut insert = Query::insert();
        insert
            .into_table(R::TABLE.alias())
            .columns(columns.iter().map(|c| Alias::new(*c)));
        for record in chunk {
            let values: Vec<SimpleExpr> = record.row()?.into_iter().map(Into::into).collect();
            insert
                .values(values)
                .map_err(|e| LocalError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
        }
        if upsert {
            insert.on_conflict(
                OnConflict::column(Alias::new("id"))
                    .update_columns(columns.iter().skip(1).map(|c| Alias::new(*c)))
                    .to_owned(),
            );
        }
        conn.execute(conn.get_database_backend().build(&insert))
            .await?;
    }
    Ok(())
}

/// Records of `R` matching `condition` over `conn` (the pool or a transaction).
pub(crate) async fn fetch_in<R: Record>(
    conn: &impl ConnectionTrait,
    condition: Cond,
) -> Result<Vec<R>> {
    Ok(run_select(conn, select_docs::<R>(conn, condition)).await?.0)
}

/// The statement selecting the stored form of the records of `R` matching `condition`.
fn select_docs<R: Record>(conn: &impl ConnectionTrait, condition: Cond) -> Statement {
    let query = Query::select()
        .column(Alias::new("doc"))
        .from(R::TABLE.alias())
        .cond_where(condition)
        .to_owned();
    conn.get_database_backend().build(&query)
}

/// Runs a [`select_docs`] statement: its records, and the bytes their stored form took (what
/// the read cache weighs them at).
async fn run_select<R: Record>(
    conn: &impl ConnectionTrait,
    statement: Statement,
) -> Result<(Vec<R>, u64)> {
    let rows = conn.query_all(statement).await?;
    let mut bytes = 0;
    let records = rows
        .iter()
        .map(|row| {
            let doc: String = row.try_get("", "doc")?;
            bytes += doc.len() as u64;
            serde_json::from_str(&doc).map_err(|source| LocalError::Decode {
                table: R::TABLE.name(),
                source,
            })
        })
        .collect::<Result<_>>()?;
    Ok((records, bytes))
}

/// The record of `R` whose key is `key` over `conn`, if any.
pub(crate) async fn by_key_in<R: Record>(
    conn: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<R>> {
    let found: Vec<R> = fetch_in(conn, Cond::all().add(eq("id", key))).await?;
    Ok(found.into_iter().next())
}

/// The condition selecting the records of `accounts`, or `None` for none at all.
pub(crate) fn account_condition<I: AsRef<str>>(accounts: &AccountSet<I>) -> Option<Cond> {
    match accounts {
        AccountSet::All => Some(Cond::all()),
        AccountSet::Only(ids) if ids.is_empty() => None,
        AccountSet::Only(ids) => Some(Cond::all().add(is_in("account_id", &strs(ids)))),
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A page with nothing on it.
pub(crate) fn empty_page<T>() -> Page<T> {
    Page {
        items: Vec::new(),
        offset: 0,
        total: 0,
    }
}

/// `column = value`.
pub(crate) fn eq(column: &str, value: &str) -> SimpleExpr {
    Expr::col(Alias::new(column)).eq(value)
}

/// `column IN (keys…)`, the keys in order: a batch's keys come in whatever order its
/// loader's set held them, and the same keys must make the same statement for the read cache
/// to know it.
pub(crate) fn is_in(column: &str, keys: &[&str]) -> SimpleExpr {
    Expr::col(Alias::new(column)).is_in(sorted(keys))
}

/// `keys` sorted, without repeats.
fn sorted<'a>(keys: &[&'a str]) -> Vec<&'a str> {
    let mut keys = keys.to_vec();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Ids as the strings statements bind.
pub(crate) fn strs<T: AsRef<str>>(ids: &[T]) -> Vec<&str> {
    ids.iter().map(AsRef::as_ref).collect()
}
