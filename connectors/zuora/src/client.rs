//! The HTTP client every Zuora call goes through: OAuth 2.0 client
//! credentials against `/oauth/token` (credentials in the form body, as Zuora documents; the
//! token cached and renewed a minute before expiry, and once more on a 401), Zuora's headers
//! (`Zuora-Track-Id` = our request id, `Zuora-Version`, `Zuora-Entity-Ids`, `Idempotency-Key`
//! on writes), its error envelopes (REST's and CRUD's) mapped to core's typed upstream errors,
//! reads that retry 429s and 5xx with bounded backoff honouring `Retry-After`, writes that never
//! retry blindly, and batch reads through Object Query that follow every page, split id lists
//! into concurrent queries of a page each, and read accounts' children as expansions of a page
//! of accounts.
//! Bodies are parsed straight from their text into this crate's wire types, so amounts never
//! pass through a float.

use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, TokenResponse, TokenUrl,
};
use partnergraph_core::retry::{self, READ_ATTEMPTS};
use partnergraph_core::UpstreamError;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use tracing::Instrument;

/// Object Query's largest page (Zuora's OpenAPI spec; its docs say 99, the SDK enforces 50).
const PAGE_SIZE: usize = 50;
/// Ids per `IN` filter: a page's worth where each id matches one record, and keeps each URL
/// far below proxies' limits.
const IDS_PER_QUERY: usize = PAGE_SIZE;
/// Records per ZOQL batch (Zuora's maximum).
const ZOQL_BATCH: usize = 2000;
/// Renew a token this long before Zuora says it expires.
const RENEW_EARLY: Duration = Duration::from_secs(60);

/// Where and how to reach a Zuora tenant.
#[derive(Clone)]
pub struct ZuoraConfig {
    /// REST base URL, e.g. `https://rest.apisandbox.zuora.com`.
    pub base_url: String,
    /// OAuth client id (36 characters).
    pub client_id: String,
    /// OAuth client secret; never logged (oauth2's `ClientSecret` redacts it).
    pub client_secret: ClientSecret,
    /// `Zuora-Entity-Ids`, when the client may act in several entities.
    pub entity_ids: Option<String>,
    /// `Zuora-Version` (the minor API version).
    pub zuora_version: String,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Most requests open at once (Zuora limits concurrent requests per tenant); the rest wait.
    pub max_concurrent_requests: usize,
}

impl std::fmt::Debug for ZuoraConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZuoraConfig")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("entity_ids", &self.entity_ids)
            .field("zuora_version", &self.zuora_version)
            .finish()
    }
}

