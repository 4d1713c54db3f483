//! The macros that declare one test function as a test per backend, so that every end-to-end
//! test runs on SQLite, on each sandbox and, with the `postgres` feature, on PostgreSQL.

/// Declares each listed `async fn(&TestServer)` as a test on SQLite, with billing and the
/// catalog on the Zuora sandbox (as `zuora::<name>`), with the CRM on the Salesforce sandbox
/// (as `salesforce::<name>`), and on PostgreSQL when the `postgres`
/// feature is on (as `postgres::<name>`, so `cargo test postgres` selects them).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $crate::__tests_per_backend!(
            #[tokio::test]
            |backend| &$crate::TestServer::shared(backend);
            $($name),+
        );
    };
}

/// Declares each listed `async fn(Backend)` as a test per backend, under the same module names
/// as [`on_both_backends!`], for tests that need a gateway of their own. Multi-threaded, so a
/// test may block while a gateway it crashed shuts down.
#[macro_export]
macro_rules! on_each_backend {
    ($($name:ident),+ $(,)?) => {
        $crate::__tests_per_backend!(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            |backend| backend;
            $($name),+
        );
    };
}

/// What [`on_both_backends!`] and [`on_each_backend!`] share, so that both keep declaring the
/// same backends under the same module names: a module per backend, each test in it (run with
/// the test attribute given) passing `super::<name>` what the argument expression makes of
/// the module's backend.
#[doc(hidden)]
#[macro_export]
macro_rules! __tests_per_backend {
    (#[$test:meta] |$backend:ident| $arg:expr; $($name:ident),+) => {
        $crate::__tests_per_backend!(@module sqlite Sqlite #[$test] |$backend| $arg; $($name),+);
        #[cfg(feature = "postgres")]
        $crate::__tests_per_backend!(
            @module postgres Postgres #[$test] |$backend| $arg; $($name),+
        );
        $crate::__tests_per_backend!(@module zuora Zuora #[$test] |$backend| $arg; $($name),+);
        $crate::__tests_per_backend!(
            @module salesforce Salesforce #[$test] |$backend| $arg; $($name),+
        );
    };
    (@module $module:ident $variant:ident #[$test:meta] |$backend:ident| $arg:expr;
        $($name:ident),+) => {
        mod $module {
            $(
                #[$test]
                async fn $name() {
                    let $backend = $crate::Backend::$variant;
                    super::$name($arg).await;
                }
            )+
        }
    };
}
