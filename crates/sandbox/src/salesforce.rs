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

use crate::control::{lock, serve, Control, Dialect, Faults};
use crate::indexed::Indexed;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use hmac::Mac;
use partnergraph_core::model::*;
use partnergraph_demo::{crm_id, salesforce_id_suffix, DemoData};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub mod soql;

/// The sandbox connected app's consumer key (the JWT `iss`, the client credentials `client_id`).
pub const DEFAULT_CONSUMER_KEY: &str = "3MVG9partnergraph.sandbox.connected.app.not.for.production";
/// The sandbox connected app's consumer secret (client credentials flow).
pub const DEFAULT_CONSUMER_SECRET: &str = "sandbox-consumer-secret-not-for-production";
/// The integration user the connected app is pre-authorized for (the JWT `sub`).
pub const DEFAULT_USERNAME: &str = "integration@partnergraph.example";
/// The certificate uploaded to the sandbox connected app; its private key is
/// `examples/salesforce/sandbox-connected-app.key`.
pub const DEFAULT_CERTIFICATE: &str =
    include_str!("../../../examples/salesforce/sandbox-connected-app.crt");
/// The newest API version the sandbox serves (Spring '26).
pub const LATEST_VERSION: u32 = 66;
/// The organization id.
const ORG_ID: &str = "00DDp0000000sbxMAA";
const DATETIME: &str = "%Y-%m-%dT%H:%M:%S%.3f%z";

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

/// What an sObject type holds and allows.
struct Schema {
    name: &'static str,
    prefix: &'static str,
    fields: &'static [&'static str],
    writable: &'static [&'static str],
    required: &'static [&'static str],
    /// Lookup fields and the type they point at.
    lookups: &'static [(&'static str, &'static str)],
    picklists: &'static [(&'static str, &'static [&'static str])],
    /// Fields upserts may match on.
    external_ids: &'static [&'static str],
}

const AUDIT: [&str; 5] = [
    "CreatedDate",
    "LastModifiedDate",
    "CreatedById",
    "IsDeleted",
    "SystemModstamp",
];

static SCHEMAS: [Schema; 5] = [
    Schema {
        name: "Account",
        prefix: "001",
        fields: &[
            "Id",
            "Name",
            "ParentId",
            "Type",
            "Phone",
            "Website",
            "AccountNumber",
            "Partnergraph_Key__c",
            "OwnerId",
        ],
        writable: &[
            "Name",
            "ParentId",
            "Type",
            "Phone",
            "Website",
            "AccountNumber",
            "Partnergraph_Key__c",
        ],
        required: &["Name"],
        lookups: &[
            ("ParentId", "Account"),
            ("OwnerId", "User"),
            ("CreatedById", "User"),
        ],
        picklists: &[],
        external_ids: &["Partnergraph_Key__c"],
    },
    Schema {
        name: "Contact",
        prefix: "003",
        fields: &[
            "Id",
            "AccountId",
            "FirstName",
            "LastName",
            "Name",
            "Email",
            "Phone",
            "Title",
            "Partnergraph_Key__c",
            "OwnerId",
        ],
        writable: &[
            "AccountId",
            "FirstName",
            "LastName",
            "Email",
            "Phone",
            "Title",
            "Partnergraph_Key__c",
        ],
        required: &["LastName"],
        lookups: &[
            ("AccountId", "Account"),
            ("OwnerId", "User"),
            ("CreatedById", "User"),
        ],
        picklists: &[],
        external_ids: &["Partnergraph_Key__c"],
    },
    Schema {
        name: "Case",
        prefix: "500",
        fields: &[
            "Id",
            "CaseNumber",
            "AccountId",
            "ContactId",
            "Subject",
            "Description",
            "Status",
            "Priority",
            "Origin",
            "IsClosed",
            "ClosedDate",
            "Partnergraph_Key__c",
            "OwnerId",
        ],
        writable: &[
            "AccountId",
            "ContactId",
            "Subject",
            "Description",
            "Status",
            "Priority",
            "Origin",
            "Partnergraph_Key__c",
        ],
        required: &[],
        lookups: &[
            ("AccountId", "Account"),
            ("ContactId", "Contact"),
            ("OwnerId", "User"),
            ("CreatedById", "User"),
        ],
        picklists: &[
            ("Status", &["New", "Working", "Escalated", "Closed"]),
            ("Priority", &["High", "Medium", "Low"]),
            ("Origin", &["Phone", "Email", "Web"]),
        ],
        external_ids: &["Partnergraph_Key__c"],
    },
    Schema {
        name: "CaseComment",
        prefix: "00a",
        fields: &["Id", "ParentId", "CommentBody", "IsPublished"],
        writable: &["ParentId", "CommentBody", "IsPublished"],
        required: &["ParentId"],
        lookups: &[("ParentId", "Case"), ("CreatedById", "User")],
        picklists: &[],
        external_ids: &[],
    },
    Schema {
        name: "User",
        prefix: "005",
        fields: &["Id", "Username", "Email", "Name", "IsActive"],
        writable: &[],
        required: &[],
        lookups: &[("CreatedById", "User")],
        picklists: &[],
        external_ids: &[],
    },
];

/// Child relationships subqueries can name: parent type, relationship, child type, and the
/// child's lookup field.
const CHILD_RELATIONSHIPS: [(&str, &str, &str, &str); 3] = [
    ("Account", "Contacts", "Contact", "AccountId"),
    ("Account", "Cases", "Case", "AccountId"),
    ("Case", "CaseComments", "CaseComment", "ParentId"),
];

fn schema(name: &str) -> Option<&'static Schema> {
    SCHEMAS.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

impl Schema {
    fn has(&self, field: &str) -> bool {
        self.fields
            .iter()
            .chain(AUDIT.iter())
            .any(|f| f.eq_ignore_ascii_case(field))
    }

    /// The canonical spelling of `field`.
    fn field(&self, field: &str) -> Option<&'static str> {
        self.fields
            .iter()
            .chain(AUDIT.iter())
            .find(|f| f.eq_ignore_ascii_case(field))
            .copied()
    }

    /// A child relationship by name (`CaseComments`): its canonical name, the child type, and
    /// the child's lookup field pointing here.
    fn child_relationship(
        &self,
        name: &str,
    ) -> Option<(&'static str, &'static Schema, &'static str)> {
        CHILD_RELATIONSHIPS
            .iter()
            .find(|(parent, relationship, _, _)| {
                *parent == self.name && relationship.eq_ignore_ascii_case(name)
            })
            .and_then(|(_, relationship, child, lookup)| {
                Some((*relationship, schema(child)?, *lookup))
            })
    }

    /// The lookup a relationship name follows (`Parent` → `ParentId`, `CreatedBy` →
    /// `CreatedById`) and the type it points at.
    fn relationship(&self, name: &str) -> Option<(&'static str, &'static str)> {
        self.lookups
            .iter()
            .find(|(f, _)| {
                f.strip_suffix("Id")
                    .is_some_and(|r| r.eq_ignore_ascii_case(name))
            })
            .copied()
    }

    fn is_id_field(&self, field: &str) -> bool {
        field.eq_ignore_ascii_case("Id")
            || self
                .lookups
                .iter()
                .any(|(f, _)| f.eq_ignore_ascii_case(field))
    }
}

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

