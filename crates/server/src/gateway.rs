//! The gateway and the one way to build it: [`Gateway::builder`] takes the configuration and,
//! optionally, a world to seed and a hook around saga steps, then either starts a gateway (store
//! migrated and seeded, unfinished writes resumed) or opens one for a one-off command (store
//! untouched). Serving HTTP is here too, with the connection limits a slow client must not get
//! around.

use crate::auth::TokenIssuer;
use crate::identity::{self, EmbeddedIdentities};
use crate::{app, oidc, Config, ServerError};
use partnergraph_core::demo::DemoData;
use partnergraph_core::write::{IdentityProvider, NoHook, StepHook, Writes};
use partnergraph_local::LocalStore;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// A running gateway's shared state; cheap to clone. Built with [`Gateway::builder`].
#[derive(Clone)]
pub struct Gateway {
    state: Arc<app::AppState>,
    store: LocalStore,
    config: Arc<Config>,
    /// Read only by the `testing` seams: the connectors hold their own handles.
    #[cfg(feature = "testing")]
    cache: Option<Arc<partnergraph_upstream::Cache>>,
}

/// How a [`Gateway`] is built: the configuration, then what only some callers want (a world to
/// seed, a hook around saga steps), then [`start`](GatewayBuilder::start) or
/// [`open`](GatewayBuilder::open).
#[must_use = "a builder does nothing until started or opened"]
pub struct GatewayBuilder {
    config: Config,
    demo: Option<DemoData>,
    hook: Arc<dyn StepHook>,
}

impl Gateway {
    /// A builder of a gateway over `config`, with no hook around saga steps and the demo world
    /// seeded only if `config.demo` says so.
    pub fn builder(config: Config) -> GatewayBuilder {
        GatewayBuilder {
            config,
            demo: None,
            hook: Arc::new(NoHook),
        }
    }
}

impl GatewayBuilder {
    /// Seeds `world` into an empty store when started, instead of the demo world and whatever
    /// `config.demo` says. The benchmark seeds `partnergraph_demo::generate_with_load`'s larger
    /// world (the one its sandboxes serve) this way: only benchmarks want that world, so no
    /// configuration key names it.
    pub fn demo(mut self, world: DemoData) -> Self {
        self.demo = Some(world);
        self
    }

    /// Runs `hook` around every saga step. Fault-injection tests fail or stall steps here.
    pub fn step_hook(mut self, hook: Arc<dyn StepHook>) -> Self {
        self.hook = hook;
        self
    }

    /// Opens the store, runs pending migrations, seeds the world into an empty store (the one
    /// given to [`demo`](Self::demo), else the demo world when `config.demo` is set), builds the
    /// schema, then resumes the operations a previous process left unfinished.
    pub async fn start(self) -> Result<Gateway, ServerError> {
        let Self { config, demo, hook } = self;
        let demo = demo.or_else(|| {
            config
                .demo
                .then(|| partnergraph_demo::generate(chrono::Utc::now().date_naive()))
        });
        // Upstream calls are counted from the first one on.
        app::prometheus();
        let gateway = Gateway::assemble(config, hook).await?;
        gateway.store.migrate().await?;
        if let Some(demo) = demo {
            gateway.seed(demo).await?;
        }
        let resumed = gateway.state.writes.resume_unfinished().await?;
        if resumed > 0 {
            tracing::info!(
                resumed,
                "finished the writes a previous process left unfinished"
            );
        }
        Ok(gateway)
    }

    /// Opens the store and the token issuer without changing the database (for `migrate` and
    /// `token`): no migrations, no seeding, no resumed writes.
    pub async fn open(self) -> Result<Gateway, ServerError> {
        Gateway::assemble(self.config, self.hook).await
    }
}

impl Gateway {
    /// Seeds the local store's share of `demo` into an empty store.
    async fn seed(&self, mut demo: DemoData) -> Result<(), ServerError> {
        // Capabilities served elsewhere keep their demo records there (the sandboxes seed
        // the same world); copies in the local store would only mislead.
        if self.config.billing != crate::config::BillingConnector::Local {
            demo.billing_accounts.clear();
            demo.subscriptions.clear();
            demo.invoices.clear();
            demo.payments.clear();
            demo.payment_methods.clear();
        }
        if self.config.catalog != crate::config::CatalogConnector::Local {
            demo.offers.clear();
        }
        if self.config.crm != crate::config::CrmConnector::Local {
            demo.crm_accounts.clear();
            demo.contacts.clear();
            demo.cases.clear();
        }
        if self.store.seed_demo(&demo).await? {
            tracing::info!("seeded the demo dataset");
        }
        Ok(())
    }

