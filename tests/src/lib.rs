//! The end-to-end test harness: the real gateway on port 0, spoken to over HTTP.
//!
//! Starting a gateway seeds 120 customers, so every test binary shares one seeded gateway per
//! backend, running on its own thread and runtime (a `#[tokio::test]` runtime dies with its test).
//! Tests that count SQL statements need a gateway nobody else talks to: [`TestServer::dedicated`].

mod macros;
mod postgres;

use partnergraph_core::demo::DemoData;
use partnergraph_core::write::{NoHook, StepHook};
use partnergraph_sandbox::salesforce::{self, Salesforce};
use partnergraph_sandbox::zuora::{Zuora, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use partnergraph_server::config::{
    BillingConnector, CatalogConnector, CrmConnector, SalesforceAuth, SalesforceSettings, Secret,
    ZuoraSettings,
};
use partnergraph_server::{Config, DatabaseConfig, Gateway};
use postgres::PgDatabase;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

pub mod assert;
pub mod backends;
pub mod faults;
pub mod personas;
pub mod queries;

/// Which store the gateway under test uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: a SQLite file in a temporary data directory.
    Sqlite,
    /// A fresh database on the PostgreSQL server of `PARTNERGRAPH_TEST_POSTGRES_URL`
    /// (default `postgres://postgres@127.0.0.1:5432/test`).
    Postgres,
    /// Billing and the catalog from a local Zuora sandbox (seeded with the same demo world),
    /// everything else from SQLite: the billing connector conformance run.
    Zuora,
    /// The CRM from a local Salesforce sandbox (seeded with the same demo world), everything
    /// else from SQLite: the CRM connector conformance run.
    Salesforce,
}

/// A running gateway with demo data.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    gateway: Gateway,
    runtime: tokio::runtime::Handle,
    /// How long starting the gateway took (migrations and demo seeding included).
    pub startup: Duration,
    storage: Arc<Storage>,
    /// Ends the gateway's runtime, like killing the process: see [`TestServer::restart`].
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

/// Where a gateway keeps its data and how it is configured: kept across restarts, removed
/// with the last server.
struct Storage {
    data_dir: tempfile::TempDir,
    database: Option<PgDatabase>,
    /// The Zuora sandbox's URL: it outlives gateway restarts, as Zuora would.
    zuora: Option<String>,
    /// The Salesforce sandbox and its URL, likewise.
    salesforce: Option<(Arc<Salesforce>, String)>,
    configure: Configure,
}

/// The demo world the gateway and the sandboxes seed.
fn demo_world() -> DemoData {
    partnergraph_demo::generate(chrono::Utc::now().date_naive())
}

/// Serves a sandbox on a thread and runtime of its own, for the rest of the process; returns
/// its URL.
fn serve_sandbox(router: axum::Router) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("sandbox runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind the sandbox");
            let url = format!("http://{}", listener.local_addr().expect("address"));
            tx.send(url).expect("hand over the URL");
            let _ = axum::serve(listener, router).await;
        });
    });
    rx.recv().expect("the sandbox started")
}

/// The private key of the Salesforce sandbox's default connected app.
pub fn salesforce_private_key() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/salesforce/sandbox-connected-app.key")
}

/// The Node.js package `tests/<name>` (a test's helper program), its npm packages installed
/// from its lock file (`npm ci`) when a clean checkout does not have them yet.
pub async fn node_package(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    // npm writes this file last, once every package is in place.
    if !dir.join("node_modules/.package-lock.json").exists() {
        let status = tokio::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .await
            .expect("npm is installed (some tests run a Node.js program)");
        assert!(status.success(), "npm ci in tests/{name}");
    }
    dir
}

/// Adjusts a test gateway's configuration.
pub type Configure = Box<dyn Fn(&mut Config) + Send + Sync>;

/// Reads go straight to the connectors: no upstream cache, no store read cache (and so no
/// remembered principals or answers), and circuit breakers that let a probe through at once.
/// For tests of what a connector itself does with faults and how many requests or statements
/// it sends; the caches' own behaviour is tested in `caching.rs` and `warm_path.rs`.
pub fn read_through(config: &mut Config) {
    config.cache.enabled = false;
    config.database.read_cache_mb = 0;
    let guards = [
        config.zuora.as_mut().map(|z| &mut z.resilience),
        config.salesforce.as_mut().map(|s| &mut s.resilience),
    ];
    for resilience in guards.into_iter().flatten() {
        resilience.breaker.open_secs = 0;
    }
}

/// A GraphQL response as the client saw it.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: String,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: Value,
}

impl Response {
    /// `data`, asserting the response has no errors.
    pub fn data(&self) -> &Value {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.body
        );
        &self.body["data"]
    }

    /// The `extensions.code` of every error, in order.
    pub fn error_codes(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first error's `extensions.code`, failing the test when there is none.
    pub fn error_code(&self) -> String {
        let codes = self.error_codes();
        assert!(!codes.is_empty(), "expected an error, got {}", self.body);
        codes[0].clone()
    }
}