/// An API answer before it becomes HTTP (Composite needs it as data).
struct Reply {
    status: StatusCode,
    body: Option<Value>,
    location: Option<String>,
}

impl Reply {
    fn json(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            location: None,
        }
    }

    fn error(status: StatusCode, code: &str, message: &str, fields: &[&str]) -> Self {
        let mut e = json!({ "message": message, "errorCode": code });
        if !fields.is_empty() {
            e["fields"] = json!(fields);
        }
        Self::json(status, json!([e]))
    }

    fn not_found() -> Self {
        Self::error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
            &[],
        )
    }

    fn into_response(self) -> Response {
        let mut response = match self.body {
            Some(body) => (self.status, Json(body)).into_response(),
            None => self.status.into_response(),
        };
        if let Some(v) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            response.headers_mut().insert(header::LOCATION, v);
        }
        response
    }
}

fn now() -> String {
    chrono::Utc::now().format(DATETIME).to_string()
}

impl Salesforce {
    /// A sandbox org holding the CRM side of `demo`.
    pub fn new(demo: &DemoData, settings: Settings) -> Result<Arc<Self>, SandboxError> {
        let public_key = rsa_key(&settings.certificate_pem)?;
        let user_id = crm_id("005", &settings.username);
        let mut org = Org::default();
        seed(&mut org, demo, &user_id, &settings.username);
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
        let api = Router::new()
            .route("/services/oauth2/token", post(token))
            .route("/services/data", get(versions))
            .route("/services/data/", get(versions))
            .route("/services/data/{version}/{*rest}", any(api))
            .route("/_sandbox/salesforce/limits", post(set_limits));
        serve(api, &self.control, self)
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<crate::control::Recorded> {
        self.control.requests()
    }

    /// Every record of `object`, as stored (for tests that check what landed).
    pub fn records(&self, object: &str) -> Vec<Value> {
        let org = lock(&self.org);
        schema(object)
            .and_then(|s| org.records.get(s.name))
            .map(|rows| rows.iter().cloned().map(Value::Object).collect())
            .unwrap_or_default()
    }

    /// A new id of `schema`'s type.
    fn new_id(org: &mut Org, schema: &Schema) -> String {
        org.next_id += 1;
        crm_id(
            schema.prefix,
            &format!("sandbox-{}-{}", schema.name, org.next_id),
        )
    }
}

/// The RSA public key of a PEM certificate.
fn rsa_key(pem: &str) -> Result<jsonwebtoken::DecodingKey, SandboxError> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes())
        .map_err(|e| SandboxError::Certificate(e.to_string()))?;
    let cert = pem
        .parse_x509()
        .map_err(|e| SandboxError::Certificate(e.to_string()))?;
    match cert.public_key().parsed() {
        // DER integers carry a leading zero byte when their top bit is set; the raw
        // components are unsigned.
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => {
            let unsigned = |b: &[u8]| {
                b.iter()
                    .position(|x| *x != 0)
                    .map_or(Vec::new(), |i| b[i..].to_vec())
            };
            Ok(jsonwebtoken::DecodingKey::from_rsa_raw_components(
                &unsigned(rsa.modulus),
                &unsigned(rsa.exponent),
            ))
        }
        _ => Err(SandboxError::Certificate("not an RSA key".to_owned())),
    }
}

impl Dialect for Salesforce {
    fn exempt(&self, path: &str) -> bool {
        path.starts_with("/services/oauth2/")
    }

    fn fault(&self, faults: &Faults) -> Response {
        let (status, code, message) = match faults.status {
            403 => (
                StatusCode::FORBIDDEN,
                "REQUEST_LIMIT_EXCEEDED",
                "ConcurrentPerOrgLongTxn Limit exceeded.",
            ),
            401 => (
                StatusCode::UNAUTHORIZED,
                "INVALID_SESSION_ID",
                "Session expired or invalid",
            ),
            503 => {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::CONTENT_TYPE, "text/html")],
                    Body::from("<html><body>Service Unavailable: down for maintenance</body></html>"),
                )
                    .into_response()
            }
            299 => {
                return (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
                    Body::from(r#"{"totalSize":3,"done":true,"records":[{"attributes":{"type""#),
                )
                    .into_response()
            }
            _ => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "UNKNOWN_EXCEPTION",
                "An unexpected error occurred. Please include this ErrorId if you contact support: 1386455917-71543 (-1526491431)",
            ),
        };
        Reply::error(status, code, message, &[]).into_response()
    }

    fn track_id(&self, _headers: &HeaderMap) -> Option<String> {
        None
    }

    fn decorate(&self, _track_id: Option<&str>, response: &mut Response) {
        let usage = format!(
            "api-usage={}/{}",
            self.api_usage.load(Ordering::Relaxed),
            self.daily_limit.load(Ordering::Relaxed)
        );
        if let Ok(v) = HeaderValue::from_str(&usage) {
            response.headers_mut().insert("sforce-limit-info", v);
        }
    }
}

/// The token request: every grant's fields, form-encoded.
#[derive(Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    assertion: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// The claims of a JWT bearer assertion.
#[derive(Deserialize)]
struct Assertion {
    iss: String,
    #[serde(alias = "prn")]
    sub: String,
    aud: String,
    /// A NumericDate; simple-salesforce (and so, evidently, Salesforce) also sends it as a
    /// string of digits.
    #[serde(deserialize_with = "numeric_date")]
    exp: i64,
}

fn numeric_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().ok_or_else(|| serde::de::Error::custom("exp")),
        Value::String(s) => s.parse().map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom("exp")),
    }
}

fn token_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

