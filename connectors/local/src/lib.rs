//! partnergraph-local: the portal's own store, and the embedded stand-in for billing and CRM.
//!
//! One sea-orm connection (SQLite file by default, PostgreSQL in production) implements all four
//! capabilities, so `serve --demo` needs nothing else. Each record kind has its own table: the
//! columns the store looks rows up by (ids, owning accounts, the channel hierarchy, login emails)
//! plus the record as JSON. Every batch read is one statement whatever the number of keys, and
//! every list is one statement scoped in SQL (and narrowed by the filter terms the table has
//! columns for), then filtered, ordered and paged with core's [`select`], so the meaning of a
//! filter is defined once, in core.

mod rows;

use async_trait::async_trait;
use partnergraph_core::demo::DemoData;
use partnergraph_core::filter::*;
use partnergraph_core::ids::*;
use partnergraph_core::model::*;
use partnergraph_core::paging::{select, Order, Page, PageRequest};
use partnergraph_core::permission::BuiltInProfile;
use partnergraph_core::traits::*;
use partnergraph_core::write::derived_id;
use partnergraph_core::{Scope, UpstreamError};
use partnergraph_migrations::{Migrator, MigratorTrait};
use rows::{Record, Table};
use sea_orm::sea_query::{Alias, Cond, Expr, OnConflict, Query, SelectStatement, SimpleExpr};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, TransactionTrait};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Keys per `IN (…)` list; larger batches are split, keeping each statement's bound parameters
/// far below SQLite's and PostgreSQL's limits.
const MAX_KEYS: usize = 500;
/// Rows per multi-row `INSERT` while seeding.
const INSERT_CHUNK: usize = 100;

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
        let statements = Arc::new(AtomicU64::new(0));
        let db = Self::pool(url, connections, sqlite_page_cache_kib, &statements).await?;
        if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            // Readers do not block the writer; the setting persists in the file.
            db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
        }
        let reserved = Self::pool(url, RESERVED_CONNECTIONS, 0, &statements).await?;
        Ok(Self {
            db,
            reserved,
            statements,
        })
    }

    /// A pool of `connections` to `url`, its statements counted in `statements`.
    async fn pool(
        url: &str,
        connections: u32,
        sqlite_page_cache_kib: u64,
        statements: &Arc<AtomicU64>,
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
        let mut db = Database::connect(options)
            .await
            .map_err(LocalError::Connect)?;
        let counter = statements.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        Ok(db)
    }

    /// Runs pending migrations, then makes the built-in profiles match the code.
    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.db, None).await?;
        let profiles: Vec<Profile> = BuiltInProfile::ALL.iter().map(|p| p.profile()).collect();
        self.upsert(&self.db, &profiles).await
    }

    /// Seeds `data` into an empty store in one transaction. Returns `false`, changing nothing,
    /// when the store already has organizations.
    pub async fn seed_demo(&self, data: &DemoData) -> Result<bool> {
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
        self.upsert(&txn, &data.profiles).await?;
        self.insert(&txn, &data.organizations).await?;
        self.insert(&txn, &data.customers).await?;
        self.insert(&txn, &data.users).await?;
        self.insert(&txn, &data.offers).await?;
        self.insert(&txn, &data.billing_accounts).await?;
        self.insert(&txn, &data.subscriptions).await?;
        self.insert(&txn, &data.invoices).await?;
        self.insert(&txn, &data.payments).await?;
        self.insert(&txn, &data.payment_methods).await?;
        self.insert(&txn, &data.crm_accounts).await?;
        self.insert(&txn, &data.contacts).await?;
        self.insert(&txn, &data.cases).await?;
        self.insert(&txn, &data.audit_events).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// The tables holding a row whose key or record names `id`, ignoring the audit log and
    /// the operation journal, which keep history on purpose. Proves deletions complete.
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
                    Cond::any()
                        .add(eq("id", id))
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
    /// with it).
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    async fn insert<R: Record>(&self, conn: &impl ConnectionTrait, records: &[R]) -> Result<()> {
        self.write(conn, records, false).await
    }

    async fn upsert<R: Record>(&self, conn: &impl ConnectionTrait, records: &[R]) -> Result<()> {
        self.write(conn, records, true).await
    }

    async fn write<R: Record>(
        &self,
        conn: &impl ConnectionTrait,
        records: &[R],
        upsert: bool,
    ) -> Result<()> {
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

    /// Records of `R` matching `condition`, in one statement.
    async fn fetch<R: Record>(&self, condition: Cond) -> Result<Vec<R>> {
        let pool = match AUTHENTICATING.try_with(|()| ()) {
            Ok(()) => &self.reserved,
            Err(_) => &self.db,
        };
        fetch_in(pool, condition).await
    }

    /// Inserts `record` unless a row with its key exists, and returns the stored row: creates
    /// keyed by a derived id are idempotent, and of two racing creates one wins.
    async fn insert_if_absent<R: Record>(&self, record: &R) -> Result<R> {
        self.insert_new(record).await?;
        let key = record.key();
        let stored: Vec<R> = self.by_keys("id", &[key.as_str()]).await?;
        stored.into_iter().next().ok_or_else(|| {
            LocalError::Db(sea_orm::DbErr::RecordNotFound(format!(
                "{} {key} vanished after its insert",
                R::TABLE.name()
            )))
        })
    }

    /// Inserts `record` unless a row with its key exists; `true` when this call inserted it.
    async fn insert_new<R: Record>(&self, record: &R) -> Result<bool> {
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

    /// Deletes the users whose `column` is `value` with their sign-in identities; returns how
    /// many users went.
    async fn delete_users(conn: &impl ConnectionTrait, column: &str, value: &str) -> Result<u64> {
        let users: Vec<User> = fetch_in(conn, Cond::all().add(eq(column, value))).await?;
        for user in &users {
            let email = user.email.trim().to_lowercase();
            Self::delete_rows(conn, Table::Identities, "id", &email).await?;
        }
        Self::delete_rows(conn, Table::Users, column, value).await
    }

    /// Deletes the rows of `table` whose `column` is `value`; returns how many went.
    async fn delete_rows(
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
}

/// Records of `R` matching `condition` over `conn` (the pool or a transaction).
async fn fetch_in<R: Record>(conn: &impl ConnectionTrait, condition: Cond) -> Result<Vec<R>> {
    let query = Query::select()
        .column(Alias::new("doc"))
        .from(R::TABLE.alias())
        .cond_where(condition)
        .to_owned();
    let rows = conn
        .query_all(conn.get_database_backend().build(&query))
        .await?;
    rows.iter()
        .map(|row| {
            let doc: String = row.try_get("", "doc")?;
            serde_json::from_str(&doc).map_err(|source| LocalError::Decode {
                table: R::TABLE.name(),
                source,
            })
        })
        .collect()
}

impl LocalStore {
    /// Records of `R` whose `column` is one of `keys`: one statement per [`MAX_KEYS`] keys,
    /// none for no keys.
    async fn by_keys<R: Record>(&self, column: &str, keys: &[&str]) -> Result<Vec<R>> {
        let mut out = Vec::new();
        for chunk in keys.chunks(MAX_KEYS) {
            out.extend(self.fetch(Cond::all().add(is_in(column, chunk))).await?);
        }
        Ok(out)
    }

    /// Every record of `R` (catalogs and profiles are small).
    async fn all<R: Record>(&self) -> Result<Vec<R>> {
        self.fetch(Cond::all()).await
    }

    /// The condition selecting the customers a scope may see, or `None` for none at all.
    fn customer_scope(scope: &Scope) -> Option<Cond> {
        match scope {
            Scope::All => Some(Cond::all()),
            Scope::Distributor(d) => Some(Cond::all().add(eq("distributor_id", d.as_str()))),
            Scope::Partner(p) => Some(Cond::all().add(eq("partner_id", p.as_str()))),
            Scope::Customer { id, .. } => Some(Cond::all().add(eq("id", id.as_str()))),
            Scope::Nothing => None,
        }
    }

    /// What of a customer filter SQL can test, as a condition every customer the filter passes
    /// also passes: it only narrows what [`select`] reads, which still applies the whole filter
    /// as core defines it. A renewals page of a large distributor reads its week, not its scope.
    fn customer_narrowing(filter: &CustomerFilter) -> Cond {
        let mut condition = Cond::all();
        if let Some(partner) = &filter.partner_id {
            condition = condition.add(eq("partner_id", partner.as_str()));
        }
        if let Some(status) = filter.status.and_then(rows::customer_status) {
            condition = condition.add(eq("status", &status));
        }
        // ISO dates order as text; a customer without a term end passes neither bound.
        if let Some(before) = filter.expires_before {
            condition = condition.add(Expr::col(Alias::new("expires_on")).lt(before.to_string()));
        }
        if let Some(after) = filter.expires_after {
            condition = condition.add(Expr::col(Alias::new("expires_on")).gt(after.to_string()));
        }
        condition
    }

    /// The condition selecting the organizations a scope may see, or `None` for none at all.
    fn organization_scope(scope: &Scope) -> Option<Cond> {
        match scope {
            Scope::All => Some(Cond::all()),
            Scope::Distributor(d) => Some(
                Cond::any()
                    .add(eq("id", d.as_str()))
                    .add(eq("parent_id", d.as_str())),
            ),
            Scope::Partner(p) => Some(Cond::all().add(eq("id", p.as_str()))),
            Scope::Customer { .. } | Scope::Nothing => None,
        }
    }

    /// The organization ids a distributor or partner scope covers, as a subquery, so that
    /// lists keyed by organization stay one statement.
    fn scoped_org_ids(scope: &Scope) -> Option<SelectStatement> {
        let condition = Self::organization_scope(scope)?;
        Some(
            Query::select()
                .column(Alias::new("id"))
                .from(Table::Organizations.alias())
                .cond_where(condition)
                .to_owned(),
        )
    }

    async fn list<R>(
        &self,
        condition: Option<Cond>,
        filter: &R::Filter,
        order: Order<R::Field>,
        page: &PageRequest,
    ) -> CoreResult<Page<R>>
    where
        R: Record + partnergraph_core::paging::Listable,
    {
        let Some(condition) = condition else {
            return Ok(empty_page());
        };
        let rows = self.fetch(condition).await?;
        Ok(select(rows, filter, order, page, today()))
    }

    fn account_condition<I: AsRef<str>>(accounts: &AccountSet<I>) -> Option<Cond> {
        match accounts {
            AccountSet::All => Some(Cond::all()),
            AccountSet::Only(ids) if ids.is_empty() => None,
            AccountSet::Only(ids) => {
                let keys: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
                Some(Cond::all().add(is_in("account_id", &keys)))
            }
        }
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn empty_page<T>() -> Page<T> {
    Page {
        items: Vec::new(),
        offset: 0,
        total: 0,
    }
}

fn eq(column: &str, value: &str) -> SimpleExpr {
    Expr::col(Alias::new(column)).eq(value)
}

fn is_in(column: &str, keys: &[&str]) -> SimpleExpr {
    Expr::col(Alias::new(column)).is_in(keys.iter().copied())
}

fn strs<T: AsRef<str>>(ids: &[T]) -> Vec<&str> {
    ids.iter().map(AsRef::as_ref).collect()
}

#[async_trait]
impl Directory for LocalStore {
    async fn ping(&self) -> CoreResult<()> {
        self.db
            .execute_unprepared("SELECT 1")
            .await
            .map_err(LocalError::from)?;
        Ok(())
    }

    async fn organizations(&self, ids: &[OrgId]) -> CoreResult<Vec<Organization>> {
        Ok(self.by_keys("id", &ids_of(ids)).await?)
    }

    async fn list_organizations(
        &self,
        scope: &Scope,
        filter: &OrganizationFilter,
        order: Order<OrganizationOrderField>,
        page: &PageRequest,
    ) -> CoreResult<Page<Organization>> {
        self.list(Self::organization_scope(scope), filter, order, page)
            .await
    }

    async fn partners_of(&self, distributor_ids: &[OrgId]) -> CoreResult<Vec<Organization>> {
        Ok(self.by_keys("parent_id", &ids_of(distributor_ids)).await?)
    }

    async fn customers(&self, ids: &[CustomerId]) -> CoreResult<Vec<Customer>> {
        Ok(self.by_keys("id", &ids_of(ids)).await?)
    }

    async fn customers_of(&self, org_ids: &[OrgId]) -> CoreResult<Vec<Customer>> {
        let mut out = Vec::new();
        for chunk in ids_of(org_ids).chunks(MAX_KEYS) {
            let condition = Cond::any()
                .add(is_in("partner_id", chunk))
                .add(is_in("distributor_id", chunk));
            out.extend(self.fetch::<Customer>(condition).await?);
        }
        Ok(out)
    }

    async fn list_customers(
        &self,
        scope: &Scope,
        filter: &CustomerFilter,
        order: Order<CustomerOrderField>,
        page: &PageRequest,
    ) -> CoreResult<Page<Customer>> {
        let condition =
            Self::customer_scope(scope).map(|c| c.add(Self::customer_narrowing(filter)));
        self.list(condition, filter, order, page).await
    }

    async fn holders_by_billing_account(
        &self,
        ids: &[BillingAccountId],
    ) -> CoreResult<Vec<AccountHolder>> {
        self.holders("billing_id", &strs(ids)).await
    }

    async fn holders_by_crm_account(&self, ids: &[CrmAccountId]) -> CoreResult<Vec<AccountHolder>> {
        self.holders("crm_id", &strs(ids)).await
    }

    async fn accounts_in_scope(&self, scope: &Scope) -> CoreResult<ScopedAccounts> {
        if *scope == Scope::All {
            return Ok(ScopedAccounts {
                billing: AccountSet::All,
                crm: AccountSet::All,
            });
        }
        let mut billing = Vec::new();
        let mut crm = Vec::new();
        let scoped = [
            (Table::Organizations, Self::organization_scope(scope)),
            (Table::Customers, Self::customer_scope(scope)),
        ];
        for (table, condition) in scoped {
            let Some(condition) = condition else { continue };
            // Only the account columns: a distributor's scope can be tens of thousands of rows.
            let query = Query::select()
                .columns([Alias::new("billing_id"), Alias::new("crm_id")])
                .from(table.alias())
                .cond_where(condition)
                .to_owned();
            let backend = self.db.get_database_backend();
            for row in self
                .db
                .query_all(backend.build(&query))
                .await
                .map_err(LocalError::from)?
            {
                let ids: (Option<String>, Option<String>) = (
                    row.try_get("", "billing_id").map_err(LocalError::from)?,
                    row.try_get("", "crm_id").map_err(LocalError::from)?,
                );
                billing.extend(ids.0.map(BillingAccountId));
                crm.extend(ids.1.map(CrmAccountId));
            }
        }
        Ok(ScopedAccounts {
            billing: AccountSet::Only(billing),
            crm: AccountSet::Only(crm),
        })
    }

    async fn users(&self, ids: &[UserId]) -> CoreResult<Vec<User>> {
        Ok(self.by_keys("id", &ids_of(ids)).await?)
    }

    async fn user_by_email(&self, email: &str) -> CoreResult<Option<User>> {
        let users: Vec<User> = self
            .fetch(Cond::all().add(eq("email_lower", &email.trim().to_lowercase())))
            .await?;
        Ok(users.into_iter().next())
    }

    async fn users_by_membership(&self, memberships: &[Membership]) -> CoreResult<Vec<User>> {
        if memberships.is_empty() {
            return Ok(Vec::new());
        }
        let mut condition = Cond::any();
        let orgs: Vec<&str> = memberships
            .iter()
            .filter_map(|m| match m {
                Membership::Organization(o) => Some(o.as_str()),
                _ => None,
            })
            .collect();
        let customers: Vec<&str> = memberships
            .iter()
            .filter_map(|m| match m {
                Membership::Customer(c) => Some(c.as_str()),
                _ => None,
            })
            .collect();
        if memberships.contains(&Membership::Platform) {
            condition = condition.add(eq("membership_kind", rows::PLATFORM));
        }
        if !orgs.is_empty() {
            condition = condition.add(
                Cond::all()
                    .add(eq("membership_kind", rows::ORGANIZATION))
                    .add(is_in("membership_id", &orgs)),
            );
        }
        if !customers.is_empty() {
            condition = condition.add(
                Cond::all()
                    .add(eq("membership_kind", rows::CUSTOMER))
                    .add(is_in("membership_id", &customers)),
            );
        }
        Ok(self.fetch(condition).await?)
    }

    async fn list_operators(
        &self,
        scope: &Scope,
        filter: &UserFilter,
        order: Order<UserOrderField>,
        page: &PageRequest,
    ) -> CoreResult<Page<User>> {
        let condition = match scope {
            Scope::All => Some(
                Cond::all().add(
                    Expr::col(Alias::new("membership_kind"))
                        .is_in([rows::PLATFORM, rows::ORGANIZATION]),
                ),
            ),
            Scope::Distributor(_) | Scope::Partner(_) => Self::scoped_org_ids(scope).map(|orgs| {
                Cond::all()
                    .add(eq("membership_kind", rows::ORGANIZATION))
                    .add(Expr::col(Alias::new("membership_id")).in_subquery(orgs))
            }),
            Scope::Customer { .. } | Scope::Nothing => None,
        };
        self.list(condition, filter, order, page).await
    }

    async fn profiles(&self, ids: &[ProfileId]) -> CoreResult<Vec<Profile>> {
        Ok(self.by_keys("id", &ids_of(ids)).await?)
    }

    async fn all_profiles(&self) -> CoreResult<Vec<Profile>> {
        Ok(self.all().await?)
    }

    async fn list_audit_events(
        &self,
        scope: &Scope,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> CoreResult<Page<AuditEvent>> {
        let condition = match scope {
            Scope::All => Cond::all(),
            Scope::Customer { id, .. } => Cond::all().add(eq("customer_id", id.as_str())),
            Scope::Nothing => return Ok(empty_page()),
            Scope::Distributor(_) | Scope::Partner(_) => match Self::scoped_org_ids(scope) {
                Some(orgs) => Cond::all().add(Expr::col(Alias::new("org_id")).in_subquery(orgs)),
                None => return Ok(empty_page()),
            },
        };
        let mut events: Vec<AuditEvent> = self.fetch(condition).await?;
        events.retain(|e| {
            filter.action.as_ref().is_none_or(|a| &e.action == a)
                && filter.outcome.is_none_or(|o| o == e.outcome)
                && filter.since.is_none_or(|s| e.at >= s)
                && filter.until.is_none_or(|u| e.at < u)
        });
        // Newest first; the id breaks ties so pages are stable.
        events.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
        let total = events.len() as u64;
        let window = page.window(total);
        Ok(Page {
            items: events
                .into_iter()
                .skip(window.offset as usize)
                .take(window.limit as usize)
                .collect(),
            offset: window.offset,
            total,
        })
    }

    async fn save_customer(&self, customer: &Customer) -> CoreResult<()> {
        Ok(self
            .upsert(&self.db, std::slice::from_ref(customer))
            .await?)
    }

    async fn delete_customer(&self, id: &CustomerId) -> CoreResult<Removed> {
        let txn = self.db.begin().await.map_err(LocalError::from)?;
        let users = Self::delete_users(&txn, "membership_id", id.as_str()).await?;
        Self::delete_rows(&txn, Table::Customers, "id", id.as_str()).await?;
        txn.commit().await.map_err(LocalError::from)?;
        Ok(Removed {
            users,
            ..Removed::default()
        })
    }

    async fn save_user(&self, user: &User) -> CoreResult<()> {
        Ok(self.upsert(&self.db, std::slice::from_ref(user)).await?)
    }

    async fn delete_user(&self, id: &UserId) -> CoreResult<()> {
        let txn = self.db.begin().await.map_err(LocalError::from)?;
        Self::delete_users(&txn, "id", id.as_str()).await?;
        txn.commit().await.map_err(LocalError::from)?;
        Ok(())
    }

    async fn record_audit(&self, event: &AuditEvent) -> CoreResult<()> {
        Ok(self.insert(&self.db, std::slice::from_ref(event)).await?)
    }

    async fn save_profile(&self, profile: &Profile) -> CoreResult<()> {
        Ok(self.upsert(&self.db, std::slice::from_ref(profile)).await?)
    }

    async fn revoke_token(&self, token: &RevokedToken) -> CoreResult<()> {
        Ok(self.upsert(&self.db, std::slice::from_ref(token)).await?)
    }

    async fn create_identity(&self, identity: &Identity) -> CoreResult<bool> {
        Ok(self.insert_new(identity).await?)
    }

    async fn identity(&self, email: &str) -> CoreResult<Option<Identity>> {
        let found: Vec<Identity> = self.by_keys("id", &[email]).await?;
        Ok(found.into_iter().next())
    }

    async fn delete_identity(&self, email: &str) -> CoreResult<()> {
        Self::delete_rows(&self.db, Table::Identities, "id", email).await?;
        Ok(())
    }

    async fn save_activation(&self, token: &ActivationToken) -> CoreResult<()> {
        Ok(self.insert(&self.db, std::slice::from_ref(token)).await?)
    }

    async fn take_activation(&self, token_hash: &str) -> CoreResult<Option<ActivationToken>> {
        let txn = self.db.begin().await.map_err(LocalError::from)?;
        let found: Vec<ActivationToken> =
            fetch_in(&txn, Cond::all().add(eq("id", token_hash))).await?;
        // Only the caller whose DELETE removed the row redeems it.
        let taken = Self::delete_rows(&txn, Table::Activations, "id", token_hash).await? == 1;
        txn.commit().await.map_err(LocalError::from)?;
        Ok(found.into_iter().next().filter(|_| taken))
    }

    async fn consume_once(&self, token: &RevokedToken) -> CoreResult<bool> {
        Ok(self.insert_new(token).await?)
    }

    async fn is_token_revoked(&self, jti: &str) -> CoreResult<bool> {
        let found: Vec<RevokedToken> = self.by_keys("id", &[jti]).await?;
        Ok(!found.is_empty())
    }

    async fn begin_operation(&self, op: &Operation) -> CoreResult<Option<Operation>> {
        // Ours if this insert created the row; otherwise a twin's operation is there.
        if self.insert_new(op).await? {
            return Ok(None);
        }
        let stored: Vec<Operation> = self.by_keys("id", &[op.key.as_str()]).await?;
        Ok(stored.into_iter().next())
    }

    async fn save_operation(&self, op: &Operation) -> CoreResult<()> {
        Ok(self.upsert(&self.db, std::slice::from_ref(op)).await?)
    }

    async fn unfinished_operations(&self) -> CoreResult<Vec<Operation>> {
        let unfinished = [
            rows::operation_status(OperationStatus::Running),
            rows::operation_status(OperationStatus::Compensating),
        ];
        Ok(self
            .fetch(Cond::all().add(is_in("status", &unfinished)))
            .await?)
    }
}

impl LocalStore {
    async fn holders(&self, column: &str, keys: &[&str]) -> CoreResult<Vec<AccountHolder>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let orgs: Vec<Organization> = self.by_keys(column, keys).await?;
        let customers: Vec<Customer> = self.by_keys(column, keys).await?;
        Ok(orgs
            .into_iter()
            .map(AccountHolder::Organization)
            .chain(customers.into_iter().map(AccountHolder::Customer))
            .collect())
    }
}

/// An eight-digit record number derived from a record id, like the numbers billing systems
/// and CRMs hand out.
fn number_from(id: &str) -> String {
    let digits: u64 = id.bytes().fold(0u64, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u64::from(b))
    });
    format!("{:08}", digits % 100_000_000)
}

fn ids_of<T: AsRef<str>>(ids: &[T]) -> Vec<&str> {
    strs(ids)
}

#[async_trait]
impl Billing for LocalStore {
    async fn accounts(&self, ids: &[BillingAccountId]) -> CoreResult<Vec<BillingAccount>> {
        Ok(self.by_keys("id", &strs(ids)).await?)
    }

    async fn account_by_number(&self, number: &str) -> CoreResult<Option<BillingAccount>> {
        let accounts: Vec<BillingAccount> = self
            .fetch(Cond::all().add(eq("account_number", number)))
            .await?;
        Ok(accounts.into_iter().next())
    }

    async fn subscriptions(&self, ids: &[SubscriptionId]) -> CoreResult<Vec<Subscription>> {
        Ok(self.by_keys("id", &strs(ids)).await?)
    }

    async fn subscriptions_for_accounts(
        &self,
        ids: &[BillingAccountId],
    ) -> CoreResult<Vec<Subscription>> {
        Ok(self.by_keys("account_id", &strs(ids)).await?)
    }

    async fn list_subscriptions(
        &self,
        accounts: &AccountSet<BillingAccountId>,
        filter: &SubscriptionFilter,
        order: Order<SubscriptionOrderField>,
        page: &PageRequest,
    ) -> CoreResult<Page<Subscription>> {
        self.list(Self::account_condition(accounts), filter, order, page)
            .await
    }

    async fn invoices(&self, ids: &[InvoiceId]) -> CoreResult<Vec<Invoice>> {
        Ok(self.by_keys("id", &strs(ids)).await?)
    }

    async fn invoices_for_accounts(&self, ids: &[BillingAccountId]) -> CoreResult<Vec<Invoice>> {
        Ok(self.by_keys("account_id", &strs(ids)).await?)
    }

    async fn list_invoices(
        &self,
        accounts: &AccountSet<BillingAccountId>,
        filter: &InvoiceFilter,
        order: Order<InvoiceOrderField>,
        page: &PageRequest,
    ) -> CoreResult<Page<Invoice>> {
        self.list(Self::account_condition(accounts), filter, order, page)
            .await
    }

    async fn payments(&self, ids: &[PaymentId]) -> CoreResult<Vec<Payment>> {
        Ok(self.by_keys("id", &strs(ids)).await?)
    }

    async fn payments_for_accounts(&self, ids: &[BillingAccountId]) -> CoreResult<Vec<Payment>> {
        Ok(self.by_keys("account_id", &strs(ids)).await?)
    }

    async fn payment_methods(&self, ids: &[PaymentMethodId]) -> CoreResult<Vec<PaymentMethod>> {
        Ok(self.by_keys("id", &strs(ids)).await?)
    }

    async fn payment_methods_for_accounts(
        &self,
        ids: &[BillingAccountId],
    ) -> CoreResult<Vec<PaymentMethod>> {
        Ok(self.by_keys("account_id", &strs(ids)).await?)
    }

    async fn create_billing_account(
        &self,
        key: &str,
        account: &NewBillingAccount,
    ) -> CoreResult<BillingAccount> {
        let id = derived_id("ba", key);
        let account = BillingAccount {
            account_number: format!("A{}", number_from(&id)),
            id: BillingAccountId::from(id),
            name: account.name.clone(),
            balance: Money::new(rust_decimal::Decimal::ZERO, account.currency.clone()),
            parent_id: account.parent_id.clone(),
        };
        Ok(self.insert_if_absent(&account).await?)
    }

    async fn delete_billing_account(&self, id: &BillingAccountId) -> CoreResult<Removed> {
        let txn = self.db.begin().await.map_err(LocalError::from)?;
        let id = id.as_str();
        let removed = Removed {
            subscriptions: Self::delete_rows(&txn, Table::Subscriptions, "account_id", id).await?,
            invoices: Self::delete_rows(&txn, Table::Invoices, "account_id", id).await?,
            payments: Self::delete_rows(&txn, Table::Payments, "account_id", id).await?,
            payment_methods: Self::delete_rows(&txn, Table::PaymentMethods, "account_id", id)
                .await?,
            ..Removed::default()
        };
        Self::delete_rows(&txn, Table::BillingAccounts, "id", id).await?;
        txn.commit().await.map_err(LocalError::from)?;
        Ok(removed)
    }

    async fn create_subscription(
        &self,
        key: &str,
        new: &NewSubscription,
    ) -> CoreResult<Subscription> {
        let id = derived_id("sub", key);
        let subscription = Subscription {
            number: format!("S{}", number_from(&id)),
            id: SubscriptionId::from(id),
            account_id: new.account_id.clone(),
            offer_id: Some(new.offer.id.clone()),
            sku: new.offer.sku.clone(),
            status: SubscriptionStatus::Active,
            quantity: new.quantity,
            start_date: new.start_date,
            // One-year terms, billed monthly or annually as the offer says.
            term_end_date: new.start_date.checked_add_months(chrono::Months::new(12)),
            auto_renew: true,
            invoice_owner: new.invoice_owner,
        };
        Ok(self.insert_if_absent(&subscription).await?)
    }

    async fn update_subscription(
        &self,
        _key: &str,
        desired: &Subscription,
    ) -> CoreResult<Subscription> {
        // The local store applies the desired state in one statement, so a retry is harmless.
        self.upsert(&self.db, std::slice::from_ref(desired)).await?;
        Ok(desired.clone())
    }

    async fn delete_subscription(&self, id: &SubscriptionId) -> CoreResult<()> {
        Self::delete_rows(&self.db, Table::Subscriptions, "id", id.as_str()).await?;
        Ok(())
    }

    async fn apply_payment(&self, key: &str, new: &NewPayment) -> CoreResult<Payment> {
        let id = PaymentId::from(derived_id("pay", key));
        let txn = self.db.begin().await.map_err(LocalError::from)?;
        let existing: Vec<Payment> = fetch_in(&txn, Cond::all().add(eq("id", id.as_str()))).await?;
        if let Some(payment) = existing.into_iter().next() {
            return Ok(payment);
        }
        let mut invoice: Invoice =
            fetch_in(&txn, Cond::all().add(eq("id", new.invoice_id.as_str())))
                .await?
                .into_iter()
                .next()
                .ok_or(partnergraph_core::Error::NotFound)?;
        if new.amount.amount > invoice.balance.amount
            || new.amount.currency != invoice.balance.currency
        {
            // Checked again inside the transaction: a concurrent payment may have lowered it.
            return Err(partnergraph_core::Error::Conflict(
                "the invoice's balance changed; fetch it and try again".to_owned(),
            ));
        }
        invoice.balance.amount -= new.amount.amount;
        if invoice.balance.amount.is_zero() {
            invoice.status = InvoiceStatus::Paid;
        }
        let payment = Payment {
            number: format!("P{}", number_from(id.as_str())),
            id,
            account_id: invoice.account_id.clone(),
            amount: new.amount.clone(),
            effective_date: new.effective_date,
            status: PaymentStatus::Processed,
            payment_method_id: Some(new.payment_method_id.clone()),
            invoice_id: Some(invoice.id.clone()),
        };
        self.insert(&txn, std::slice::from_ref(&payment)).await?;
        self.upsert(&txn, std::slice::from_ref(&invoice)).await?;
        let mut account: Vec<BillingAccount> =
            fetch_in(&txn, Cond::all().add(eq("id", invoice.account_id.as_str()))).await?;
        if let Some(account) = account.first_mut() {
            account.balance.amount -= new.amount.amount;
            self.upsert(&txn, std::slice::from_ref(account)).await?;
        }
        txn.commit().await.map_err(LocalError::from)?;
        Ok(payment)
    }
}

#[async_trait]
impl Crm for LocalStore {
    async fn contacts_for_accounts(&self, ids: &[CrmAccountId]) -> CoreResult<Vec<Contact>> {
        Ok(self.by_keys("account_id", &strs(ids)).await?)
    }

    async fn cases(&self, ids: &[CaseId]) -> CoreResult<Vec<Case>> {
        Ok(self.by_keys("id", &strs(ids)).await?)
    }

    async fn cases_for_accounts(&self, ids: &[CrmAccountId]) -> CoreResult<Vec<Case>> {
        Ok(self.by_keys("account_id", &strs(ids)).await?)
    }

    async fn list_cases(
        &self,
        accounts: &AccountSet<CrmAccountId>,
        filter: &CaseFilter,
        order: Order<CaseOrderField>,
        page: &PageRequest,
    ) -> CoreResult<Page<Case>> {
        self.list(Self::account_condition(accounts), filter, order, page)
            .await
    }

    async fn create_crm_account(
        &self,
        key: &str,
        account: &NewCrmAccount,
    ) -> CoreResult<CrmAccount> {
        let new = account;
        let account = CrmAccount {
            id: CrmAccountId::from(derived_id("crm", key)),
            name: new.name.clone(),
            parent_id: new.parent_id.clone(),
        };
        // Both writes are idempotent, so a step resumed after a crash between them completes it.
        let account = self.insert_if_absent(&account).await?;
        if let Some(contact) = &new.contact {
            self.upsert(&self.db, &[contact.at(&account.id)]).await?;
        }
        Ok(account)
    }

    async fn save_contact(&self, contact: &Contact) -> CoreResult<()> {
        Ok(self.upsert(&self.db, std::slice::from_ref(contact)).await?)
    }

    async fn delete_crm_account(&self, id: &CrmAccountId) -> CoreResult<Removed> {
        let txn = self.db.begin().await.map_err(LocalError::from)?;
        let id = id.as_str();
        let removed = Removed {
            contacts: Self::delete_rows(&txn, Table::Contacts, "account_id", id).await?,
            cases: Self::delete_rows(&txn, Table::Cases, "account_id", id).await?,
            ..Removed::default()
        };
        Self::delete_rows(&txn, Table::CrmAccounts, "id", id).await?;
        txn.commit().await.map_err(LocalError::from)?;
        Ok(removed)
    }

    async fn update_case(&self, desired: &Case) -> CoreResult<Case> {
        self.upsert(&self.db, std::slice::from_ref(desired)).await?;
        Ok(desired.clone())
    }

    async fn create_case(&self, key: &str, new: &NewCase) -> CoreResult<Case> {
        let id = derived_id("case", key);
        let case = Case {
            number: format!("C{}", number_from(&id)),
            id: CaseId::from(id),
            account_id: new.account_id.clone(),
            subject: new.subject.clone(),
            description: new.description.clone(),
            status: CaseStatus::New,
            priority: new.priority,
            created_at: chrono::Utc::now(),
            comments: Vec::new(),
        };
        Ok(self.insert_if_absent(&case).await?)
    }
}

#[async_trait]
impl Catalog for LocalStore {
    async fn offers(&self, ids: &[OfferId]) -> CoreResult<Vec<Offer>> {
        Ok(self.by_keys("id", &strs(ids)).await?)
    }

    async fn all_offers(&self) -> CoreResult<Vec<Offer>> {
        Ok(self.all().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