/// Why a Zuora call failed. Messages carry Zuora's codes and our own words, never tokens,
/// secrets or response bodies beyond Zuora's reason text.
#[derive(Debug, thiserror::Error)]
pub enum ZuoraError {
    /// The connection failed, timed out, or Zuora answered 5xx.
    #[error("Zuora unavailable: {0}")]
    Unavailable(String),
    /// Zuora throttled us and kept doing so through our retries.
    #[error("Zuora rate limited the request")]
    RateLimited {
        /// Zuora's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// Zuora refused the request (`success: false`, 4xx) with its code and message.
    #[error("Zuora refused the request: {code}: {message}")]
    Rejected {
        /// Zuora's reason code.
        code: String,
        /// Zuora's reason message.
        message: String,
    },
    /// The record does not exist (`…40` codes, 404).
    #[error("Zuora has no such record")]
    NotFound,
    /// The token endpoint refused our credentials.
    #[error("Zuora refused the OAuth client credentials")]
    Credentials,
    /// A response did not have the expected shape.
    #[error("unexpected Zuora response at {0}")]
    Decode(String),
}

impl From<ZuoraError> for partnergraph_core::Error {
    fn from(err: ZuoraError) -> Self {
        match err {
            ZuoraError::NotFound => UpstreamError::NotFound.into(),
            ZuoraError::RateLimited { retry_after } => {
                UpstreamError::RateLimited { retry_after }.into()
            }
            ZuoraError::Rejected { code, message } => {
                UpstreamError::Rejected { code, message }.into()
            }
            ZuoraError::Decode(path) => UpstreamError::Decode { path }.into(),
            ZuoraError::Unavailable(_) | ZuoraError::Credentials => {
                UpstreamError::Unavailable("Zuora".to_owned()).into()
            }
        }
    }
}

type OAuthClient =
    BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// A cached bearer token.
struct Token {
    value: oauth2::AccessToken,
    renew_at: Instant,
}

/// The HTTP client of one Zuora tenant; cheap to share behind an `Arc`.
pub struct ZuoraClient {
    config: ZuoraConfig,
    http: reqwest::Client,
    oauth: OAuthClient,
    token: Mutex<Option<Token>>,
    in_flight: tokio::sync::Semaphore,
}

impl ZuoraClient {
    /// A client for `config`.
    pub fn new(config: ZuoraConfig) -> Result<Self, ZuoraError> {
        let base = config.base_url.trim_end_matches('/');
        let token_url = TokenUrl::new(format!("{base}/oauth/token"))
            .map_err(|_| ZuoraError::Decode("base_url".to_owned()))?;
        let oauth = BasicClient::new(ClientId::new(config.client_id.clone()))
            .set_client_secret(config.client_secret.clone())
            // Zuora documents the credentials in the form body, not HTTP Basic.
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(token_url);
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            // OAuth token responses must not be followed through redirects (oauth2's advice).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ZuoraError::Unavailable(e.to_string()))?;
        Ok(Self {
            in_flight: tokio::sync::Semaphore::new(config.max_concurrent_requests.max(1)),
            config,
            http,
            oauth,
            token: Mutex::new(None),
        })
    }