async fn token(
    State(s): State<Arc<Salesforce>>,
    headers: HeaderMap,
    Form(req): Form<TokenRequest>,
) -> Response {
    let instance = instance_url(&headers);
    match req.grant_type.as_deref() {
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer") => {
            let Some(assertion) = req.assertion else {
                return token_error("invalid_request", "assertion is required");
            };
            let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
            // Audience and expiry are checked below, by Salesforce's rules.
            validation.validate_aud = false;
            validation.validate_exp = false;
            validation.required_spec_claims.clear();
            let claims =
                match jsonwebtoken::decode::<Assertion>(&assertion, &s.public_key, &validation) {
                    Ok(data) => data.claims,
                    Err(_) => return token_error("invalid_grant", "invalid assertion"),
                };
            if claims.iss != s.settings.consumer_key {
                return token_error("invalid_client_id", "client identifier invalid");
            }
            let audiences = [
                "https://login.salesforce.com",
                "https://test.salesforce.com",
                instance.as_str(),
            ];
            if !audiences.contains(&claims.aud.trim_end_matches('/')) {
                return token_error("invalid_grant", "audience is invalid");
            }
            // Salesforce accepts assertions that expire within the next three minutes (a few
            // seconds of clock skew allowed).
            let now = chrono::Utc::now().timestamp();
            if claims.exp < now {
                return token_error("invalid_grant", "expired authorization code");
            }
            if claims.exp > now + 185 {
                return token_error("invalid_grant", "expiration time is too far in the future");
            }
            if claims.sub != s.settings.username {
                return token_error("invalid_grant", "user hasn't approved this consumer");
            }
            issue(&s, &instance, false)
        }
        Some("client_credentials") => {
            let basic = basic_credentials(&headers);
            let (id, secret) = match (req.client_id, req.client_secret, basic) {
                (Some(id), Some(secret), _) => (id, secret),
                (_, _, Some(pair)) => pair,
                _ => return token_error("invalid_client", "invalid client credentials"),
            };
            if id != s.settings.consumer_key || secret != s.settings.consumer_secret {
                return token_error("invalid_client", "invalid client credentials");
            }
            issue(&s, &instance, true)
        }
        _ => token_error("unsupported_grant_type", "grant type not supported"),
    }
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.strip_prefix("Basic ")?)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// The sandbox's own address, as the caller reached it: the `instance_url` of its tokens.
fn instance_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// A token response: no `expires_in` and no refresh token, as Salesforce sends for these grants.
fn issue(s: &Salesforce, instance: &str, signed: bool) -> Response {
    let random = uuid::Uuid::new_v4().simple().to_string();
    let access_token = format!("{}!AQ4AQ{random}", &ORG_ID[..15]);
    s.control.issue(&access_token, s.settings.session_ttl);
    let id = format!("{instance}/id/{ORG_ID}/{}", s.user_id);
    let issued_at = chrono::Utc::now().timestamp_millis().to_string();
    let mut body = json!({
        "access_token": access_token,
        "scope": "api",
        "instance_url": instance,
        "id": id,
        "token_type": "Bearer",
        "issued_at": issued_at,
    });
    if signed {
        if let Ok(mut mac) =
            hmac::Hmac::<sha2::Sha256>::new_from_slice(s.settings.consumer_secret.as_bytes())
        {
            mac.update(format!("{id}{issued_at}").as_bytes());
            body["signature"] = json!(
                base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
            );
        }
    }
    Json(body).into_response()
}

async fn versions() -> Json<Value> {
    Json(Value::Array(
        (31..=LATEST_VERSION)
            .map(|v| json!({ "version": format!("{v}.0"), "url": format!("/services/data/v{v}.0"), "label": format!("API {v}") }))
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Limits {
    daily_api_limit: Option<u64>,
    used: Option<u64>,
}

/// Sets the daily API limit and how much of it is used (`POST /_sandbox/salesforce/limits`).
async fn set_limits(State(s): State<Arc<Salesforce>>, Json(limits): Json<Limits>) -> StatusCode {
    if let Some(max) = limits.daily_api_limit {
        s.daily_limit.store(max, Ordering::Relaxed);
    }
    if let Some(used) = limits.used {
        s.api_usage.store(used, Ordering::Relaxed);
    }
    StatusCode::NO_CONTENT
}

fn version_ok(version: &str) -> bool {
    version
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .and_then(|v| v.parse::<u32>().ok())
        .is_some_and(|v| (31..=LATEST_VERSION).contains(&v))
}

async fn api(
    State(s): State<Arc<Salesforce>>,
    method: Method,
    Path((version, rest)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !version_ok(&version) {
        return Reply::not_found().into_response();
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if !token.is_some_and(|t| s.control.valid(t)) {
        return Reply::error(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
            &[],
        )
        .into_response();
    }
    let used = s.api_usage.fetch_add(1, Ordering::Relaxed) + 1;
    if used > s.daily_limit.load(Ordering::Relaxed) {
        s.api_usage.fetch_sub(1, Ordering::Relaxed);
        return Reply::error(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
            &[],
        )
        .into_response();
    }
    let body = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) => Some(v),
            Err(e) => {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    "JSON_PARSER_ERROR",
                    &format!("Unexpected character: {e}"),
                    &[],
                )
                .into_response()
            }
        }
    };
    let batch = batch_size(&s, &headers);
    let query = query.unwrap_or_default();
    s.execute(&method, &version, &rest, &query, body, batch)
        .into_response()
}

/// Rows per query batch: `Sforce-Query-Options: batchSize=n` (200–2,000), capped by the
/// sandbox's setting.
fn batch_size(s: &Salesforce, headers: &HeaderMap) -> usize {
    let asked = headers
        .get("sforce-query-options")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|o| o.trim().strip_prefix("batchSize="))
        })
        .and_then(|n| n.parse::<usize>().ok())
        .map_or(2000, |n| n.clamp(200, 2000));
    asked.min(s.settings.query_batch_size)
}

fn params(query: &str) -> HashMap<String, String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

impl Salesforce {
    /// Runs one REST call (also each subrequest of a Composite request).
    fn execute(
        &self,
        method: &Method,
        version: &str,
        rest: &str,
        query: &str,
        body: Option<Value>,
        batch: usize,
    ) -> Reply {
        let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        let params = params(query);
        match (method.as_str(), segments.as_slice()) {
            ("GET", ["query"] | ["queryAll"]) => match params.get("q") {
                Some(q) => self.query(version, q, batch),
                None => Reply::error(
                    StatusCode::BAD_REQUEST,
                    "MALFORMED_QUERY",
                    "A query string has to be specified",
                    &[],
                ),
            },
            ("GET", ["query", locator]) => self.query_more(version, locator, batch),
            ("GET", ["limits"]) => {
                let max = self.daily_limit.load(Ordering::Relaxed);
                let used = self.api_usage.load(Ordering::Relaxed);
                Reply::json(
                    StatusCode::OK,
                    json!({ "DailyApiRequests": { "Max": max, "Remaining": max.saturating_sub(used) } }),
                )
            }
            ("POST", ["sobjects", object]) => self.create(version, object, body),
            ("GET", ["sobjects", object, id]) => self.retrieve(
                version,
                object,
                id,
                params.get("fields").map(String::as_str),
            ),
            ("PATCH", ["sobjects", object, id]) => self.update(object, id, body),
            ("DELETE", ["sobjects", object, id]) => self.delete(object, id),
            ("PATCH", ["sobjects", object, field, value]) => {
                self.upsert(version, object, field, value, body)
            }
            ("GET", ["sobjects", object, field, value]) => {
                self.by_external_id(version, object, field, value)
            }
            ("GET", ["composite", "sobjects", object]) => self.collection(
                version,
                object,
                params.get("ids").map(String::as_str),
                params.get("fields").map(String::as_str),
            ),
            ("POST", ["composite"]) => self.composite(version, body, batch),
            _ => Reply::not_found(),
        }
    }

