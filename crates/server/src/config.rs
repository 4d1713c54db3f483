//! Gateway configuration: defaults, then a TOML file, then `PARTNERGRAPH__…` environment
//! variables, then command-line flags. Unknown keys are rejected by name, because a misspelt key
//! that is silently ignored is a production incident waiting to happen.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The whole configuration of a gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// Directory for the embedded SQLite store and the token signing key.
    pub data_dir: PathBuf,
    /// Seed the demo dataset into an empty store at start and print persona tokens.
    pub demo: bool,
    /// The local store.
    pub database: DatabaseConfig,
    /// Request limits.
    pub limits: LimitsConfig,
    /// Token issuing and validation.
    pub auth: AuthConfig,
    /// Cross-origin requests from portal single-page apps.
    pub cors: CorsConfig,
    /// Logging.
    pub log: LogConfig,
    /// OpenTelemetry traces, exported over OTLP when an endpoint is set.
    pub tracing: TracingConfig,
    /// Deep links into the portal from other systems.
    pub launch: LaunchConfig,
    /// The connector that serves billing: the local store, or Zuora (then `[zuora]` is required).
    pub billing: BillingConnector,
    /// The connector that serves the offer catalog: the local store, or Zuora's product catalog.
    pub catalog: CatalogConnector,
    /// The Zuora tenant, when billing or the catalog is Zuora.
    pub zuora: Option<ZuoraSettings>,
    /// The connector that serves the CRM (accounts, contacts, support cases): the local store,
    /// or Salesforce (then `[salesforce]` is required).
    pub crm: CrmConnector,
    /// The Salesforce org, when the CRM is Salesforce.
    pub salesforce: Option<SalesforceSettings>,
    /// The cache in front of Zuora and Salesforce reads (the local store has its own: see
    /// `database.read_cache_mb`).
    pub cache: partnergraph_upstream::CacheConfig,
    /// How relationships of a page are loaded.
    pub batching: BatchingConfig,
    /// Answers to repeated queries, served without executing them again.
    pub response_cache: ResponseCacheConfig,
}

/// The response cache: a user's query answered again byte for byte while nothing it read can
/// have changed. It holds only answers without errors or stale records, per user (and login-as
/// actor), and only while the store's read cache is on and every upstream is cached: every
/// write through the gateway ends all of it at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ResponseCacheConfig {
    /// Answers it may hold, in megabytes; 0 turns it off.
    pub max_size_mb: u64,
    /// The longest an answer is served again, in seconds: what it adds at most to the age of
    /// the records in it. With Zuora or Salesforce, never longer than the shortest of
    /// `cache.ttl_secs` (and with a TTL of 0, answers are not kept).
    pub max_age_secs: u64,
}

impl Default for ResponseCacheConfig {
    fn default() -> Self {
        Self {
            max_size_mb: 8,
            max_age_secs: 5,
        }
    }
}

/// DataLoader batching.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BatchingConfig {
    /// Load each relationship of a page in one call per entity type. Off, every row loads its
    /// own (only to measure what batching saves, or to debug).
    pub enabled: bool,
}

impl Default for BatchingConfig {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// Where CRM data comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CrmConnector {
    /// The local store (the embedded default).
    #[default]
    Local,
    /// Salesforce's REST API. Directory records link to Salesforce Account ids.
    Salesforce,
}

/// A Salesforce org and the connected app partnergraph uses there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SalesforceSettings {
    /// Where tokens are requested: `https://login.salesforce.com`, `https://test.salesforce.com`
    /// or the org's My Domain URL (required for the client credentials flow). API calls go to
    /// the `instance_url` the token response names.
    pub login_url: String,
    /// The REST API version every call is pinned to, e.g. `62.0`.
    #[serde(default = "default_salesforce_version")]
    pub api_version: String,
    /// Seconds after which one Salesforce request is abandoned.
    #[serde(default = "default_salesforce_timeout")]
    pub timeout_secs: u64,
    /// How the connected app authenticates.
    pub auth: SalesforceAuth,
    /// Concurrency and batch limits, circuit breaker.
    #[serde(default)]
    pub resilience: partnergraph_upstream::ResilienceConfig,
}