    /// A bearer token: the cached one, or a new one when it is due or `renew` is set.
    async fn bearer(&self, renew: bool) -> Result<String, ZuoraError> {
        let mut token = self.token.lock().await;
        if let Some(t) = token
            .as_ref()
            .filter(|t| !renew && t.renew_at > Instant::now())
        {
            return Ok(t.value.secret().clone());
        }
        let response = self
            .oauth
            .exchange_client_credentials()
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                oauth2::RequestTokenError::ServerResponse(_) => ZuoraError::Credentials,
                other => {
                    ZuoraError::Unavailable(format!("token request failed: {}", kind_of(&other)))
                }
            })?;
        let lifetime = response.expires_in().unwrap_or(Duration::from_secs(3600));
        let value = response.access_token().clone();
        let secret = value.secret().clone();
        *token = Some(Token {
            value,
            renew_at: Instant::now() + lifetime.saturating_sub(RENEW_EARLY),
        });
        Ok(secret)
    }

    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        bearer: &str,
        track_id: &str,
    ) -> reqwest::RequestBuilder {
        let url = format!("{}{path}", self.config.base_url.trim_end_matches('/'));
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(bearer)
            .header("Zuora-Version", &self.config.zuora_version)
            .header("Zuora-Track-Id", track_id);
        if let Some(entities) = &self.config.entity_ids {
            request = request.header("Zuora-Entity-Ids", entities);
        }
        request
    }

    /// Sends one request and reads its answer, renewing the token once after a 401 (Zuora did
    /// not process a request it refused to authenticate, so resending it is safe even for writes).
    async fn send(
        &self,
        method: &reqwest::Method,
        path: &str,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> Result<String, Failure> {
        // One id for every attempt, so Zuora's log and ours name the same call alike.
        let track_id = track_id();
        let mut renewed = false;
        loop {
            let bearer = self.bearer(false).await.map_err(Failure::Final)?;
            let mut request = self.request(method.clone(), path, &bearer, &track_id);
            if let Some(key) = idempotency_key {
                request = request.header("Idempotency-Key", key);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            // One span per HTTP exchange (a retry is another call), waiting for a slot included.
            let span = tracing::info_span!(
                target: "partnergraph::upstream",
                "upstream request",
                otel.name = format!("{method} {}", metric_endpoint(path)),
                otel.kind = "client",
                upstream = "zuora",
                http.request.method = %method,
                http.response.status_code = tracing::field::Empty,
                otel.status_code = tracing::field::Empty,
            );
            let outcome = async {
                // The semaphore is never closed; a closed one would only lift the limit.
                let permit = self.in_flight.acquire().await.ok();
                let started = Instant::now();
                let sent = request.send().await;
                let status = sent.as_ref().map(|r| r.status().as_u16()).unwrap_or(0);
                let span = tracing::Span::current();
                span.record("http.response.status_code", i64::from(status));
                if !(1..500).contains(&status) {
                    span.record("otel.status_code", "ERROR");
                }
                tracing::debug!(
                    target: "partnergraph::upstream",
                    upstream = "zuora",
                    %method,
                    endpoint = endpoint(path),
                    status,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    track_id = %track_id,
                    "Zuora request"
                );
                metrics::counter!("partnergraph_upstream_requests_total", "upstream" => "zuora", "endpoint" => metric_endpoint(path), "status" => status.to_string()).increment(1);
                metrics::histogram!("partnergraph_upstream_request_duration_seconds", "upstream" => "zuora").record(started.elapsed().as_secs_f64());
                let outcome = match sent {
                    Ok(response) => read_response(response).await,
                    Err(e) => Err(Failure::Retryable(
                        ZuoraError::Unavailable(transport(&e)),
                        None,
                    )),
                };
                drop(permit);
                outcome
            }
            .instrument(span)
            .await;
            match outcome {
                Err(Failure::Unauthorized) if !renewed => {
                    renewed = true;
                    self.bearer(true).await.map_err(Failure::Final)?;
                }
                Err(Failure::Unauthorized) => return Err(Failure::Final(ZuoraError::Credentials)),
                other => return other,
            }
        }
    }

    /// A read (a GET, or a query POSTed to `/v1/action/query*`): retried on 429, 5xx, Zuora's
    /// transient codes and transport errors with bounded exponential backoff and jitter,
    /// honouring `Retry-After`.
    pub async fn read<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, ZuoraError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.send(&method, path, body, None).await {
                Ok(text) => return decode(&text, path),
                Err(Failure::Retryable(err, wait)) if attempt < READ_ATTEMPTS => {
                    let pause = retry::pause(attempt, wait);
                    tracing::warn!(error = %err, endpoint = endpoint(path), attempt, ?pause, "Zuora read retried");
                    tokio::time::sleep(pause).await;
                }
                Err(Failure::Retryable(err, _) | Failure::Final(err)) => return Err(err),
                Err(Failure::Unauthorized) => return Err(ZuoraError::Credentials),
            }
        }
    }

    /// GETs `path` (with its query) as a read.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ZuoraError> {
        self.read(reqwest::Method::GET, path, None).await
    }

    /// A write, never retried blindly: a failure is returned as it is, and the caller may
    /// retry with the same `Idempotency-Key`, which Zuora answers with the first result (a
    /// `409` carrying the first response's body).
    pub async fn write<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> Result<T, ZuoraError> {
        match self.send(&method, path, body, idempotency_key).await {
            Ok(text) => decode(&text, path),
            Err(Failure::Retryable(err, _) | Failure::Final(err)) => Err(err),
            Err(Failure::Unauthorized) => Err(ZuoraError::Credentials),
        }
    }

    /// Every record of an Object Query `object` matching all `filters` (with only `fields`,
    /// all when empty), following every page.
    pub async fn object_query<T: DeserializeOwned>(
        &self,
        object: &str,
        filters: &[String],
        fields: &[&str],
        expand: &[&str],
    ) -> Result<Vec<T>, ZuoraError> {
        let mut query: Vec<(String, String)> = vec![("pageSize".to_owned(), PAGE_SIZE.to_string())];
        query.extend(filters.iter().map(|f| ("filter[]".to_owned(), f.clone())));
        if !fields.is_empty() {
            query.push(("fields[]".to_owned(), fields.join(",")));
        }
        query.extend(
            expand
                .iter()
                .map(|e| ("expand[]".to_owned(), (*e).to_owned())),
        );
        let mut rows = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut params = query.clone();
            if let Some(c) = &cursor {
                params.push(("cursor".to_owned(), c.clone()));
            }
            let encoded = serde_urlencoded::to_string(&params)
                .map_err(|_| ZuoraError::Decode("query".to_owned()))?;
            let page: QueryPage<T> = self
                .get(&format!("/object-query/{object}?{encoded}"))
                .await?;
            rows.extend(page.data);
            match page.next_page {
                Some(next) => cursor = Some(next),
                None => return Ok(rows),
            }
        }
    }

    /// The records of `object` whose `field` is one of `ids`, none for no ids.
    ///
    /// Object Query's cursor pages can only be followed one after another, so the ids are
    /// split into queries of a page's worth each, sent concurrently: where an id matches one
    /// record (a read by id) that is one round trip for any number of ids. A query that
    /// overflows its page (several records per id) follows its pages.
    pub async fn object_query_in<T: DeserializeOwned>(
        &self,
        object: &str,
        field: &str,
        ids: &[&str],
        expand: &[&str],
    ) -> Result<Vec<T>, ZuoraError> {
        self.in_parts(field, ids, |filter| async move {
            self.object_query::<T>(object, &[filter], &[], expand).await
        })
        .await
    }

    /// The `object` records of these accounts (`subscriptions`, `invoices`, `payments` or
    /// `payment-methods`), none for no accounts.
    ///
    /// An account's children cannot be read a page of accounts at a time by filtering the
    /// children (50 accounts have hundreds of invoices: pages in a row), so they are read as an
    /// expansion of the accounts, a page of accounts per request, all concurrent. Zuora caps
    /// expanded children at the page size per account: an account that fills its cap is read
    /// again directly, following every page.
    pub async fn children_of_accounts<T: DeserializeOwned>(
        &self,
        object: &str,
        ids: &[&str],
        expand: &[&str],
    ) -> Result<Vec<T>, ZuoraError> {
        let (name, key) = match object {
            "payment-methods" => ("paymentmethods", "paymentMethods"),
            other => (other, other),
        };
        let mut expansions = vec![name.to_owned()];
        expansions.extend(expand.iter().map(|e| format!("{name}.{e}")));
        let expansions: Vec<&str> = expansions.iter().map(String::as_str).collect();
        // Each account's fields kept as their JSON text, so the children are parsed straight
        // into wire types (amounts never pass through a float).
        let accounts: Vec<HashMap<String, Box<RawValue>>> = self
            .in_parts("id", ids, |filter| {
                let expansions = &expansions;
                async move {
                    self.object_query("accounts", &[filter], &["id"], expansions)
                        .await
                }
            })
            .await?;
        let mut rows = Vec::new();
        let mut capped = Vec::new();
        for account in accounts {
            let Some(children) = account.get(key) else {
                continue;
            };
            let children: Vec<T> = serde_json::from_str(children.get()).map_err(|e| {
                tracing::warn!(error = %e, object, "undecodable expanded records");
                ZuoraError::Decode(object.to_owned())
            })?;
            if children.len() >= PAGE_SIZE {
                capped.extend(
                    account
                        .get("id")
                        .map(|id| id.get().trim_matches('"').to_owned()),
                );
            } else {
                rows.extend(children);
            }
        }
        let full = capped.iter().map(|id| {
            let filter = format!("accountid.EQ:{id}");
            async move { self.object_query::<T>(object, &[filter], &[], expand).await }
        });
        rows.extend(
            futures::future::try_join_all(full)
                .await?
                .into_iter()
                .flatten(),
        );
        Ok(rows)
    }

    /// `read` of each page's worth of `ids` as an `IN` filter on `field`, concurrently.
    async fn in_parts<T, F, Fut>(
        &self,
        field: &str,
        ids: &[&str],
        read: F,
    ) -> Result<Vec<T>, ZuoraError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<T>, ZuoraError>>,
    {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let parts = ids
            .chunks(IDS_PER_QUERY)
            .map(|chunk| read(format!("{field}.IN:[{}]", chunk.join(","))));
        Ok(futures::future::try_join_all(parts)
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    /// Every record a ZOQL query selects, following `queryMore` locators. Used where Object
    /// Query has no equivalent (the `InvoicePayment` links of payments to invoices).
    pub async fn zoql<T: DeserializeOwned>(&self, query: &str) -> Result<Vec<T>, ZuoraError> {
        let mut page: ZoqlPage<T> = self
            .read(
                reqwest::Method::POST,
                "/v1/action/query",
                Some(&serde_json::json!({ "queryString": query, "conf": { "batchSize": ZOQL_BATCH } })),
            )
            .await?;
        let mut rows = std::mem::take(&mut page.records);
        while let (false, Some(locator)) = (page.done, page.query_locator.take()) {
            page = self
                .read(
                    reqwest::Method::POST,
                    "/v1/action/queryMore",
                    Some(&serde_json::json!({ "queryLocator": locator })),
                )
                .await?;
            rows.append(&mut page.records);
        }
        Ok(rows)
    }
}

/// One page of an Object Query list.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryPage<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
    next_page: Option<String>,
}