    fn query(&self, version: &str, soql: &str, batch: usize) -> Reply {
        let parsed = match soql::parse(soql) {
            Ok(q) => q,
            Err(e) => return Reply::error(StatusCode::BAD_REQUEST, "MALFORMED_QUERY", &e, &[]),
        };
        let Some(schema) = schema(&parsed.object) else {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "INVALID_TYPE",
                &format!("sObject type '{}' is not supported.", parsed.object),
                &[],
            );
        };
        if let Err(refused) = self.check(schema, &parsed) {
            return refused;
        }
        let mut children = Vec::new();
        for child in &parsed.children {
            let Some((name, target, lookup)) = schema.child_relationship(&child.object) else {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_TYPE",
                    &format!(
                        "Didn't understand relationship '{}' in FROM part of query call.",
                        child.object
                    ),
                    &[],
                );
            };
            if let Err(refused) = self.check(target, child) {
                return refused;
            }
            children.push((name, target, lookup, child));
        }
        let org = lock(&self.org);
        let rows = self.select(&org, schema, &parsed, |_| true);
        if parsed.count {
            return Reply::json(
                StatusCode::OK,
                json!({ "totalSize": rows.len(), "done": true, "records": [] }),
            );
        }
        let shaped: Vec<Value> = rows
            .iter()
            .map(|r| {
                let mut shaped = self.shape(&org, version, schema, r, &parsed.fields);
                for (name, target, lookup, child) in &children {
                    let parent = r.get("Id");
                    let records: Vec<Value> = self
                        .select(&org, target, child, |c| c.get(*lookup) == parent)
                        .iter()
                        .map(|c| self.shape(&org, version, target, c, &child.fields))
                        .collect();
                    // Salesforce gives a parent without children `null`, not an empty list.
                    shaped[*name] = if records.is_empty() {
                        Value::Null
                    } else {
                        json!({ "totalSize": records.len(), "done": true, "records": records })
                    };
                }
                shaped
            })
            .collect();
        drop(org);
        self.batch_of(version, shaped, 0, batch)
    }

    /// Refuses a query naming a field `schema` lacks or comparing an id field to a non-id.
    fn check(&self, schema: &'static Schema, q: &soql::Query) -> Result<(), Reply> {
        let mut named = q.fields.clone();
        if let Some(c) = &q.condition {
            soql::condition_fields(c, &mut named);
        }
        named.extend(q.order.iter().map(|(f, _, _)| f.clone()));
        if let Some(bad) = named.iter().find(|f| self.path_schema(schema, f).is_none()) {
            return Err(invalid_field(bad, schema.name));
        }
        if let Some(bad) = q.condition.as_ref().and_then(|c| bad_id_literal(schema, c)) {
            return Err(Reply::error(
                StatusCode::BAD_REQUEST,
                "INVALID_QUERY_FILTER_OPERATOR",
                &format!("invalid ID field: {bad}"),
                &[],
            ));
        }
        Ok(())
    }

    /// The `schema` records that `among` admits and `q` selects: filtered, ordered, offset and
    /// limited as it says.
    fn select(
        &self,
        org: &Org,
        schema: &Schema,
        q: &soql::Query,
        among: impl Fn(&Record) -> bool,
    ) -> Vec<Record> {
        let all = org.records.get(schema.name).map_or(&[][..], Vec::as_slice);
        // An `IN` on a field (the connector's batch reads) narrows the records to those holding
        // one of its values; the condition then decides as it would over every record.
        let candidates: Vec<&Record> = match q.condition.as_ref().and_then(in_list) {
            Some((field, values)) => {
                let field = schema.field(field).unwrap_or(field);
                org.records
                    .positions(
                        schema.name,
                        field,
                        |r| {
                            r.get(field)
                                .and_then(Value::as_str)
                                .map(soql::id_or_text_key)
                        },
                        values
                            .iter()
                            .filter_map(Value::as_str)
                            .map(soql::id_or_text_key),
                    )
                    .into_iter()
                    .map(|position| &all[position])
                    .collect()
            }
            None => all.iter().collect(),
        };
        let mut rows: Vec<&Record> = candidates
            .into_iter()
            .filter(|r| among(r))
            .filter(|r| {
                q.condition
                    .as_ref()
                    .is_none_or(|c| soql::holds(c, &|f| self.path_value(org, schema, r, f)))
            })
            .collect();
        rows.sort_by(|a, b| {
            for (field, descending, nulls_first) in &q.order {
                let (x, y) = (
                    self.path_value(org, schema, a, field),
                    self.path_value(org, schema, b, field),
                );
                let ord = match (x.is_null(), y.is_null()) {
                    (true, true) => std::cmp::Ordering::Equal,
                    (true, false) if *nulls_first => std::cmp::Ordering::Less,
                    (true, false) => std::cmp::Ordering::Greater,
                    (false, true) if *nulls_first => std::cmp::Ordering::Greater,
                    (false, true) => std::cmp::Ordering::Less,
                    _ if *descending => soql::compare(&y, &x),
                    _ => soql::compare(&x, &y),
                };
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
            }
            std::cmp::Ordering::Equal
        });
        rows.into_iter()
            .skip(q.offset)
            .take(q.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    /// One batch of rows from `offset`, with a `nextRecordsUrl` when more remain.
    fn batch_of(&self, version: &str, rows: Vec<Value>, offset: usize, batch: usize) -> Reply {
        let total = rows.len();
        let end = (offset + batch).min(total);
        let page: Vec<Value> = rows[offset.min(total)..end].to_vec();
        let mut body = json!({ "totalSize": total, "done": end >= total, "records": page });
        if end < total {
            let mut org = lock(&self.org);
            org.next_id += 1;
            let locator = format!("01gDp{:010}", org.next_id);
            org.locators.insert(locator.clone(), rows);
            body["nextRecordsUrl"] =
                json!(format!("/services/data/{version}/query/{locator}-{end}"));
        }
        Reply::json(StatusCode::OK, body)
    }

    fn query_more(&self, version: &str, locator: &str, batch: usize) -> Reply {
        let Some((id, offset)) = locator
            .rsplit_once('-')
            .and_then(|(id, o)| Some((id, o.parse::<usize>().ok()?)))
        else {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "INVALID_QUERY_LOCATOR",
                "invalid query locator",
                &[],
            );
        };
        let rows = lock(&self.org).locators.get(id).cloned();
        match rows {
            Some(rows) => self.batch_of(version, rows, offset, batch),
            None => Reply::error(
                StatusCode::BAD_REQUEST,
                "INVALID_QUERY_LOCATOR",
                "invalid query locator",
                &[],
            ),
        }
    }

    /// The schema a field path ends on, if every step of it exists.
    fn path_schema(&self, schema: &'static Schema, path: &str) -> Option<&'static Schema> {
        match path.split_once('.') {
            None => schema.has(path).then_some(schema),
            Some((relationship, rest)) => {
                let (_, target) = schema.relationship(relationship)?;
                self.path_schema(self::schema(target)?, rest)
            }
        }
    }

    /// The value at a field path of `record` (`Null` where a lookup is empty).
    fn path_value(&self, org: &Org, schema: &Schema, record: &Record, path: &str) -> Value {
        match path.split_once('.') {
            None => schema
                .field(path)
                .and_then(|f| record.get(f).cloned())
                .unwrap_or(Value::Null),
            Some((relationship, rest)) => {
                let Some((lookup, target)) = schema.relationship(relationship) else {
                    return Value::Null;
                };
                let Some(target_schema) = self::schema(target) else {
                    return Value::Null;
                };
                match record
                    .get(lookup)
                    .and_then(Value::as_str)
                    .and_then(|id| find(org, target_schema, id))
                {
                    Some(parent) => self.path_value(org, target_schema, parent, rest),
                    None => Value::Null,
                }
            }
        }
    }

    /// A record as the API shows it: the `attributes` envelope, then the fields asked for,
    /// relationship paths nested as records of their own.
    fn shape(
        &self,
        org: &Org,
        version: &str,
        schema: &Schema,
        record: &Record,
        fields: &[String],
    ) -> Value {
        let id = record.get("Id").and_then(Value::as_str).unwrap_or_default();
        let mut out = Map::new();
        out.insert(
            "attributes".to_owned(),
            json!({ "type": schema.name, "url": format!("/services/data/{version}/sobjects/{}/{id}", schema.name) }),
        );
        let mut nested: Vec<(String, Vec<String>)> = Vec::new();
        for field in fields {
            match field.split_once('.') {
                None => {
                    let name = schema.field(field).unwrap_or(field);
                    out.insert(
                        name.to_owned(),
                        record.get(name).cloned().unwrap_or(Value::Null),
                    );
                }
                Some((relationship, rest)) => {
                    match nested
                        .iter_mut()
                        .find(|(r, _)| r.eq_ignore_ascii_case(relationship))
                    {
                        Some((_, paths)) => paths.push(rest.to_owned()),
                        None => nested.push((relationship.to_owned(), vec![rest.to_owned()])),
                    }
                }
            }
        }
        for (relationship, paths) in nested {
            let value = schema
                .relationship(&relationship)
                .and_then(|(lookup, target)| {
                    let target = self::schema(target)?;
                    let id = record.get(lookup)?.as_str()?;
                    let parent = find(org, target, id)?;
                    Some(self.shape(org, version, target, parent, &paths))
                })
                .unwrap_or(Value::Null);
            let name = schema
                .relationship(&relationship)
                .and_then(|(lookup, _)| lookup.strip_suffix("Id"))
                .unwrap_or(&relationship);
            out.insert(name.to_owned(), value);
        }
        Value::Object(out)
    }

    fn retrieve(&self, version: &str, object: &str, id: &str, fields: Option<&str>) -> Reply {
        let Some(schema) = schema(object) else {
            return Reply::not_found();
        };
        let fields: Vec<String> = match fields {
            Some(f) => f.split(',').map(|f| f.trim().to_owned()).collect(),
            None => schema
                .fields
                .iter()
                .chain(AUDIT.iter())
                .map(|f| (*f).to_owned())
                .collect(),
        };
        if let Some(bad) = fields
            .iter()
            .find(|f| self.path_schema(schema, f).is_none())
        {
            return invalid_field(bad, schema.name);
        }
        let org = lock(&self.org);
        match find(&org, schema, id) {
            Some(record) => Reply::json(
                StatusCode::OK,
                self.shape(&org, version, schema, record, &fields),
            ),
            None => Reply::not_found(),
        }
    }

    /// `GET /sobjects/{type}/{external id field}/{value}`.
    fn by_external_id(&self, version: &str, object: &str, field: &str, value: &str) -> Reply {
        let Some(schema) = schema(object) else {
            return Reply::not_found();
        };
        if !schema
            .external_ids
            .iter()
            .any(|f| f.eq_ignore_ascii_case(field))
        {
            return Reply::error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                &format!("Provided external ID field does not exist or is not accessible: {field}"),
                &[],
            );
        }
        let org = lock(&self.org);
        let found = matching(&org, schema, field, value);
        match found.as_slice() {
            [record] => {
                let fields: Vec<String> = schema
                    .fields
                    .iter()
                    .chain(AUDIT.iter())
                    .map(|f| (*f).to_owned())
                    .collect();
                Reply::json(
                    StatusCode::OK,
                    self.shape(&org, version, schema, record, &fields),
                )
            }
            [] => Reply::not_found(),
            many => several(version, schema, many),
        }
    }

    fn collection(
        &self,
        version: &str,
        object: &str,
        ids: Option<&str>,
        fields: Option<&str>,
    ) -> Reply {
        let Some(schema) = schema(object) else {
            return Reply::not_found();
        };
        let (Some(ids), Some(fields)) = (ids, fields) else {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "MISSING_ARGUMENT",
                "Both the ids and fields parameters are required",
                &[],
            );
        };
        let fields: Vec<String> = fields.split(',').map(|f| f.trim().to_owned()).collect();
        if let Some(bad) = fields
            .iter()
            .find(|f| self.path_schema(schema, f).is_none())
        {
            return invalid_field(bad, schema.name);
        }
        let org = lock(&self.org);
        let rows: Vec<Value> = ids
            .split(',')
            .map(|id| {
                find(&org, schema, id.trim()).map_or(Value::Null, |r| {
                    self.shape(&org, version, schema, r, &fields)
                })
            })
            .collect();
        Reply::json(StatusCode::OK, Value::Array(rows))
    }

    /// Checks and normalises the fields of a write; `Err` is Salesforce's answer.
    fn validate(
        &self,
        org: &Org,
        schema: &Schema,
        fields: &Map<String, Value>,
        creating: bool,
    ) -> Result<Record, Reply> {
        let mut out = Record::new();
        for (name, value) in fields {
            if name == "attributes" {
                continue;
            }
            let Some(canonical) = schema.field(name) else {
                return Err(Reply::error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_FIELD",
                    &format!("No such column '{name}' on sobject of type {}", schema.name),
                    &[],
                ));
            };
            if !schema.writable.contains(&canonical) {
                return Err(Reply::error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    &format!("Unable to create/update fields: {canonical}. Please check the security settings of this field and verify that it is read/write for your profile or permission set."),
                    &[canonical],
                ));
            }
            if let Some((_, allowed)) = schema.picklists.iter().find(|(f, _)| *f == canonical) {
                if let Some(v) = value.as_str() {
                    if !allowed.contains(&v) {
                        return Err(Reply::error(
                            StatusCode::BAD_REQUEST,
                            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                            &format!("{canonical}: bad value for restricted picklist field: {v}"),
                            &[canonical],
                        ));
                    }
                }
            }
            if let Some((_, target)) = schema.lookups.iter().find(|(f, _)| *f == canonical) {
                if let Some(id) = value.as_str() {
                    let exists = self::schema(target)
                        .and_then(|t| find(org, t, id))
                        .is_some();
                    if !soql::is_id(id) {
                        return Err(Reply::error(
                            StatusCode::BAD_REQUEST,
                            "MALFORMED_ID",
                            &format!("{canonical}: id value of incorrect type: {id}"),
                            &[canonical],
                        ));
                    }
                    if !exists {
                        return Err(Reply::error(
                            StatusCode::BAD_REQUEST,
                            "INVALID_CROSS_REFERENCE_KEY",
                            "invalid cross reference id",
                            &[canonical],
                        ));
                    }
                    out.insert(canonical.to_owned(), json!(full_id(id)));
                    continue;
                }
            }
            out.insert(canonical.to_owned(), value.clone());
        }
        if creating {
            let missing: Vec<&str> = schema
                .required
                .iter()
                .filter(|f| {
                    out.get(**f)
                        .is_none_or(|v| v.is_null() || v.as_str() == Some(""))
                })
                .copied()
                .collect();
            if !missing.is_empty() {
                return Err(Reply::error(
                    StatusCode::BAD_REQUEST,
                    "REQUIRED_FIELD_MISSING",
                    &format!("Required fields are missing: [{}]", missing.join(", ")),
                    &missing,
                ));
            }
        }
        Ok(out)
    }

    fn create(&self, version: &str, object: &str, body: Option<Value>) -> Reply {
        let (schema, fields) = match written(object, body) {
            Ok(w) => w,
            Err(reply) => return reply,
        };
        let mut org = lock(&self.org);
        match self.insert(&mut org, schema, &fields) {
            Ok(id) => created(version, schema, &id, None),
            Err(reply) => reply,
        }
    }

    fn insert(
        &self,
        org: &mut Org,
        schema: &Schema,
        fields: &Map<String, Value>,
    ) -> Result<String, Reply> {
        if schema.writable.is_empty() {
            return Err(Reply::error(
                StatusCode::BAD_REQUEST,
                "INVALID_TYPE_FOR_OPERATION",
                "entity type cannot be inserted",
                &[],
            ));
        }
        let values = self.validate(org, schema, fields, true)?;
        let id = Self::new_id(org, schema);
        let stamp = now();
        let mut record = Record::new();
        for f in schema.fields.iter().chain(AUDIT.iter()) {
            record.insert((*f).to_owned(), Value::Null);
        }
        record.insert("Id".to_owned(), json!(id));
        record.insert("CreatedDate".to_owned(), json!(stamp));
        record.insert("LastModifiedDate".to_owned(), json!(stamp));
        record.insert("SystemModstamp".to_owned(), json!(stamp));
        record.insert("CreatedById".to_owned(), json!(self.user_id));
        record.insert("IsDeleted".to_owned(), json!(false));
        if schema.has("OwnerId") {
            record.insert("OwnerId".to_owned(), json!(self.user_id));
        }
        match schema.name {
            "Case" => {
                let next = org
                    .records
                    .get("Case")
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.get("CaseNumber")?.as_str()?.parse::<u64>().ok())
                    .max()
                    .unwrap_or(1000)
                    + 1;
                record.insert("CaseNumber".to_owned(), json!(format!("{next:08}")));
                record.insert("Status".to_owned(), json!("New"));
                record.insert("Priority".to_owned(), json!("Medium"));
            }
            "CaseComment" => {
                record.insert("IsPublished".to_owned(), json!(false));
            }
            _ => {}
        }
        record.extend(values);
        derive(schema, &mut record);
        org.records.entry(schema.name).or_default().push(record);
        Ok(id)
    }

    fn update(&self, object: &str, id: &str, body: Option<Value>) -> Reply {
        let (schema, fields) = match written(object, body) {
            Ok(w) => w,
            Err(reply) => return reply,
        };
        let mut org = lock(&self.org);
        match self.modify(&mut org, schema, id, &fields) {
            Ok(()) => Reply {
                status: StatusCode::NO_CONTENT,
                body: None,
                location: None,
            },
            Err(reply) => reply,
        }
    }

    fn modify(
        &self,
        org: &mut Org,
        schema: &Schema,
        id: &str,
        fields: &Map<String, Value>,
    ) -> Result<(), Reply> {
        let values = self.validate(org, schema, fields, false)?;
        let Some(record) = find_mut(org, schema, id) else {
            return Err(Reply::not_found());
        };
        record.extend(values);
        record.insert("LastModifiedDate".to_owned(), json!(now()));
        derive(schema, record);
        Ok(())
    }

    fn upsert(
        &self,
        version: &str,
        object: &str,
        field: &str,
        value: &str,
        body: Option<Value>,
    ) -> Reply {
        let (schema, fields) = match written(object, body) {
            Ok(w) => w,
            Err(reply) => return reply,
        };
        let Some(key) = schema
            .external_ids
            .iter()
            .chain(["Id"].iter())
            .find(|f| f.eq_ignore_ascii_case(field))
        else {
            return Reply::error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                &format!("Provided external ID field does not exist or is not accessible: {field}"),
                &[],
            );
        };
        let mut org = lock(&self.org);
        let found = matching(&org, schema, key, value);
        let matches: Vec<String> = found
            .iter()
            .filter_map(|r| r.get("Id")?.as_str().map(str::to_owned))
            .collect();
        match matches.as_slice() {
            [] => {
                let mut fields = fields;
                if *key != "Id" {
                    fields.insert((*key).to_owned(), json!(value));
                }
                match self.insert(&mut org, schema, &fields) {
                    Ok(id) => created(version, schema, &id, Some(true)),
                    Err(reply) => reply,
                }
            }
            [id] => match self.modify(&mut org, schema, id, &fields) {
                Ok(()) => Reply::json(
                    StatusCode::OK,
                    json!({ "id": id, "success": true, "errors": [], "created": false }),
                ),
                Err(reply) => reply,
            },
            _ => several(version, schema, &found),
        }
    }

    /// Deletes a record and what Salesforce deletes with it: an account's contacts and cases,
    /// a case's comments.
    fn delete(&self, object: &str, id: &str) -> Reply {
        let Some(schema) = schema(object) else {
            return Reply::not_found();
        };
        let mut org = lock(&self.org);
        let Some(id) =
            find(&org, schema, id).and_then(|r| r.get("Id")?.as_str().map(str::to_owned))
        else {
            return Reply::error(
                StatusCode::NOT_FOUND,
                "ENTITY_IS_DELETED",
                "entity is deleted",
                &[],
            );
        };
        let mut doomed = vec![(schema.name, id)];
        let mut i = 0;
        while i < doomed.len() {
            let (kind, parent) = doomed[i].clone();
            let children: &[(&str, &str)] = match kind {
                "Account" => &[("Contact", "AccountId"), ("Case", "AccountId")],
                "Case" => &[("CaseComment", "ParentId")],
                _ => &[],
            };
            for (child, link) in children {
                for r in org.records.get(child).into_iter().flatten() {
                    if r.get(*link).and_then(Value::as_str) == Some(parent.as_str()) {
                        if let Some(cid) = r.get("Id").and_then(Value::as_str) {
                            doomed.push((child, cid.to_owned()));
                        }
                    }
                }
            }
            i += 1;
        }
        for (kind, id) in doomed {
            if let Some(rows) = org.records.get_mut(kind) {
                rows.retain(|r| r.get("Id").and_then(Value::as_str) != Some(id.as_str()));
            }
        }
        Reply {
            status: StatusCode::NO_CONTENT,
            body: None,
            location: None,
        }
    }

    fn composite(&self, version: &str, body: Option<Value>, batch: usize) -> Reply {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Sub {
            method: String,
            url: String,
            reference_id: String,
            body: Option<Value>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Composite {
            #[serde(default)]
            all_or_none: bool,
            composite_request: Vec<Sub>,
        }
        let Some(request) = body.and_then(|b| serde_json::from_value::<Composite>(b).ok()) else {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "JSON_PARSER_ERROR",
                "compositeRequest is required",
                &[],
            );
        };
        if request.composite_request.len() > 25 {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "LIMIT_EXCEEDED",
                "Limit Exceeded: Composite API request can have only 25 subrequests",
                &[],
            );
        }
        let snapshot = lock(&self.org).records.clone();
        let mut results: Vec<(String, Reply)> = Vec::new();
        let mut failed = false;
        for sub in request.composite_request {
            if failed && request.all_or_none {
                results.push((sub.reference_id, halted()));
                continue;
            }
            let resolved = resolve(&Value::String(sub.url), &results).and_then(|url| {
                Ok((
                    url,
                    sub.body
                        .as_ref()
                        .map(|b| resolve(b, &results))
                        .transpose()?,
                ))
            });
            let reply = match resolved {
                Err(missing) => Reply::error(
                    StatusCode::BAD_REQUEST,
                    "PROCESSING_HALTED",
                    &format!("Invalid reference specified. No value for {missing} found."),
                    &[],
                ),
                Ok((Value::String(url), body)) => {
                    let prefix = format!("/services/data/{version}/");
                    let method = Method::from_bytes(sub.method.as_bytes()).unwrap_or(Method::GET);
                    match url.strip_prefix(&prefix) {
                        Some(rest) => {
                            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
                            self.execute(&method, version, path, query, body, batch)
                        }
                        None => Reply::not_found(),
                    }
                }
                Ok(_) => Reply::not_found(),
            };
            failed |= reply.status.is_client_error() || reply.status.is_server_error();
            results.push((sub.reference_id, reply));
        }
        if failed && request.all_or_none {
            lock(&self.org).records = snapshot;
            for (_, reply) in &mut results {
                if reply.status.is_success() {
                    *reply = halted();
                }
            }
        }
        let responses: Vec<Value> = results
            .into_iter()
            .map(|(reference, reply)| {
                let mut headers = Map::new();
                if let Some(l) = reply.location {
                    headers.insert("Location".to_owned(), json!(l));
                }
                json!({
                    "body": reply.body.unwrap_or(Value::Null),
                    "httpHeaders": headers,
                    "httpStatusCode": reply.status.as_u16(),
                    "referenceId": reference,
                })
            })
            .collect();
        Reply::json(StatusCode::OK, json!({ "compositeResponse": responses }))
    }
}