    /// The gateway over `config`, its store opened but not changed.
    async fn assemble(config: Config, hook: Arc<dyn StepHook>) -> Result<Self, ServerError> {
        std::fs::create_dir_all(&config.data_dir)?;
        let database = &config.database;
        let mut store = LocalStore::connect(
            &config.database_url(),
            database.sqlite_page_cache_mb.saturating_mul(1024),
        )
        .await?;
        if database.read_cache_mb > 0 {
            store = store.with_read_cache(
                database.read_cache_mb.saturating_mul(1 << 20),
                Duration::from_secs(database.read_cache_ttl_secs),
            );
        }
        let issuer = Arc::new(TokenIssuer::load_or_create(&config.data_dir, &config.auth)?);
        let cache = config
            .cache
            .enabled
            .then(|| partnergraph_upstream::Cache::new(&config.cache));
        let connectors = crate::connectors::connectors(&config, &store, cache.clone())?;
        let identities: Arc<dyn IdentityProvider> =
            Arc::new(EmbeddedIdentities::new(connectors.directory.clone()));
        let mailer = Arc::new(identity::OutboxMailer::new(&config.data_dir));
        let writes = Writes::new(connectors.clone(), identities.clone(), mailer, hook);
        let public_url = config
            .auth
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", config.listen));
        let schema = partnergraph_graphql::build_schema(
            connectors.clone(),
            writes.clone(),
            issuer.clone(),
            public_url,
            config.graphql_limits(),
            if config.tracing.otlp_endpoint.is_some() {
                partnergraph_graphql::FieldSpans::On
            } else {
                partnergraph_graphql::FieldSpans::Off
            },
        );
        let state = Arc::new(app::AppState {
            schema,
            writes,
            connectors,
            issuer,
            launch: config.launch.salesforce.clone(),
            identities,
            login_limits: identity::LoginLimits::new(),
            oidc: oidc::OidcVerifier::new(&config.auth.oidc)?,
            batching: if config.batching.enabled {
                partnergraph_graphql::Batching::On
            } else {
                partnergraph_graphql::Batching::Off
            },
            principals: crate::auth::Principals::new(),
            responses: responses(&config, cache.is_some()),
            upstream_cache: cache.clone(),
        });
        Ok(Self {
            state,
            store,
            config: Arc::new(config),
            #[cfg(feature = "testing")]
            cache,
        })
    }

    /// Runs pending migrations (for `partnergraph migrate`).
    pub async fn migrate(&self) -> Result<(), ServerError> {
        Ok(self.store.migrate().await?)
    }

    /// A token for the user with this email, signed by the embedded issuer.
    pub async fn issue_token(&self, email: &str) -> Result<String, ServerError> {
        let user = self.user(email).await?;
        Ok(self.state.issuer.issue(&user)?)
    }

    async fn user(&self, email: &str) -> Result<partnergraph_core::model::User, ServerError> {
        self.state
            .connectors
            .directory
            .user_by_email(email)
            .await?
            .ok_or_else(|| ServerError::UnknownUser(email.to_owned()))
    }

    /// Gives the user with this email `password` for `/auth/login`, unless they already sign in
    /// with one. `serve --demo` does this for the demo personas, so the portal's sign-in page
    /// works out of the box; an existing password is never replaced.
    pub async fn give_password(&self, email: &str, password: &str) -> Result<(), ServerError> {
        let user = self.user(email).await?;
        if !self.state.identities.has_password(email).await? {
            self.state
                .identities
                .register(email, password, &user.id)
                .await?;
        }
        Ok(())
    }

    /// The HTTP router with its middleware stack.
    pub fn router(&self) -> axum::Router {
        app::router(self.state.clone(), &self.config)
    }