/// The OAuth 2.0 flow of the connected app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "flow", rename_all = "kebab-case", deny_unknown_fields)]
pub enum SalesforceAuth {
    /// JWT bearer: an assertion signed with the private key of the certificate uploaded to the
    /// connected app, for a pre-authorized integration user. The usual server-to-server choice.
    JwtBearer {
        /// The connected app's consumer key.
        consumer_key: String,
        /// The integration user's username.
        username: String,
        /// A PEM file with the private key (PKCS#8 or PKCS#1) matching the app's certificate.
        private_key_file: PathBuf,
        /// The assertion's audience: `https://login.salesforce.com` (production, the default),
        /// `https://test.salesforce.com` (sandboxes) or a community URL.
        #[serde(default = "default_salesforce_audience")]
        audience: String,
    },
    /// Client credentials, run as the connected app's integration user.
    ClientCredentials {
        /// The consumer key.
        client_id: String,
        /// The consumer secret (prefer `PARTNERGRAPH__SALESFORCE__AUTH__CLIENT_SECRET`).
        client_secret: Secret,
    },
}

fn default_salesforce_version() -> String {
    "62.0".to_owned()
}

fn default_salesforce_timeout() -> u64 {
    20
}

fn default_salesforce_audience() -> String {
    "https://login.salesforce.com".to_owned()
}

/// Where billing data comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BillingConnector {
    /// The local store (the embedded default).
    #[default]
    Local,
    /// Zuora's REST API. Directory records link to Zuora account ids.
    Zuora,
}

/// Where the offer catalog comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CatalogConnector {
    /// The local store. With Zuora billing, offer ids must be Zuora product rate plan ids.
    #[default]
    Local,
    /// Zuora's product catalog: an offer per active product rate plan.
    Zuora,
}

/// A Zuora tenant and the OAuth client partnergraph uses there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZuoraSettings {
    /// REST base URL, e.g. `https://rest.apisandbox.zuora.com`.
    pub base_url: String,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret (prefer `PARTNERGRAPH__ZUORA__CLIENT_SECRET`); never logged.
    pub client_secret: Secret,
    /// `Zuora-Entity-Ids`, for clients that may act in several entities.
    #[serde(default)]
    pub entity_ids: Option<String>,
    /// `Zuora-Version`, the minor API version every call asks for.
    #[serde(default = "default_zuora_version")]
    pub version: String,
    /// Seconds after which one Zuora request is abandoned.
    #[serde(default = "default_zuora_timeout")]
    pub timeout_secs: u64,
    /// Concurrency and batch limits, circuit breaker.
    #[serde(default)]
    pub resilience: partnergraph_upstream::ResilienceConfig,
}

fn default_zuora_version() -> String {
    "2025-08-12".to_owned()
}

fn default_zuora_timeout() -> u64 {
    20
}

/// A secret from the configuration: shown as `[redacted]` wherever the configuration is printed.
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Deep links into the portal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LaunchConfig {
    /// The Salesforce orgs whose reps may open the portal from a button or a Canvas app.
    pub salesforce: Vec<SalesforceOrgConfig>,
}

/// One Salesforce org allowed to launch the portal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SalesforceOrgConfig {
    /// The org id (`00D…`), which launch tokens name as their issuer.
    pub org_id: String,
    /// How launch tokens are signed: `HS256` (shared secret) or `RS256` (Apex signs with a
    /// certificate's private key).
    pub algorithm: LaunchAlgorithm,
    /// The HS256 secret, or the RS256 public key in PEM.
    pub key: String,
    /// The Canvas connected app's consumer secret, to accept its `signed_request`.
    #[serde(default)]
    pub consumer_secret: Option<String>,
    /// Where to send the rep: `{customerId}` becomes the customer's global id; the session
    /// token follows in the URL fragment (`#token=…`), which browsers never send to servers.
    #[serde(default = "default_launch_redirect")]
    pub redirect: String,
    /// Longest accepted life of a launch token or Canvas request, in seconds.
    #[serde(default = "default_launch_max_age")]
    pub max_age_secs: i64,
}

fn default_launch_redirect() -> String {
    "/portal/customers/{customerId}".to_owned()
}

fn default_launch_max_age() -> i64 {
    300
}

/// Signature algorithms of Salesforce launch tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum LaunchAlgorithm {
    /// HMAC-SHA256 with a shared secret.
    HS256,
    /// RSA-SHA256 with the org's certificate.
    RS256,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            demo: false,
            database: DatabaseConfig::default(),
            limits: LimitsConfig::default(),
            auth: AuthConfig::default(),
            cors: CorsConfig::default(),
            log: LogConfig::default(),
            tracing: TracingConfig::default(),
            launch: LaunchConfig::default(),
            billing: BillingConnector::default(),
            catalog: CatalogConnector::default(),
            zuora: None,
            crm: CrmConnector::default(),
            salesforce: None,
            cache: partnergraph_upstream::CacheConfig::default(),
            batching: BatchingConfig::default(),
            response_cache: ResponseCacheConfig::default(),
        }
    }
}

