//! The macros that declare one test function as a test per backend, so that every end-to-end
//! test runs on SQLite, on each sandbox and, with the `postgres` feature, on PostgreSQL.

/// Declares each listed `async fn(&TestServer)` as a test on SQLite, with billing and the
/// catalog on the Zuora sandbox (as `zuora::<name>`), with the CRM on the Salesforce sandbox
/// (as `salesforce::<name>`), and on PostgreSQL when the `postgres`
/// feature is on (as `postgres::<name>`, so `cargo test postgres` selects them).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(&$crate::TestServer::shared($crate::Backend::Sqlite)).await;
                }
            )+
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(&$crate::TestServer::shared($crate::Backend::Postgres)).await;
                }
            )+
        }
        mod zuora {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(&$crate::TestServer::shared($crate::Backend::Zuora)).await;
                }
            )+
        }
        mod salesforce {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(&$crate::TestServer::shared($crate::Backend::Salesforce)).await;
                }
            )+
        }
    };
}

/// Declares each listed `async fn(Backend)` as a test on SQLite, and on PostgreSQL when the
/// `postgres` feature is on, for tests that need a gateway of their own. Multi-threaded, so a
/// test may block while a gateway it crashed shuts down.
#[macro_export]
macro_rules! on_each_backend {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await;
                }
            )+
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await;
                }
            )+
        }
        mod zuora {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Zuora).await;
                }
            )+
        }
        mod salesforce {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Salesforce).await;
                }
            )+
        }
    };
}
