//! The throwaway PostgreSQL databases of the `postgres` runs: one per gateway, named by
//! process so that a run removes only what ended runs left behind.

/// A throwaway PostgreSQL database, dropped when the server goes.
pub(crate) struct PgDatabase {
    admin_url: String,
    name: String,
    pub(crate) url: String,
}

impl PgDatabase {
    pub(crate) async fn create() -> PgDatabase {
        use sea_orm::ConnectionTrait;
        let admin_url = std::env::var("PARTNERGRAPH_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        // Named by process, so that a run removes only what dead runs left behind.
        let name = format!(
            "pg_e2e_{}_{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        );
        let admin = sea_orm::Database::connect(&admin_url)
            .await
            .expect("PostgreSQL is reachable (start it, or set PARTNERGRAPH_TEST_POSTGRES_URL)");
        Self::drop_leftovers(&admin).await;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the test database");
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        PgDatabase {
            admin_url,
            name,
            url,
        }
    }
}

impl PgDatabase {
    /// Shared servers live in statics, which are never dropped: their databases are removed by
    /// the next run instead. Only databases of processes that have ended are removed: a
    /// database of this process or of a concurrent run may have just been created and not yet
    /// be connected to, and dropping it then failed a test's gateway as it started.
    async fn drop_leftovers(admin: &sea_orm::DatabaseConnection) {
        use sea_orm::{ConnectionTrait, Statement};
        let rows = admin
            .query_all(Statement::from_string(
                admin.get_database_backend(),
                "SELECT datname FROM pg_database WHERE datname LIKE 'pg\\_e2e\\_%'",
            ))
            .await
            .unwrap_or_default();
        for row in rows {
            let Ok(name) = row.try_get::<String>("", "datname") else {
                continue;
            };
            let owner = name
                .strip_prefix("pg_e2e_")
                .and_then(|rest| rest.split_once('_'))
                .and_then(|(pid, _)| pid.parse::<u32>().ok());
            let alive = owner.is_some_and(|pid| {
                pid == std::process::id() || std::path::Path::new(&format!("/proc/{pid}")).exists()
            });
            if !alive {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
                    .await;
            }
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs outside any runtime we may block on, so drop the database from a thread.
        let _ = std::thread::spawn(move || {
            use sea_orm::ConnectionTrait;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let admin = sea_orm::Database::connect(&admin_url).await.ok()?;
                admin.execute_unprepared(&statement).await.ok()
            })
        })
        .join();
    }
}