/// Where the local store lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// A `postgres://…` or `sqlite://…` URL; unset means SQLite in the data directory.
    pub url: Option<String>,
    /// Page cache a SQLite store keeps in memory, in megabytes, shared by its connections. The
    /// file's pages are in the operating system's cache anyway; SQLite's own copy saves a
    /// read per page, and every connection keeps one. Ignored on PostgreSQL.
    pub sqlite_page_cache_mb: u64,
    /// Records the store's read cache may hold, in megabytes; 0 turns it off. Warm pages then
    /// run no SQL, and the principal of a token is remembered between its requests. Every write
    /// this gateway makes is seen by the next read at once; a write by another process on the
    /// same database only when `read_cache_ttl_secs` ends, so several replicas sharing one
    /// PostgreSQL database set 0.
    pub read_cache_mb: u64,
    /// The longest the read cache keeps a record, in seconds: how stale a record written by
    /// another process can be.
    pub read_cache_ttl_secs: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: None,
            sqlite_page_cache_mb: 4,
            read_cache_mb: 16,
            read_cache_ttl_secs: 30,
        }
    }
}

/// Limits that keep one client from exhausting the gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Deepest selection nesting a query may have.
    pub max_depth: usize,
    /// Highest computed complexity a query may have (connections count their page size).
    pub max_complexity: usize,
    /// Most aliases one document may use.
    pub max_aliases: usize,
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// Seconds after which a request is abandoned, once its body has arrived (HTTP 408).
    pub request_timeout_secs: u64,
    /// Requests to `/graphql`, `/auth/*` and `/launch/*` processed at once; further requests
    /// wait. A request counts only once its body has arrived, and health, readiness and
    /// metrics never wait behind it.
    pub max_concurrent_requests: usize,
    /// Seconds a client has to send a request's headers before its connection is closed
    /// (also how long an idle keep-alive connection stays open).
    pub header_read_timeout_secs: u64,
    /// Seconds a client has to send a request's body before it is refused with HTTP 408.
    pub body_read_timeout_secs: u64,
    /// Client connections served at once; further connections wait to be accepted.
    pub max_connections: usize,

    // Fair use of the store, per request and per caller.
    /// Longest GraphQL document, in bytes (checked before parsing).
    pub max_document_bytes: usize,
    /// Most field selections one document may make (checked before validation).
    pub max_fields: usize,
    /// Store statements one request runs at once (its DataLoader batches and root lists on the
    /// store); batches to Zuora and Salesforce are not counted.
    pub max_loads_per_request: usize,
    /// Requests one user may have executing at once; more are refused as RATE_LIMITED.
    pub max_requests_per_principal: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        let graphql = partnergraph_graphql::Limits::default();
        Self {
            max_depth: graphql.max_depth,
            max_complexity: graphql.max_complexity,
            max_aliases: graphql.max_aliases,
            max_body_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            max_concurrent_requests: 512,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 10,
            max_connections: 4096,
            max_document_bytes: graphql.max_document_bytes,
            max_fields: graphql.max_fields,
            max_loads_per_request: graphql.max_loads_per_request,
            max_requests_per_principal: graphql.max_requests_per_principal,
        }
    }
}

/// The embedded token issuer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// `iss` of issued tokens, and the only issuer accepted.
    pub issuer: String,
    /// `aud` of issued tokens, and the only audience accepted.
    pub audience: String,
    /// Lifetime of issued tokens in seconds: short, because a stolen token works until then
    /// (or until `logout` withdraws it).
    pub token_ttl_secs: u64,
    /// External OpenID Connect issuers whose tokens the gateway also accepts.
    pub oidc: Vec<OidcIssuerConfig>,
    /// The gateway's address as users reach it, for links in emails (activation); by default
    /// `http://` and the listen address.
    pub public_url: Option<String>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            issuer: "partnergraph".to_owned(),
            audience: "partnergraph".to_owned(),
            token_ttl_secs: 3600,
            oidc: Vec::new(),
            public_url: None,
        }
    }
}

/// An external OpenID Connect issuer (Auth0, Okta, Entra ID, Keycloak, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OidcIssuerConfig {
    /// The `iss` of its tokens, exactly (Auth0's ends with `/`).
    pub issuer: String,
    /// The `aud` its tokens must carry (the API identifier, or the client id for ID tokens).
    pub audience: String,
    /// Where its signing keys are; by default the `jwks_uri` of its discovery document.
    #[serde(default)]
    pub jwks_url: Option<String>,
    /// Signature algorithms accepted from it; only asymmetric ones are allowed.
    #[serde(default = "default_oidc_algorithms")]
    pub algorithms: Vec<String>,
    /// How a token finds its portal user: `email` (the `email` claim, which must be verified)
    /// or `sub` (the subject is the portal user id).
    #[serde(default)]
    pub map_by: OidcUserClaim,
    /// Least seconds between two fetches of the key set, however many unknown key ids
    /// arrive: rotation is picked up, forged key ids cannot make us hammer the issuer.
    #[serde(default = "default_jwks_refresh_secs")]
    pub jwks_refresh_secs: u64,
    /// The claim naming the portal organization (its id) of a signed-in person the portal
    /// does not know yet; they become a PENDING operator of it, who sees nothing until an
    /// admin there activates them. Without it, unknown people are refused.
    #[serde(default)]
    pub organization_claim: Option<String>,
}