impl TestServer {
    /// The gateway shared by every test of this binary on `backend`.
    pub fn shared(backend: Backend) -> Arc<TestServer> {
        static SQLITE: OnceLock<Arc<TestServer>> = OnceLock::new();
        static POSTGRES: OnceLock<Arc<TestServer>> = OnceLock::new();
        static ZUORA: OnceLock<Arc<TestServer>> = OnceLock::new();
        static SALESFORCE: OnceLock<Arc<TestServer>> = OnceLock::new();
        let cell = match backend {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
            Backend::Zuora => &ZUORA,
            Backend::Salesforce => &SALESFORCE,
        };
        cell.get_or_init(|| Arc::new(Self::dedicated(backend)))
            .clone()
    }

    /// A gateway of its own, on a runtime of its own that lives as long as the process.
    pub fn dedicated(backend: Backend) -> TestServer {
        Self::dedicated_with_hook(backend, Arc::new(NoHook))
    }

    /// A gateway of its own whose saga steps run through `hook` (fault injection).
    pub fn dedicated_with_hook(backend: Backend, hook: Arc<dyn StepHook>) -> TestServer {
        Self::dedicated_with(backend, hook, Box::new(|_| {}))
    }

    /// A gateway of its own with its configuration adjusted by `configure`.
    pub fn dedicated_with_config(backend: Backend, configure: Configure) -> TestServer {
        Self::dedicated_with(backend, Arc::new(NoHook), configure)
    }

    fn dedicated_with(
        backend: Backend,
        hook: Arc<dyn StepHook>,
        configure: Configure,
    ) -> TestServer {
        let storage = std::thread::spawn(move || {
            let database = match backend {
                Backend::Sqlite | Backend::Zuora | Backend::Salesforce => None,
                Backend::Postgres => Some(
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("setup runtime")
                        .block_on(PgDatabase::create()),
                ),
            };
            Storage {
                data_dir: tempfile::tempdir().expect("temporary data directory"),
                database,
                zuora: (backend == Backend::Zuora).then(|| {
                    serve_sandbox(Zuora::new(&demo_world(), Duration::from_secs(3600)).router())
                }),
                salesforce: (backend == Backend::Salesforce).then(|| {
                    let org = Salesforce::new(&demo_world(), salesforce::Settings::default())
                        .expect("the sandbox's certificate loads");
                    let url = serve_sandbox(org.router());
                    (org, url)
                }),
                configure,
            }
        })
        .join()
        .expect("storage set up");
        Self::spawn(Arc::new(storage), hook)
    }

    /// Stops this gateway the hard way (its runtime is dropped mid-request, as if the process
    /// were killed) and starts a new one on the same store, which resumes what was left
    /// unfinished.
    pub fn restart(self, hook: Arc<dyn StepHook>) -> TestServer {
        let TestServer {
            storage,
            stop,
            thread,
            ..
        } = self;
        // The receiver is gone only if the runtime already ended, which is what we want.
        let _ = stop.send(());
        thread.join().expect("the old gateway's thread ends");
        Self::spawn(storage, hook)
    }