/// One batch of a ZOQL query.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ZoqlPage<T> {
    #[serde(default = "Vec::new")]
    records: Vec<T>,
    #[serde(default = "yes")]
    done: bool,
    query_locator: Option<String>,
}

fn yes() -> bool {
    true
}

/// The `Zuora-Track-Id` of this call: the id of the request it serves, so Zuora's logs and ours
/// meet. Zuora allows 64 US-ASCII characters without `:;"'`; a client-chosen request id is
/// reduced to that.
fn track_id() -> String {
    let id = partnergraph_core::context::request_id()
        .unwrap_or_else(|| format!("partnergraph-{}", uuid::Uuid::new_v4().simple()));
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect()
}

/// The path without its query, which may carry customer data, for logs.
fn endpoint(path: &str) -> &str {
    path.split('?').next().unwrap_or(path)
}

/// The endpoint as a metric label: the resource, without record keys or queries, so the
/// label's values stay few (`/object-query/accounts`, `/v1/orders`, `/v1/accounts`).
fn metric_endpoint(path: &str) -> String {
    endpoint(path)
        .split('/')
        .take(3)
        .collect::<Vec<_>>()
        .join("/")
}

/// Parses a successful response body. The serde error goes to the log (with the endpoint, never
/// the body); the caller learns only where it happened.
fn decode<T: DeserializeOwned>(text: &str, path: &str) -> Result<T, ZuoraError> {
    serde_json::from_str(text).map_err(|e| {
        tracing::warn!(endpoint = endpoint(path), error = %e, "unexpected Zuora response");
        ZuoraError::Decode(endpoint(path).to_owned())
    })
}