    /// Serves HTTP/1.1 on `listener` until `shutdown` resolves, then stops accepting and drains
    /// the connections in flight.
    ///
    /// Built on hyper rather than `axum::serve` for two limits a slow or greedy client must not
    /// get around: a connection's request headers must arrive within
    /// `[limits] header_read_timeout_secs` (which also closes idle keep-alive connections), and
    /// at most `[limits] max_connections` connections are served at once (beyond that the
    /// listener is not read, so new connections wait in the kernel's backlog). Every request
    /// carries its peer address as axum's `ConnectInfo`: the per-address limit on failed logins
    /// and the throttling of token-less calls read it.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        use tower::ServiceExt;
        let limits = &self.config.limits;
        let router = self.router();
        let connections = Arc::new(tokio::sync::Semaphore::new(
            limits
                .max_connections
                .clamp(1, tokio::sync::Semaphore::MAX_PERMITS),
        ));
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(std::time::Duration::from_secs(
                limits.header_read_timeout_secs,
            ));
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                () = &mut shutdown => break,
                permit = connections.clone().acquire_owned() => permit,
            };
            // Acquiring fails only on a closed semaphore, and this one is never closed.
            let Ok(permit) = permit else { break };
            let (stream, peer) = tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        accept_failed(err).await;
                        continue;
                    }
                },
            };
            let router = router.clone();
            let service = hyper::service::service_fn(
                move |mut request: hyper::Request<hyper::body::Incoming>| {
                    request
                        .extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    router.clone().oneshot(request)
                },
            );
            let connection = graceful
                .watch(http.serve_connection(hyper_util::rt::TokioIo::new(stream), service));
            tokio::spawn(async move {
                if let Err(err) = connection.await {
                    tracing::debug!(%err, %peer, "connection ended with an error");
                }
                drop(permit);
            });
        }
        drop(listener);
        graceful.shutdown().await;
        Ok(())
    }
}

/// Seams for the tests crate and the benchmark, which need to look behind the API: compiled only
/// with the `testing` feature, so the production gateway has none of them.
#[cfg(feature = "testing")]
impl Gateway {
    /// The local store, for tests that check what the gateway left in it (rows naming a
    /// record, statements executed).
    pub fn store(&self) -> &LocalStore {
        &self.store
    }

    /// Empties the upstream read cache, if there is one (benchmarks measure cold pages so).
    pub fn clear_cache(&self) {
        if let Some(cache) = &self.cache {
            cache.clear();
        }
        if let Some(responses) = &self.state.responses {
            responses.clear();
        }
    }

    /// Bytes the upstream read cache holds, as its entries are weighed against
    /// `[cache] max_size_mb`, once pending insertions and evictions are applied; `None` with
    /// caching off. Benchmarks check with it that the cache has reached its capacity.
    pub fn cache_size_bytes(&self) -> Option<u64> {
        self.cache.as_ref().map(|cache| cache.weighted_size())
    }
}

/// Waits out a failed `accept`: at once when only that connection failed, a second when the
/// process is out of something (file descriptors, memory) that other connections must return.
async fn accept_failed(err: std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
    ) {
        return;
    }
    tracing::error!(%err, "could not accept a connection; retrying in a second");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
}

/// The response cache `config` allows: only when the store's read cache is on and no upstream
/// is read around the upstream cache (`upstream_cached`), since an answer is kept only while
/// both can tell that nothing it holds has changed.
fn responses(config: &Config, upstream_cached: bool) -> Option<crate::responses::Responses> {
    use crate::config::{BillingConnector, CatalogConnector, CrmConnector};
    let remote = config.billing != BillingConnector::Local
        || config.catalog != CatalogConnector::Local
        || config.crm != CrmConnector::Local;
    let settings = &config.response_cache;
    // An answer built from upstream records is reused no longer than the freshest of them
    // stays fresh.
    let mut max_age = Duration::from_secs(settings.max_age_secs);
    if remote {
        max_age = max_age.min(config.cache.shortest_ttl());
    }
    let allowed = settings.max_size_mb > 0
        && !max_age.is_zero()
        && config.database.read_cache_mb > 0
        && (upstream_cached || !remote);
    allowed.then(|| {
        crate::responses::Responses::new(settings.max_size_mb.saturating_mul(1 << 20), max_age)
    })
}
