//! A stateful local Salesforce speaking the REST API's wire format for what partnergraph uses:
//! the OAuth 2.0 token endpoint (JWT bearer assertions verified against the connected app's
//! certificate, and the client credentials flow), `/services/data/vNN.N/` with SOQL queries and
//! `nextRecordsUrl` paging, sObject create/read/update/delete and upsert by external id, sObject
//! Collections retrieve, Composite (`allOrNone`, `@{ref.field}` references), the record
//! `attributes` envelope, the error array, `Sforce-Limit-Info` and the daily API limit. Records
//! are validated as an org would (required fields, restricted picklists, lookups, read-only
//! fields), so a connector that sends something Salesforce refuses is refused here.
//!
//! It seeds the demo's CRM accounts, contacts and cases under the demo's ids. Contacts carry an
//! external id `Partnergraph_Key__c` of `<account id>:<lower-case email>` (as a previous sync by
//! the connector would have left them), accounts and cases the key of the portal write that
//! created them, if any.
//!
//! This file holds the org's shared state and its routes; the rooms beside it:
//! - `auth`: `/services/oauth2/token` (JWT bearer and client credentials grants);
//! - `api`: `/services/data/vNN.N/…`: session, daily limit, and the table of resources;
//! - `query`: `query` and `queryMore` (SOQL run over the records, `nextRecordsUrl` paging);
//! - `soql`: the SOQL subset's parser and evaluator;
//! - `sobjects`: sObject reads, writes, upserts, deletes and Collections retrieve;
//! - `composite`: `/composite` with `allOrNone` and `@{reference}` resolution;
//! - `schema`: the sObject types the org knows and the fields it computes;
//! - `records`: finding stored records by id or external id;
//! - `wire`: the `Reply`, the error array, faults and headers in Salesforce's dialect;
//! - `seed`: the demo world's CRM side as records.

use crate::control::{lock, serve, Control, Recorded};
use crate::indexed::Indexed;
use axum::routing::{any, get, post};
use axum::Router;
use partnergraph_demo::{crm_id, DemoData};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod api;
mod auth;
mod composite;
mod query;
mod records;
mod schema;
mod seed;
mod sobjects;
pub mod soql;
mod wire;

/// The sandbox connected app's consumer key (the JWT `iss`, the client credentials `client_id`).
pub const DEFAULT_CONSUMER_KEY: &str = "3MVG9partnergraph.sandbox.connected.app.not.for.production";
/// The sandbox connected app's consumer secret (client credentials flow).
pub const DEFAULT_CONSUMER_SECRET: &str = "sandbox-consumer-secret-not-for-production";
/// The integration user the connected app is pre-authorized for (the JWT `sub`).
pub const DEFAULT_USERNAME: &str = "integration@partnergraph.example";
/// The certificate uploaded to the sandbox connected app; its private key is
/// `examples/salesforce/sandbox-connected-app.key`.
pub const DEFAULT_CERTIFICATE: &str =
    include_str!("../../../../examples/salesforce/sandbox-connected-app.crt");
/// The newest API version the sandbox serves (Spring '26).
pub const LATEST_VERSION: u32 = 66;
/// The organization id.
const ORG_ID: &str = "00DDp0000000sbxMAA";

/// How the sandbox org is set up.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The connected app's consumer key.
    pub consumer_key: String,
    /// The connected app's consumer secret.
    pub consumer_secret: String,
    /// The PEM certificate JWT assertions are verified with.
    pub certificate_pem: String,
    /// The one user tokens are issued for.
    pub username: String,
    /// How long a session lives (an org's session timeout; tokens carry no expiry).
    pub session_ttl: Duration,
    /// API requests allowed per rolling 24 hours.
    pub daily_api_limit: u64,
    /// Rows per query batch. Salesforce uses 2,000 (200 at least); tests lower it to page
    /// through little data.
    pub query_batch_size: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            consumer_key: DEFAULT_CONSUMER_KEY.to_owned(),
            consumer_secret: DEFAULT_CONSUMER_SECRET.to_owned(),
            certificate_pem: DEFAULT_CERTIFICATE.to_owned(),
            username: DEFAULT_USERNAME.to_owned(),
            session_ttl: Duration::from_secs(2 * 3600),
            daily_api_limit: 100_000,
            query_batch_size: 2000,
        }
    }
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The configured certificate is not a PEM X.509 certificate with an RSA key.
    #[error("the connected app certificate is unusable: {0}")]
    Certificate(String),
}

/// One stored record: its fields by their canonical names.
type Record = Map<String, Value>;

/// The org's data.
#[derive(Default)]
struct Org {
    records: Indexed<Record>,
    next_id: u64,
    /// Query locator → the remaining rows of a query.
    locators: HashMap<String, Vec<Value>>,
}

/// A stateful local Salesforce.
pub struct Salesforce {
    settings: Settings,
    public_key: jsonwebtoken::DecodingKey,
    control: Arc<Control>,
    org: Mutex<Org>,
    api_usage: AtomicU64,
    daily_limit: AtomicU64,
    user_id: String,
}

impl Salesforce {
    /// A sandbox org holding the CRM side of `demo`.
    pub fn new(demo: &DemoData, settings: Settings) -> Result<Arc<Self>, SandboxError> {
        let public_key = auth::rsa_key(&settings.certificate_pem)?;
        let user_id = crm_id("005", &settings.username);
        let mut org = Org::default();
        seed::seed(&mut org, demo, &user_id, &settings.username);
        Ok(Arc::new(Self {
            daily_limit: AtomicU64::new(settings.daily_api_limit),
            settings,
            public_key,
            control: Arc::default(),
            org: Mutex::new(org),
            api_usage: AtomicU64::new(0),
            user_id,
        }))
    }

    /// The HTTP API.
    pub fn router(self: &Arc<Self>) -> Router {
        // Salesforce lists its versions with and without the trailing slash.
        let versions = get(api::versions);
        let api = Router::new()
            .route("/services/oauth2/token", post(auth::token))
            .route("/services/data", versions.clone())
            .route("/services/data/", versions)
            .route("/services/data/{version}/{*rest}", any(api::api))
            .route("/_sandbox/salesforce/limits", post(api::set_limits));
        serve(api, &self.control, self)
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.control.requests()
    }

    /// Every record of `object`, as stored (for tests that check what landed).
    pub fn records(&self, object: &str) -> Vec<Value> {
        let org = lock(&self.org);
        schema::schema(object)
            .and_then(|s| org.records.get(s.name))
            .map(|rows| rows.iter().cloned().map(Value::Object).collect())
            .unwrap_or_default()
    }
}