fn halted() -> Reply {
    Reply::error(
        StatusCode::BAD_REQUEST,
        "PROCESSING_HALTED",
        "The transaction was rolled back since another operation in the same transaction failed.",
        &[],
    )
}

/// Replaces `@{referenceId.path}` in every string of `value` with the value at that path of an
/// earlier subrequest's response body; `Err` names a reference that resolves to nothing.
fn resolve(value: &Value, results: &[(String, Reply)]) -> Result<Value, String> {
    match value {
        Value::String(s) => {
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find("@{") {
                out.push_str(&rest[..start]);
                let Some(end) = rest[start..].find('}') else {
                    break;
                };
                let reference = &rest[start + 2..start + end];
                let (id, path) = reference.split_once('.').unwrap_or((reference, ""));
                let found = results
                    .iter()
                    .find(|(r, _)| r == id)
                    .and_then(|(_, reply)| reply.body.as_ref())
                    .and_then(|body| walk(body, path));
                match found {
                    Some(Value::String(v)) => out.push_str(&v),
                    Some(v) if !v.is_null() => out.push_str(&v.to_string()),
                    _ => return Err(reference.to_owned()),
                }
                rest = &rest[start + end + 1..];
            }
            out.push_str(rest);
            Ok(Value::String(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|i| resolve(i, results))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| Ok((k.clone(), resolve(v, results)?)))
            .collect::<Result<Map<_, _>, String>>()
            .map(Value::Object),
        other => Ok(other.clone()),
    }
}

/// The value at `records[0].Id`-style `path` of `body`.
fn walk(body: &Value, path: &str) -> Option<Value> {
    let mut at = body;
    for step in path.split('.').filter(|s| !s.is_empty()) {
        let (name, index) = match step.split_once('[') {
            Some((n, i)) => (n, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (step, None),
        };
        at = at.get(name)?;
        if let Some(i) = index {
            at = at.get(i)?;
        }
    }
    Some(at.clone())
}

/// The type and fields of a write, or Salesforce's answer to a write without them.
fn written(
    object: &str,
    body: Option<Value>,
) -> Result<(&'static Schema, Map<String, Value>), Reply> {
    let schema = schema(object).ok_or_else(Reply::not_found)?;
    match body {
        Some(Value::Object(fields)) => Ok((schema, fields)),
        _ => Err(json_required()),
    }
}

fn json_required() -> Reply {
    Reply::error(
        StatusCode::BAD_REQUEST,
        "JSON_PARSER_ERROR",
        "The request body is required and must be a JSON object",
        &[],
    )
}

fn invalid_field(field: &str, object: &str) -> Reply {
    Reply::error(
        StatusCode::BAD_REQUEST,
        "INVALID_FIELD",
        &format!("No such column '{field}' on entity '{object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."),
        &[],
    )
}

fn created(version: &str, schema: &Schema, id: &str, created: Option<bool>) -> Reply {
    let mut body = json!({ "id": id, "success": true, "errors": [] });
    if let Some(c) = created {
        body["created"] = json!(c);
    }
    Reply {
        status: StatusCode::CREATED,
        body: Some(body),
        location: Some(format!(
            "/services/data/{version}/sobjects/{}/{id}",
            schema.name
        )),
    }
}

/// The first id literal compared with an id field that is not a Salesforce id: Salesforce
/// refuses the whole query for it.
fn bad_id_literal(schema: &Schema, c: &soql::Condition) -> Option<String> {
    use soql::Condition::*;
    let bad = |field: &str, v: &Value| {
        (!field.contains('.') && schema.is_id_field(field))
            .then(|| v.as_str().filter(|s| !soql::is_id(s)).map(str::to_owned))
            .flatten()
    };
    match c {
        And(a, b) | Or(a, b) => bad_id_literal(schema, a).or_else(|| bad_id_literal(schema, b)),
        Not(a) => bad_id_literal(schema, a),
        Compare(f, _, v) => bad(f, v),
        In(f, _, values) => values.iter().find_map(|v| bad(f, v)),
    }
}

/// The 18-character form of a 15- or 18-character id.
fn full_id(id: &str) -> String {
    if id.len() == 15 {
        salesforce_id_suffix(id).map_or_else(|| id.to_owned(), |s| format!("{id}{s}"))
    } else {
        id.to_owned()
    }
}

/// A `field IN (…)` of text values that `c` requires (itself, or a side of an `AND`), on a field
/// of the record itself: the records it admits have one of those values.
fn in_list(c: &soql::Condition) -> Option<(&str, &[Value])> {
    match c {
        soql::Condition::In(field, false, values)
            if !field.contains('.') && values.iter().all(Value::is_string) =>
        {
            Some((field, values))
        }
        soql::Condition::And(a, b) => in_list(a).or_else(|| in_list(b)),
        _ => None,
    }
}

/// Ids match on their first 15 characters, case-sensitively.
fn same_id(a: &str, b: &str) -> bool {
    soql::is_id(a) && soql::is_id(b) && a[..15] == b[..15]
}

/// Whether `record` is the one `id` names.
fn named(record: &Record, id: &str) -> bool {
    record
        .get("Id")
        .and_then(Value::as_str)
        .is_some_and(|rid| same_id(rid, id))
}

fn find<'a>(org: &'a Org, schema: &Schema, id: &str) -> Option<&'a Record> {
    org.records.get(schema.name)?.iter().find(|r| named(r, id))
}

