//! partnergraph-server: the gateway process.
//!
//! This is the only crate that knows HTTP routing, configuration files and concrete connectors:
//! it picks a connector for each capability, builds the GraphQL schema over them and serves it.

mod app;
pub mod auth;
pub mod config;
mod graphiql;
mod identity;
mod launch;
pub mod oidc;
pub mod telemetry;

pub use config::{AuthConfig, Config, CorsConfig, DatabaseConfig, LimitsConfig, LogConfig};

use auth::{AuthError, TokenIssuer};
use identity::EmbeddedIdentities;
use partnergraph_core::demo::DemoData;
use partnergraph_core::traits::Connectors;
use partnergraph_core::write::{IdentityProvider, NoHook, StepHook, Writes};
use partnergraph_local::{LocalError, LocalStore};
use std::future::Future;
use std::sync::Arc;

/// mimalloc rather than the system allocator, for every binary that runs the gateway (the
/// `partnergraph` command, the benchmark, the end-to-end tests): a GraphQL response is
/// thousands of small allocations made on one worker thread and often freed on another, which
/// glibc's allocator handles slowly (an eighth of a warm dashboard's CPU went to its free lists).
/// Built without transparent huge pages (`no_thp`): cached records live for minutes scattered
/// across the heap, and a huge page stays resident, all 2 MiB of it, while any of them is alive
/// (30 MB of a full 64 MB cache's resident set went to that).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Why the gateway could not start or do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration is invalid.
    #[error("configuration: {0}")]
    Config(#[from] Box<figment::Error>),
    /// The local store failed.
    #[error("store: {0}")]
    Store(#[from] LocalError),
    /// Token issuing failed.
    #[error("auth: {0}")]
    Auth(#[from] AuthError),
    /// A directory lookup failed.
    #[error(transparent)]
    Core(#[from] partnergraph_core::Error),
    /// The data directory or the listener failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// The configuration is inconsistent.
    #[error("configuration: {0}")]
    Inconsistent(&'static str),
    /// Logging or trace export could not start.
    #[error("telemetry: {0}")]
    Telemetry(#[from] crate::telemetry::TelemetryError),
    /// No user has this email.
    #[error("no user with email {0}")]
    UnknownUser(String),
}

/// A running gateway's shared state; cheap to clone.
#[derive(Clone)]
pub struct Gateway {
    state: Arc<app::AppState>,
    store: LocalStore,
    config: Arc<Config>,
    cache: Option<Arc<partnergraph_upstream::Cache>>,
}

impl Gateway {
    /// Opens the store, runs pending migrations, seeds the demo data into an empty store when
    /// `config.demo` is set, and builds the schema.
    pub async fn start(config: Config) -> Result<Self, ServerError> {
        Self::start_with_hook(config, Arc::new(NoHook)).await
    }

    /// [`Gateway::start`] with `hook` around every saga step, then resumes the operations a
    /// previous process left unfinished. Fault-injection tests fail or stall steps here.
    pub async fn start_with_hook(
        config: Config,
        hook: Arc<dyn StepHook>,
    ) -> Result<Self, ServerError> {
        let demo = config
            .demo
            .then(|| partnergraph_core::demo::generate(chrono::Utc::now().date_naive()));
        Self::start_seeded(config, hook, demo).await
    }

    /// [`Gateway::start`], seeding `demo` into an empty store instead of the demo world,
    /// whatever `config.demo` says. The benchmark seeds
    /// [`partnergraph_core::demo::generate_with_load`]'s larger world (the one its sandboxes
    /// serve) this way: only benchmarks want that world, so no configuration key names it.
    pub async fn start_with_demo(config: Config, demo: DemoData) -> Result<Self, ServerError> {
        Self::start_seeded(config, Arc::new(NoHook), Some(demo)).await
    }

    async fn start_seeded(
        config: Config,
        hook: Arc<dyn StepHook>,
        demo: Option<DemoData>,
    ) -> Result<Self, ServerError> {
        // Upstream calls are counted from the first one on.
        app::prometheus();
        let gateway = Self::open_with_hook(config, hook).await?;
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

    /// Seeds the local store's share of `demo` into an empty store.
    async fn seed(&self, mut demo: DemoData) -> Result<(), ServerError> {
        // Capabilities served elsewhere keep their demo records there (the sandboxes seed
        // the same world); copies in the local store would only mislead.
        if self.config.billing != config::BillingConnector::Local {
            demo.billing_accounts.clear();
            demo.subscriptions.clear();
            demo.invoices.clear();
            demo.payments.clear();
            demo.payment_methods.clear();
        }
        if self.config.catalog != config::CatalogConnector::Local {
            demo.offers.clear();
        }
        if self.config.crm != config::CrmConnector::Local {
            demo.crm_accounts.clear();
            demo.contacts.clear();
            demo.cases.clear();
        }
        if self.store.seed_demo(&demo).await? {
            tracing::info!("seeded the demo dataset");
        }
        Ok(())
    }

    /// Opens the store and the token issuer without changing the database (for `token`).
    pub async fn open(config: Config) -> Result<Self, ServerError> {
        Self::open_with_hook(config, Arc::new(NoHook)).await
    }

    async fn open_with_hook(config: Config, hook: Arc<dyn StepHook>) -> Result<Self, ServerError> {
        std::fs::create_dir_all(&config.data_dir)?;
        let store = LocalStore::connect(
            &config.database_url(),
            config.database.sqlite_page_cache_mb.saturating_mul(1024),
        )
        .await?;
        let issuer = Arc::new(TokenIssuer::load_or_create(&config.data_dir, &config.auth)?);
        let cache = config
            .cache
            .enabled
            .then(|| partnergraph_upstream::Cache::new(&config.cache));
        let connectors = connectors(&config, &store, cache.clone())?;
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
            graphiql: graphiql::page(),
            launch: config.launch.salesforce.clone(),
            identities,
            login_limits: identity::LoginLimits::new(),
            oidc: oidc::OidcVerifier::new(&config.auth.oidc)?,
            batching: if config.batching.enabled {
                partnergraph_graphql::Batching::On
            } else {
                partnergraph_graphql::Batching::Off
            },
        });
        Ok(Self {
            state,
            store,
            config: Arc::new(config),
            cache,
        })
    }

    /// Runs pending migrations (for `partnergraph migrate`).
    pub async fn migrate(&self) -> Result<(), ServerError> {
        Ok(self.store.migrate().await?)
    }

    /// A token for the user with this email, signed by the embedded issuer.
    pub async fn issue_token(&self, email: &str) -> Result<String, ServerError> {
        let user = self
            .state
            .connectors
            .directory
            .user_by_email(email)
            .await?
            .ok_or_else(|| ServerError::UnknownUser(email.to_owned()))?;
        Ok(self.state.issuer.issue(&user)?)
    }

    /// Empties the upstream read cache, if there is one (benchmarks measure cold pages so).
    pub fn clear_cache(&self) {
        if let Some(cache) = &self.cache {
            cache.clear();
        }
    }

    /// Bytes the upstream read cache holds, as its entries are weighed against
    /// `[cache] max_size_mb`, once pending insertions and evictions are applied; `None` with
    /// caching off. Benchmarks check with it that the cache has reached its capacity.
    pub fn cache_size_bytes(&self) -> Option<u64> {
        self.cache.as_ref().map(|cache| cache.weighted_size())
    }

    /// The local store (diagnostics and tests).
    pub fn store(&self) -> &LocalStore {
        &self.store
    }

    /// SQL statements executed on the local store so far (tests prove batching with it).
    pub fn sql_statements(&self) -> u64 {
        self.store.statement_count()
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

/// The connector configured for each capability: the only place that names them all.
///
/// Zuora and Salesforce are guarded ([`partnergraph_upstream`]): a breaker each, and `cache`
/// for both when caching is on.
fn connectors(
    config: &Config,
    store: &LocalStore,
    cache: Option<Arc<partnergraph_upstream::Cache>>,
) -> Result<Connectors, ServerError> {
    use config::{BillingConnector, CatalogConnector, CrmConnector};
    use partnergraph_upstream::{guarded, Upstream};
    let zuora = match (config.billing, config.catalog) {
        (BillingConnector::Local, CatalogConnector::Local) => None,
        _ => {
            let settings = config.zuora.as_ref().ok_or(ServerError::Inconsistent(
                "billing or catalog is \"zuora\" but [zuora] is not configured",
            ))?;
            let client = partnergraph_zuora::ZuoraClient::new(partnergraph_zuora::ZuoraConfig {
                base_url: settings.base_url.clone(),
                client_id: settings.client_id.clone(),
                client_secret: oauth2::ClientSecret::new(settings.client_secret.0.clone()),
                entity_ids: settings.entity_ids.clone(),
                zuora_version: settings.version.clone(),
                timeout: std::time::Duration::from_secs(settings.timeout_secs),
                max_concurrent_requests: settings.resilience.max_concurrent_requests,
            })
            .map_err(|_| ServerError::Inconsistent("zuora.base_url is not a valid URL"))?;
            let upstream = Upstream::new("zuora", &settings.resilience, cache.clone());
            Some((
                Arc::new(partnergraph_zuora::ZuoraBilling::new(client)),
                upstream,
            ))
        }
    };
    let local = Arc::new(store.clone());
    Ok(Connectors {
        directory: local.clone(),
        billing: match (&zuora, config.billing) {
            (Some((z, upstream)), BillingConnector::Zuora) => guarded::billing(z.clone(), upstream),
            _ => local.clone(),
        },
        crm: match config.crm {
            CrmConnector::Local => local.clone(),
            CrmConnector::Salesforce => {
                let (crm, resilience) = salesforce(config)?;
                guarded::crm(crm, &Upstream::new("salesforce", resilience, cache))
            }
        },
        catalog: match (&zuora, config.catalog) {
            (Some((z, upstream)), CatalogConnector::Zuora) => guarded::catalog(z.clone(), upstream),
            _ => local,
        },
    })
}

/// The Salesforce CRM connector `[salesforce]` describes, and how to guard it.
fn salesforce(
    config: &Config,
) -> Result<
    (
        Arc<dyn partnergraph_core::traits::Crm>,
        &partnergraph_upstream::ResilienceConfig,
    ),
    ServerError,
> {
    use partnergraph_salesforce::{Auth, SalesforceClient, SalesforceConfig, SalesforceCrm};
    let settings = config.salesforce.as_ref().ok_or(ServerError::Inconsistent(
        "crm is \"salesforce\" but [salesforce] is not configured",
    ))?;
    let auth = match &settings.auth {
        config::SalesforceAuth::JwtBearer {
            consumer_key,
            username,
            private_key_file,
            audience,
        } => Auth::JwtBearer {
            consumer_key: consumer_key.clone(),
            username: username.clone(),
            private_key_pem: oauth2::ClientSecret::new(
                std::fs::read_to_string(private_key_file).map_err(|_| {
                    ServerError::Inconsistent("salesforce.auth.private_key_file cannot be read")
                })?,
            ),
            audience: audience.clone(),
        },
        config::SalesforceAuth::ClientCredentials {
            client_id,
            client_secret,
        } => Auth::ClientCredentials {
            client_id: client_id.clone(),
            client_secret: oauth2::ClientSecret::new(client_secret.0.clone()),
        },
    };
    let client = SalesforceClient::new(SalesforceConfig {
        login_url: settings.login_url.clone(),
        auth,
        api_version: settings.api_version.clone(),
        timeout: std::time::Duration::from_secs(settings.timeout_secs),
        max_concurrent_requests: settings.resilience.max_concurrent_requests,
    })
    .map_err(|_| {
        ServerError::Inconsistent(
            "salesforce.login_url is not a valid URL or the private key is not an RSA PEM key",
        )
    })?;
    Ok((Arc::new(SalesforceCrm::new(client)), &settings.resilience))
}

/// The GraphQL schema in SDL, as committed in `schema.graphql`.
pub fn schema_sdl() -> String {
    partnergraph_graphql::sdl()
}