/// How a response failed.
enum Failure {
    /// 401: the token was refused.
    Unauthorized,
    /// Worth retrying for a read, after the wait Zuora asked for, if any.
    Retryable(ZuoraError, Option<Duration>),
    /// Not worth retrying.
    Final(ZuoraError),
}

/// Zuora's envelope, the part of every body that says whether it worked: `success` and
/// `reasons` on `/v1` REST calls, `Success` and `Errors` on CRUD calls (`/v1/object/*`).
#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(alias = "Success")]
    success: Option<bool>,
    #[serde(default)]
    reasons: Vec<Reason>,
    #[serde(default, rename = "Errors")]
    errors: Vec<CrudError>,
}

#[derive(serde::Deserialize)]
struct Reason {
    /// A number in Zuora's docs and recordings, a string in its Java SDK.
    #[serde(default)]
    code: Value,
    #[serde(default)]
    message: Option<String>,
}

/// A CRUD call's reason for failing: a code word (`INVALID_ID`, `INVALID_VALUE`…), not a number.
#[derive(serde::Deserialize)]
struct CrudError {
    #[serde(default, rename = "Code")]
    code: String,
    #[serde(default, rename = "Message")]
    message: Option<String>,
}

/// What a CRUD failure means. Its codes are words, without the REST codes' category digits:
/// `INVALID_ID` names no record; the busy and timed-out ones are Zuora being unwell, retried
/// (for reads) and an outage if they persist, as the REST codes' transient categories are.
fn crud_failure(error: CrudError, retry_after: Option<Duration>) -> Failure {
    match error.code.as_str() {
        "INVALID_ID" => Failure::Final(ZuoraError::NotFound),
        "LOCK_COMPETITION"
        | "TEMPORARY_ERROR"
        | "SERVER_UNAVAILABLE"
        | "REQUEST_EXCEEDED_RATE"
        | "REQUEST_EXCEEDED_LIMIT"
        | "TRANSACTION_TIMEOUT" => Failure::Retryable(
            ZuoraError::Unavailable(format!("transient reason {}", error.code)),
            retry_after,
        ),
        _ => Failure::Final(ZuoraError::Rejected {
            message: error.message.unwrap_or_default(),
            code: error.code,
        }),
    }
}

