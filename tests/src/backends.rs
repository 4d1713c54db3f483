//! Test declarations for the stores a gateway can run on, for tests named per store rather
//! than grouped in per-backend modules (see `on_each_backend!` for those).
//!
//! A test that measures the store itself (SQL statements, example replays) runs on SQLite and,
//! with the `postgres` feature, on PostgreSQL; declaring both from one line keeps the pair from
//! drifting apart.

/// Declares `$sqlite` as a test running `$body(Backend::Sqlite)`, and `$postgres` running
/// `$body(Backend::Postgres)` when the `postgres` feature is on.
#[macro_export]
macro_rules! on_sqlite_and_postgres {
    ($sqlite:ident, $postgres:ident, $body:ident $(,)?) => {
        #[tokio::test]
        async fn $sqlite() {
            $body($crate::Backend::Sqlite).await;
        }

        #[cfg(feature = "postgres")]
        #[tokio::test]
        async fn $postgres() {
            $body($crate::Backend::Postgres).await;
        }
    };
}
