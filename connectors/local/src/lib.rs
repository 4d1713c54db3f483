//! partnergraph-local: the portal's own store, and the embedded stand-in for billing and CRM.
//!
//! One sea-orm connection (SQLite file by default, PostgreSQL in production) implements all four
//! capabilities, so `serve --demo` needs nothing else. Each record kind has its own table: the
//! columns the store looks rows up by (ids, owning accounts, the channel hierarchy, login emails)
//! plus the record as JSON. Every batch read is one statement whatever the number of keys, and
//! every list is one statement scoped in SQL (and narrowed by the filter terms the table has
//! columns for), then filtered, ordered and paged with core's
//! [`select`](partnergraph_core::paging::select), so the meaning of a
//! filter is defined once, in core.
//!
//! This file holds the store itself: its pools, migration, seeding and the counters tests read.
//! The capabilities live one module per core trait (`directory`, `billing`, `crm`,
//! `catalog`), built from the generic statements of `statements`; which rows a scope sees is
//! `scope`'s, and how each record is laid out in its table is `rows`'.

mod billing;
mod catalog;
mod crm;
mod directory;
mod memo;
mod rows;
mod scope;
mod statements;

use partnergraph_core::demo::DemoData;
use partnergraph_core::model::Profile;
use partnergraph_core::permission::BuiltInProfile;
use partnergraph_core::UpstreamError;
use partnergraph_migrations::{Migrator, MigratorTrait};
use rows::Table;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, TransactionTrait};
use statements::{insert, upsert};
#[cfg(feature = "testing")]
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Why the local store failed.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The database could not be reached or refused the connection.
    #[error("cannot connect to the store: {0}")]
    Connect(#[source] sea_orm::DbErr),
    /// A statement failed.
    #[error("store statement failed: {0}")]
    Db(#[from] sea_orm::DbErr),
    /// A stored record does not decode as its domain type (a bug or a hand-edited row).
    #[error("stored {table} record does not decode: {source}")]
    Decode {
        /// The table.
        table: &'static str,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
    },
}

impl From<LocalError> for partnergraph_core::Error {
    fn from(err: LocalError) -> Self {
        tracing::error!(error = %err, "local store failure");
        match err {
            LocalError::Connect(_) | LocalError::Db(sea_orm::DbErr::Conn(_)) => {
                UpstreamError::Unavailable("the store".to_owned()).into()
            }
            LocalError::Db(sea_orm::DbErr::ConnectionAcquire(_)) => {
                UpstreamError::Unavailable(format!(
                    "the store: every connection stayed busy for {} s",
                    ACQUIRE_TIMEOUT.as_secs()
                ))
                .into()
            }
            _ => partnergraph_core::Error::Internal("the store failed".to_owned()),
        }
    }
}

type Result<T, E = LocalError> = std::result::Result<T, E>;
type CoreResult<T> = partnergraph_core::Result<T>;

/// The local store; cheap to clone (the connection pools are shared).
#[derive(Clone)]
pub struct LocalStore {
    db: DatabaseConnection,
    /// A small pool of its own for [`reserved_for_authentication`]'s reads.
    reserved: DatabaseConnection,
    /// The read cache, when [`LocalStore::with_read_cache`] turned it on.
    memo: Option<Arc<memo::Memo>>,
    /// Statements run on either pool, for the tests crate's batching proofs.
    #[cfg(feature = "testing")]
    statements: Arc<AtomicU64>,
}

/// Connections of a SQLite store's pool: readers run side by side under WAL; more than a few
/// per core only add page caches.
const SQLITE_CONNECTIONS: u32 = 8;

/// Connections of a PostgreSQL store's pool.
const POSTGRES_CONNECTIONS: u32 = 16;

/// Connections kept for authentication, beside the pool: its three or four reads a request
/// run two at a time.
const RESERVED_CONNECTIONS: u32 = 2;

/// How long a statement waits for a pooled connection before the store is reported
/// unavailable: a saturated pool answers UPSTREAM_UNAVAILABLE in seconds, not after the
/// request's own timeout. The wait includes opening a new connection, which on a machine whose
/// cores are busy hashing passwords took PostgreSQL more than 2 s, so 5.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

tokio::task_local! {
    static AUTHENTICATING: ();
}

/// Runs `work` (authenticating a request) with its store reads on connections of their own,
/// so that authentication never waits behind the queries of other requests, however many
/// they are: a heavy caller cannot make everyone else's requests fail with 503.
pub async fn reserved_for_authentication<F: std::future::Future>(work: F) -> F::Output {
    AUTHENTICATING.scope((), work).await
}

/// `db`, its statements counted in `statements` (only the tests count them: the callback
/// costs every statement a call).
#[cfg(feature = "testing")]
fn counted(mut db: DatabaseConnection, statements: &Arc<AtomicU64>) -> DatabaseConnection {
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    db
}

/// A page cache no smaller than this per SQLite connection, in KiB (16 pages of 4 KiB): the
/// schema and the B-trees' upper levels stay cached whatever the budget.
const MIN_PAGE_CACHE_KIB: u64 = 64;

impl LocalStore {
    /// Connects to `sqlite://<path>?mode=rwc` or `postgres://…`. A SQLite store's connections
    /// share `sqlite_page_cache_kib` of page cache between them; the file's pages stay in the
    /// operating system's cache whatever SQLite keeps, so a larger budget saves little but a
    /// copy, and costs resident memory on every connection.
    ///
    /// Authentication reads on a second, small pool (see [`reserved_for_authentication`]).
    pub async fn connect(url: &str, sqlite_page_cache_kib: u64) -> Result<Self> {
        let sqlite = url.starts_with("sqlite:");
        let connections = if sqlite {
            SQLITE_CONNECTIONS
        } else {
            POSTGRES_CONNECTIONS
        };
        let db = Self::pool(url, connections, sqlite_page_cache_kib).await?;
        if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            // Readers do not block the writer; the setting persists in the file.
            db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
        }
        let reserved = Self::pool(url, RESERVED_CONNECTIONS, 0).await?;
        #[cfg(feature = "testing")]
        let statements = Arc::new(AtomicU64::new(0));
        #[cfg(feature = "testing")]
        let (db, reserved) = (counted(db, &statements), counted(reserved, &statements));
        Ok(Self {
            db,
            reserved,
            memo: None,
            #[cfg(feature = "testing")]
            statements,
        })
    }

    /// The store with a read cache of about `capacity_bytes` of records, each remembered at
    /// most `ttl` (see the `memo` module): a warm page then runs no statement. Only for a
    /// database this process alone writes to: another process's writes are seen when `ttl`
    /// ends, not at once.
    pub fn with_read_cache(mut self, capacity_bytes: u64, ttl: Duration) -> Self {
        self.memo = Some(Arc::new(memo::Memo::new(capacity_bytes, ttl)));
        self
    }

    /// Marks a write to a cached table: the read cache's version moves on when the returned
    /// guard drops, after the write has committed.
    fn writing(&self) -> memo::Writing<'_> {
        memo::writing(self.memo.as_deref())
    }

    /// A pool of `connections` to `url`.
    async fn pool(
        url: &str,
        connections: u32,
        sqlite_page_cache_kib: u64,
    ) -> Result<DatabaseConnection> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(connections)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .sqlx_logging(false);
        if url.starts_with("sqlite:") {
            let per_connection =
                (sqlite_page_cache_kib / u64::from(connections)).max(MIN_PAGE_CACHE_KIB);
            // A negative `cache_size` is a size in KiB rather than a number of pages.
            options.map_sqlx_sqlite_opts(move |sqlite| {
                sqlite.pragma("cache_size", format!("-{per_connection}"))
            });
        }
        Database::connect(options)
            .await
            .map_err(LocalError::Connect)
    }

    /// Runs pending migrations, then makes the built-in profiles match the code.
    pub async fn migrate(&self) -> Result<()> {
        let _write = self.writing();
        Migrator::up(&self.db, None).await?;
        let profiles: Vec<Profile> = BuiltInProfile::ALL.iter().map(|p| p.profile()).collect();
        upsert(&self.db, &profiles).await
    }

    /// Seeds `data` into an empty store in one transaction. Returns `false`, changing nothing,
    /// when the store already has organizations.
    pub async fn seed_demo(&self, data: &DemoData) -> Result<bool> {
        let _write = self.writing();
        let txn = self.db.begin().await?;
        let probe = Query::select()
            .expr(Expr::col(Alias::new("id")))
            .from(Table::Organizations.alias())
            .limit(1)
            .to_owned();
        if txn
            .query_one(txn.get_database_backend().build(&probe))
            .await?
            .is_some()
        {
            txn.rollback().await?;
            return Ok(false);
        }
        upsert(&txn, &data.profiles).await?;
        insert(&txn, &data.organizations).await?;
        insert(&txn, &data.customers).await?;
        insert(&txn, &data.users).await?;
        insert(&txn, &data.offers).await?;
        insert(&txn, &data.billing_accounts).await?;
        insert(&txn, &data.subscriptions).await?;
        insert(&txn, &data.invoices).await?;
        insert(&txn, &data.payments).await?;
        insert(&txn, &data.payment_methods).await?;
        insert(&txn, &data.crm_accounts).await?;
        insert(&txn, &data.contacts).await?;
        insert(&txn, &data.cases).await?;
        insert(&txn, &data.audit_events).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// The tables holding a row whose key or record names `id`, ignoring the audit log and
    /// the operation journal, which keep history on purpose. Proves deletions complete: a seam
    /// for the tests crate, built only with the `testing` feature.
    #[cfg(feature = "testing")]
    pub async fn tables_mentioning(&self, id: &str) -> Result<Vec<&'static str>> {
        let mut found = Vec::new();
        for table in Table::ALL {
            if matches!(
                table,
                Table::AuditEvents | Table::Operations | Table::RevokedTokens | Table::Activations
            ) {
                continue;
            }
            let pattern = format!("%{}%", id.replace(['%', '_'], ""));
            let query = Query::select()
                .expr(Expr::col(Alias::new("id")))
                .from(table.alias())
                .cond_where(
                    sea_orm::sea_query::Cond::any()
                        .add(statements::eq("id", id))
                        .add(Expr::col(Alias::new("doc")).like(pattern)),
                )
                .limit(1)
                .to_owned();
            let backend = self.db.get_database_backend();
            if self.db.query_one(backend.build(&query)).await?.is_some() {
                found.push(table.name());
            }
        }
        Ok(found)
    }

    /// SQL statements executed through this store since it connected (tests prove batching
    /// with it): a seam for the tests crate, built only with the `testing` feature.
    #[cfg(feature = "testing")]
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// The pool reads go to: the reserved one while authenticating (see
    /// [`reserved_for_authentication`]), the main one otherwise.
    fn reader(&self) -> &DatabaseConnection {
        match AUTHENTICATING.try_with(|()| ()) {
            Ok(()) => &self.reserved,
            Err(_) => &self.db,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partnergraph_core::traits::Directory;
    use sea_orm::Statement;

    /// `PRAGMA cache_size` as one of `store`'s pooled connections reports it.
    async fn cache_size(store: &LocalStore) -> i64 {
        let row = store
            .db
            .query_one(Statement::from_string(
                store.db.get_database_backend(),
                "PRAGMA cache_size",
            ))
            .await
            .expect("pragma")
            .expect("a row");
        row.try_get_by_index(0).expect("an integer")
    }

    /// `PRAGMA cache_size` of a new SQLite store given `budget_kib` of page cache.
    async fn cache_size_with_budget(budget_kib: u64) -> i64 {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("s.sqlite").display()
        );
        let store = LocalStore::connect(&url, budget_kib)
            .await
            .expect("connect");
        cache_size(&store).await
    }

    #[tokio::test]
    async fn sqlite_connections_share_the_page_cache_budget() {
        assert_eq!(cache_size_with_budget(4096).await, -512);
    }

    #[tokio::test]
    async fn authentication_reads_while_queries_fail_fast_on_a_pool_held_by_others() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("s.sqlite").display()
        );
        let store = LocalStore::connect(&url, 1024).await.expect("connect");
        store.migrate().await.expect("migrate");
        let mut held = Vec::new();
        for _ in 0..SQLITE_CONNECTIONS {
            held.push(store.db.begin().await.expect("a pooled connection"));
        }
        let started = std::time::Instant::now();
        let query = store.all_profiles().await;
        assert!(
            matches!(
                query,
                Err(partnergraph_core::Error::Upstream(
                    UpstreamError::Unavailable(_)
                ))
            ),
            "{query:?}"
        );
        assert!(started.elapsed() < ACQUIRE_TIMEOUT + Duration::from_secs(1));
        let revoked = reserved_for_authentication(store.is_token_revoked("jti")).await;
        assert_eq!(revoked.ok(), Some(false));
        drop(held);
    }

    #[tokio::test]
    async fn a_tiny_page_cache_budget_still_caches_the_upper_levels() {
        assert_eq!(
            cache_size_with_budget(0).await,
            -(MIN_PAGE_CACHE_KIB as i64)
        );
    }
}