fn default_jwks_refresh_secs() -> u64 {
    30
}

fn default_oidc_algorithms() -> Vec<String> {
    vec!["RS256".to_owned()]
}

/// The claim that names the portal user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OidcUserClaim {
    /// The verified `email` claim.
    #[default]
    Email,
    /// The `sub` claim, as the portal user id.
    Sub,
}

/// Which browser origins may call the API.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CorsConfig {
    /// Allowed origins (e.g. `https://portal.example.com`); empty allows none, `*` allows any.
    pub allowed_origins: Vec<String>,
}

/// Log output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `text` for people, `json` for log pipelines.
    pub format: LogFormat,
    /// A tracing filter (e.g. `info,partnergraph=debug`); `RUST_LOG` overrides it.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            filter: "info".to_owned(),
        }
    }
}

/// Trace export over OTLP: a span per HTTP request, per GraphQL operation, per field returning
/// objects (the resolvers that await loads; scalar fields get none) and per upstream HTTP call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TracingConfig {
    /// The collector's OTLP/HTTP traces URL, path included (protobuf), e.g.
    /// `http://otel-collector:4318/v1/traces`. Unset: nothing is exported.
    pub otlp_endpoint: Option<String>,
    /// `service.name` of the exported spans.
    pub service_name: String,
    /// Share of traces started here that are kept, 0 to 1. A caller's `traceparent` decides for
    /// the traces it starts, so a portal's sampled trace continues through the gateway.
    pub sample_ratio: f64,
}

impl Default for TracingConfig {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            service_name: "partnergraph".to_owned(),
            sample_ratio: 1.0,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

impl Config {
    /// Loads defaults, then `file` (if given), then `PARTNERGRAPH__SECTION__KEY` variables.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment
            .merge(Env::prefixed("PARTNERGRAPH__").split("__"))
            .extract()
            .map_err(Box::new)
    }

    /// The store URL: the configured one, or SQLite in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("partnergraph.sqlite").display()
            ),
        }
    }

    /// The GraphQL limits of this configuration.
    pub fn graphql_limits(&self) -> partnergraph_graphql::Limits {
        partnergraph_graphql::Limits {
            max_depth: self.limits.max_depth,
            max_complexity: self.limits.max_complexity,
            max_aliases: self.limits.max_aliases,
            max_document_bytes: self.limits.max_document_bytes,
            max_fields: self.limits.max_fields,
            max_loads_per_request: self.limits.max_loads_per_request,
            max_requests_per_principal: self.limits.max_requests_per_principal,
        }
    }
}

/// The JSON schema of the configuration, for editors and for the API-surface snapshot.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Config);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_configuration_files_load() {
        for name in [
            "partnergraph.toml",
            "postgres.toml",
            "zuora.toml",
            "salesforce.toml",
        ] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../examples")
                .join(name);
            let loaded = Config::load(Some(&path));
            assert!(loaded.is_ok(), "{name}: {loaded:?}");
        }
    }

    #[test]
    fn unknown_keys_are_rejected_by_name() {
        let dir = std::env::temp_dir().join(format!("pg-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("bad.toml");
        std::fs::write(
            &file,
            "[database]\nurl = \"sqlite::memory:\"\npasword = \"x\"\n",
        )
        .expect("write");
        let err = Config::load(Some(&file)).expect_err("unknown key must fail");
        assert!(err.to_string().contains("pasword"), "{err}");
    }

    #[test]
    fn file_values_override_defaults() {
        let dir = std::env::temp_dir().join(format!("pg-config-ok-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("ok.toml");
        std::fs::write(&file, "demo = true\n[limits]\nmax_depth = 9\n").expect("write");
        let config = Config::load(Some(&file)).expect("valid");
        assert!(config.demo);
        assert_eq!(config.limits.max_depth, 9);
        assert_eq!(config.auth, AuthConfig::default());
    }

    #[test]
    fn config_schema_is_stable() {
        insta::assert_snapshot!(json_schema());
    }
}