fn find_mut<'a>(org: &'a mut Org, schema: &Schema, id: &str) -> Option<&'a mut Record> {
    org.records
        .get_mut(schema.name)?
        .iter_mut()
        .find(|r| named(r, id))
}

/// The records of `schema` whose `field` (an external id) is `value`, case-insensitively.
fn matching<'a>(org: &'a Org, schema: &Schema, field: &str, value: &str) -> Vec<&'a Record> {
    org.records
        .get(schema.name)
        .into_iter()
        .flatten()
        .filter(|r| {
            schema
                .field(field)
                .and_then(|f| r.get(f)?.as_str())
                .is_some_and(|v| v.eq_ignore_ascii_case(value))
        })
        .collect()
}

/// `300 Multiple Choices`: an external id names several records; the body lists them.
fn several(version: &str, schema: &Schema, records: &[&Record]) -> Reply {
    Reply::json(
        StatusCode::MULTIPLE_CHOICES,
        json!(records
            .iter()
            .filter_map(|r| r.get("Id")?.as_str())
            .map(|id| format!("/services/data/{version}/sobjects/{}/{id}", schema.name))
            .collect::<Vec<_>>()),
    )
}

/// Fields Salesforce computes: a contact's `Name`, a case's `IsClosed` and `ClosedDate`.
fn derive(schema: &Schema, record: &mut Record) {
    match schema.name {
        "Contact" => {
            let name = [record.get("FirstName"), record.get("LastName")]
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            record.insert("Name".to_owned(), json!(name));
        }
        "Case" => {
            let closed = record.get("Status").and_then(Value::as_str) == Some("Closed");
            let was_closed = record.get("ClosedDate").is_some_and(|d| !d.is_null());
            record.insert("IsClosed".to_owned(), json!(closed));
            if closed && !was_closed {
                record.insert("ClosedDate".to_owned(), json!(now()));
            } else if !closed {
                record.insert("ClosedDate".to_owned(), Value::Null);
            }
        }
        _ => {}
    }
}