    /// Runs a gateway over `storage` on a thread and runtime of its own, until stopped.
    fn spawn(storage: Arc<Storage>, hook: Arc<dyn StepHook>) -> TestServer {
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("test runtime");
            let handle = runtime.handle().clone();
            runtime.block_on(async move {
                let booted = Self::boot(&storage, hook).await;
                tx.send((booted, handle, storage))
                    .expect("hand over the server");
                // Shared servers never stop; they live as long as the test process.
                let _ = stopped.await;
            });
            runtime.shutdown_timeout(Duration::from_secs(5));
        });
        let ((url, gateway, startup), runtime, storage) = rx.recv().expect("the gateway started");
        TestServer {
            url,
            gateway,
            runtime,
            startup,
            storage,
            stop,
            thread,
        }
    }

    async fn boot(storage: &Storage, hook: Arc<dyn StepHook>) -> (String, Gateway, Duration) {
        // `RUST_LOG=partnergraph=debug cargo test …` shows the gateway's logs of a failing test.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let mut config = Config {
            data_dir: storage.data_dir.path().to_path_buf(),
            demo: true,
            database: DatabaseConfig {
                url: storage.database.as_ref().map(|db| db.url.clone()),
                ..DatabaseConfig::default()
            },
            ..Config::default()
        };
        if let Some(zuora) = &storage.zuora {
            config.billing = BillingConnector::Zuora;
            config.catalog = CatalogConnector::Zuora;
            config.zuora = Some(ZuoraSettings {
                base_url: zuora.clone(),
                client_id: DEFAULT_CLIENT_ID.to_owned(),
                client_secret: Secret(DEFAULT_CLIENT_SECRET.to_owned()),
                entity_ids: None,
                version: "2025-08-12".to_owned(),
                timeout_secs: 10,
                resilience: Default::default(),
            });
        }
        if let Some((_, url)) = &storage.salesforce {
            config.crm = CrmConnector::Salesforce;
            config.salesforce = Some(SalesforceSettings {
                login_url: url.clone(),
                api_version: "62.0".to_owned(),
                timeout_secs: 10,
                auth: SalesforceAuth::JwtBearer {
                    consumer_key: salesforce::DEFAULT_CONSUMER_KEY.to_owned(),
                    username: salesforce::DEFAULT_USERNAME.to_owned(),
                    private_key_file: salesforce_private_key(),
                    audience: "https://login.salesforce.com".to_owned(),
                },
                resilience: Default::default(),
            });
        }
        (storage.configure)(&mut config);
        let started = Instant::now();
        let gateway = Gateway::builder(config)
            .step_hook(hook)
            .start()
            .await
            .expect("gateway starts");
        let startup = started.elapsed();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        tokio::spawn(
            gateway
                .clone()
                .serve(listener, std::future::pending::<()>()),
        );
        (url, gateway, startup)
    }

    /// The Prometheus exposition of `GET /metrics`.
    pub async fn metrics(&self) -> String {
        reqwest::get(format!("{}/metrics", self.url))
            .await
            .expect("metrics answer")
            .text()
            .await
            .expect("text")
    }

    /// The demo data the gateway was seeded with, as the tests' oracle.
    pub fn demo(&self) -> DemoData {
        demo_world()
    }

    /// A bearer token for the user with this email.
    pub async fn token(&self, email: &str) -> String {
        let gateway = self.gateway.clone();
        let email = email.to_owned();
        self.runtime
            .spawn(async move { gateway.issue_token(&email).await })
            .await
            .expect("token task")
            .expect("token for a known user")
    }

    /// The store tables that still hold a row naming `id` (in its key or its record).
    pub async fn tables_mentioning(&self, id: &str) -> Vec<&'static str> {
        let gateway = self.gateway.clone();
        let id = id.to_owned();
        self.runtime
            .spawn(async move { gateway.store().tables_mentioning(&id).await })
            .await
            .expect("scan task")
            .expect("scan the store")
    }

    /// The emails the gateway delivered to its outbox, oldest first.
    pub fn outbox(&self) -> Vec<Value> {
        let dir = self.storage.data_dir.path().join("outbox");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter_map(|f| std::fs::read(f).ok())
            .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
            .collect()
    }

    /// Opens the activation link of `token` as its recipient's browser (or a mail scanner)
    /// would: the status and the page. Shared by the suites that sign users up and those that
    /// invite them, which must see the same link behave the same.
    pub async fn open_activation_link(&self, token: &str) -> (u16, String) {
        let r = reqwest::Client::new()
            .get(format!("{}/auth/activate", self.url))
            .query(&[("token", token)])
            .send()
            .await
            .expect("activation request");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// The requests the Zuora sandbox received so far (empty on other backends).
    pub async fn zuora_requests(&self) -> Vec<Value> {
        sandbox_list(self.storage.zuora.as_deref(), "/_sandbox/requests").await
    }

    /// The most requests the Zuora sandbox answered at once since its log was last cleared.
    pub async fn zuora_peak_concurrency(&self) -> u64 {
        let zuora = self.storage.zuora.as_deref().expect("a Zuora backend");
        let answer: Value = reqwest::get(format!("{zuora}/_sandbox/concurrency"))
            .await
            .expect("the sandbox answers")
            .json()
            .await
            .expect("a JSON body");
        answer["peak"].as_u64().expect("a peak")
    }

    /// Every access token the Zuora sandbox issued (empty on other backends).
    pub async fn zuora_tokens(&self) -> Vec<String> {
        sandbox_list(self.storage.zuora.as_deref(), "/_sandbox/tokens").await
    }

    /// Calls the Zuora sandbox's control API (`/_sandbox/…`) with a JSON body.
    pub async fn zuora_control(&self, path: &str, body: &Value) {
        let zuora = self.storage.zuora.as_deref().expect("a Zuora backend");
        sandbox_control(zuora, path, body).await;
    }

    /// Zuora's answer to a GET of `path_and_query` (an Object Query, say), as a Zuora client
    /// would read it with a token of its own: what the sandbox now holds, not what the gateway
    /// remembers.
    pub async fn zuora_get(&self, path_and_query: &str) -> Value {
        let zuora = self.storage.zuora.as_deref().expect("a Zuora backend");
        let client = reqwest::Client::new();
        let token: Value = client
            .post(format!("{zuora}/oauth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", DEFAULT_CLIENT_ID),
                ("client_secret", DEFAULT_CLIENT_SECRET),
            ])
            .send()
            .await
            .expect("the sandbox answers")
            .json()
            .await
            .expect("a token");
        let token = token["access_token"].as_str().expect("an access token");
        client
            .get(format!("{zuora}{path_and_query}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("the sandbox answers")
            .json()
            .await
            .expect("a JSON body")
    }

    /// The requests the Salesforce sandbox received so far (empty on other backends).
    pub async fn salesforce_requests(&self) -> Vec<Value> {
        sandbox_list(self.salesforce_url(), "/_sandbox/requests").await
    }

    /// Every access token the Salesforce sandbox issued (empty on other backends).
    pub async fn salesforce_tokens(&self) -> Vec<String> {
        sandbox_list(self.salesforce_url(), "/_sandbox/tokens").await
    }

    /// Calls the Salesforce sandbox's control API (`/_sandbox/…`) with a JSON body.
    pub async fn salesforce_control(&self, path: &str, body: &Value) {
        let url = self.salesforce_url().expect("a Salesforce backend");
        sandbox_control(url, path, body).await;
    }

    /// The records of `object` the Salesforce sandbox holds (empty on other backends).
    pub fn salesforce_records(&self, object: &str) -> Vec<Value> {
        self.storage
            .salesforce
            .as_ref()
            .map(|(org, _)| org.records(object))
            .unwrap_or_default()
    }

    fn salesforce_url(&self) -> Option<&str> {
        self.storage
            .salesforce
            .as_ref()
            .map(|(_, url)| url.as_str())
    }

    /// The backend this gateway runs on.
    pub fn backend(&self) -> Backend {
        if self.storage.zuora.is_some() {
            Backend::Zuora
        } else if self.storage.salesforce.is_some() {
            Backend::Salesforce
        } else if self.storage.database.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// SQL statements the gateway's store has executed so far.
    pub fn sql_statements(&self) -> u64 {
        self.gateway.store().statement_count()
    }

    /// Runs `query` as the user with `email`, asking for `application/graphql-response+json`.
    pub async fn query(&self, email: &str, query: &str, variables: Value) -> Response {
        let token = self.token(email).await;
        self.post_json(
            Some(&token),
            &json!({ "query": query, "variables": variables }),
        )
        .await
    }

    /// POSTs a JSON body to `/graphql`.
    pub async fn post_json(&self, token: Option<&str>, body: &Value) -> Response {
        self.post_raw(token, "application/json", body.to_string())
            .await
    }

    /// POSTs any body to `/graphql` with this content type.
    pub async fn post_raw(
        &self,
        token: Option<&str>,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        let mut request = reqwest::Client::new()
            .post(format!("{}/graphql", self.url))
            .header("content-type", content_type)
            .header("accept", "application/graphql-response+json")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Self::read(request.send().await.expect("the server answers")).await
    }

    /// GETs a path (with query string) with an optional bearer token.
    pub async fn get(&self, path_and_query: &str, token: Option<&str>) -> Response {
        let mut request = reqwest::Client::new().get(format!("{}{path_and_query}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Self::read(request.send().await.expect("the server answers")).await
    }

    async fn read(response: reqwest::Response) -> Response {
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(ToOwned::to_owned)
        };
        let content_type = header("content-type").unwrap_or_default();
        let retry_after = header("retry-after");
        let text = response.text().await.expect("a body");
        Response {
            status,
            content_type,
            retry_after,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    /// Whether the gateway still serves an ordinary query (after a hostile one).
    pub async fn assert_still_serving(&self) {
        let response = self
            .query(
                "admin@platform.example",
                "{ viewer { user { email } } }",
                json!({}),
            )
            .await;
        assert_eq!(response.status, 200, "{:?}", response.body);
        assert_eq!(
            response.data()["viewer"]["user"]["email"],
            "admin@platform.example"
        );
    }
}

/// A list from a sandbox's control API (empty when there is no such sandbox).
async fn sandbox_list<T: serde::de::DeserializeOwned>(url: Option<&str>, path: &str) -> Vec<T> {
    let Some(url) = url else {
        return Vec::new();
    };
    reqwest::get(format!("{url}{path}"))
        .await
        .expect("the sandbox answers")
        .json()
        .await
        .expect("a JSON list")
}

/// Calls a sandbox's control API; a `Null` body means `DELETE`.
async fn sandbox_control(url: &str, path: &str, body: &Value) {
    let client = reqwest::Client::new();
    let request = if body.is_null() {
        client.delete(format!("{url}{path}"))
    } else {
        client.post(format!("{url}{path}")).json(body)
    };
    let status = request.send().await.expect("the sandbox answers").status();
    assert!(status.is_success(), "{path}: {status}");
}