async fn read_response(response: reqwest::Response) -> Result<String, Failure> {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs);
    if status == reqwest::StatusCode::UNAUTHORIZED {
        return Err(Failure::Unauthorized);
    }
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(Failure::Retryable(
            ZuoraError::RateLimited { retry_after },
            retry_after,
        ));
    }
    if status.is_server_error() {
        let err = ZuoraError::Unavailable(format!("HTTP {}", status.as_u16()));
        return Err(Failure::Retryable(err, retry_after));
    }
    if status == reqwest::StatusCode::UNPROCESSABLE_ENTITY {
        return Err(key_in_doubt(status));
    }
    // Zuora answers some failures as text (its edge) and 409 replays with the first result.
    let text = response
        .text()
        .await
        .map_err(|e| Failure::Retryable(ZuoraError::Unavailable(transport(&e)), None))?;
    let envelope: Envelope = serde_json::from_str(&text)
        .map_err(|_| Failure::Final(ZuoraError::Decode("body".to_owned())))?;
    if envelope.success == Some(false) {
        if status == reqwest::StatusCode::CONFLICT {
            return Err(key_in_doubt(status));
        }
        if let Some(error) = envelope.errors.into_iter().next() {
            return Err(crud_failure(error, retry_after));
        }
        let reason = envelope.reasons.into_iter().next();
        let code = match reason.as_ref().map(|r| &r.code) {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        let message = reason.and_then(|r| r.message).unwrap_or_default();
        // The last two digits are the category: 40 not found; 50, 61, 70 and 99 are transient,
        // Zuora being unwell rather than refusing: retried, and an outage if they persist.
        return Err(match code.get(code.len().saturating_sub(2)..) {
            Some("40") => Failure::Final(ZuoraError::NotFound),
            Some("50" | "61" | "70" | "99") => Failure::Retryable(
                ZuoraError::Unavailable(format!("transient reason {code}")),
                retry_after,
            ),
            _ => Failure::Final(ZuoraError::Rejected { code, message }),
        });
    }
    if status == reqwest::StatusCode::NOT_FOUND {
        return Err(Failure::Final(ZuoraError::NotFound));
    }
    if status.is_client_error() && status != reqwest::StatusCode::CONFLICT {
        return Err(Failure::Final(ZuoraError::Rejected {
            code: status.as_u16().to_string(),
            message: "request refused".to_owned(),
        }));
    }
    Ok(text)
}

/// Zuora's answers about an `Idempotency-Key` rather than the request: a failed 409, a request
/// under the key is still in progress; 422, the key came with another request. Either way what
/// the key's first request did is unknown, which is no refusal (an undo trusts a refusal to
/// mean that nothing was created).
fn key_in_doubt(status: reqwest::StatusCode) -> Failure {
    Failure::Final(ZuoraError::Unavailable(format!(
        "idempotency key in doubt: HTTP {}",
        status.as_u16()
    )))
}

/// A transport error described without its URL (which could carry query parameters).
fn transport(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else {
        "transport error".to_owned()
    }
}

fn kind_of<E: std::error::Error>(e: &E) -> String {
    // oauth2's request errors may embed the response body; keep only their kind.
    let text = e.to_string();
    text.split(':').next().unwrap_or("error").to_owned()
}