fn seed(org: &mut Org, demo: &DemoData, user_id: &str, username: &str) {
    let stamp = |at: chrono::DateTime<chrono::Utc>| json!(at.format(DATETIME).to_string());
    let created = stamp(chrono::Utc::now());
    let base = |id: &str| -> Record {
        let mut r = Record::new();
        r.insert("Id".to_owned(), json!(id));
        r.insert("CreatedDate".to_owned(), created.clone());
        r.insert("LastModifiedDate".to_owned(), created.clone());
        r.insert("SystemModstamp".to_owned(), created.clone());
        r.insert("CreatedById".to_owned(), json!(user_id));
        r.insert("OwnerId".to_owned(), json!(user_id));
        r.insert("IsDeleted".to_owned(), json!(false));
        r
    };
    let mut user = base(user_id);
    user.remove("OwnerId");
    user.extend([
        ("Username".to_owned(), json!(username)),
        ("Email".to_owned(), json!(username)),
        ("Name".to_owned(), json!("Integration User")),
        ("IsActive".to_owned(), json!(true)),
    ]);
    org.records.insert("User", vec![user]);
    let fill = |schema_name: &str, mut r: Record| -> Record {
        if let Some(s) = schema(schema_name) {
            for f in s.fields {
                r.entry((*f).to_owned()).or_insert(Value::Null);
            }
            derive(s, &mut r);
        }
        r
    };
    let accounts = demo
        .crm_accounts
        .iter()
        .map(|a: &CrmAccount| {
            let mut r = base(a.id.as_str());
            r.insert("Name".to_owned(), json!(a.name));
            r.insert(
                "ParentId".to_owned(),
                json!(a.parent_id.as_ref().map(|p| p.as_str())),
            );
            r.insert(
                "Type".to_owned(),
                json!(if a.parent_id.is_some() {
                    "Customer"
                } else {
                    "Partner"
                }),
            );
            fill("Account", r)
        })
        .collect();
    org.records.insert("Account", accounts);
    let contacts = demo
        .contacts
        .iter()
        .map(|c: &Contact| {
            let key = format!("{}:{}", c.account_id.as_str(), c.email.to_lowercase());
            let mut r = base(&crm_id("003", &format!("contact-{key}")));
            r.extend([
                ("AccountId".to_owned(), json!(c.account_id.as_str())),
                ("FirstName".to_owned(), json!(c.first_name)),
                ("LastName".to_owned(), json!(c.last_name)),
                ("Email".to_owned(), json!(c.email)),
                ("Phone".to_owned(), json!(c.phone)),
                ("Partnergraph_Key__c".to_owned(), json!(key)),
            ]);
            fill("Contact", r)
        })
        .collect();
    org.records.insert("Contact", contacts);
    let cases = demo
        .cases
        .iter()
        .map(|c: &Case| {
            let mut r = base(c.id.as_str());
            r.extend([
                ("CaseNumber".to_owned(), json!(c.number)),
                ("AccountId".to_owned(), json!(c.account_id.as_str())),
                ("Subject".to_owned(), json!(c.subject)),
                ("Description".to_owned(), json!(c.description)),
                ("Status".to_owned(), json!(format!("{:?}", c.status))),
                ("Priority".to_owned(), json!(format!("{:?}", c.priority))),
                ("Origin".to_owned(), json!("Web")),
                ("CreatedDate".to_owned(), stamp(c.created_at)),
            ]);
            fill("Case", r)
        })
        .collect();
    org.records.insert("Case", cases);
    org.records.insert("CaseComment", Vec::new());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A query that a lookup narrows answers what a scan of every record answers, in order.
    #[test]
    fn lookups_answer_what_scans_answer() {
        let demo = partnergraph_demo::generate_with_load(chrono::Utc::now().date_naive(), 300);
        let org = Salesforce::new(&demo, Settings::default()).expect("starts");
        let accounts: Vec<String> = org
            .records("Account")
            .iter()
            .step_by(3)
            .filter_map(|a| a["Id"].as_str())
            // 15-character ids: ids match on their first 15 characters.
            .map(|id| id[..15].to_owned())
            .collect();
        let list = accounts
            .iter()
            .map(|id| format!("'{id}'"))
            .collect::<Vec<_>>()
            .join(",");
        let reply = org.query(
            "v62.0",
            &format!(
                "SELECT Id, AccountId FROM Case WHERE AccountId IN ({list}) AND IsClosed = false"
            ),
            2000,
        );
        let body = reply.body.expect("a body");
        let found: Vec<&str> = body["records"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["Id"].as_str())
            .collect();
        let cases = org.records("Case");
        let scanned: Vec<&str> = cases
            .iter()
            .filter(|c| {
                c["IsClosed"] == false
                    && c["AccountId"]
                        .as_str()
                        .is_some_and(|a| accounts.iter().any(|id| a.starts_with(id.as_str())))
            })
            .filter_map(|c| c["Id"].as_str())
            .collect();
        assert!(found.len() > 10);
        assert_eq!(found, scanned);
    }
}
