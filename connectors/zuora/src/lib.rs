//! partnergraph-zuora: the Zuora side of the billing connector.
//!
//! This first part is the HTTP client every Zuora call goes through: OAuth 2.0 client
//! credentials against `/oauth/token` (credentials in the form body, as Zuora documents; the
//! token cached and renewed a minute before expiry, and once more on a 401), Zuora's headers
//! (`Zuora-Track-Id` = our request id, `Zuora-Version`, `Zuora-Entity-Ids`, `Idempotency-Key`
//! on writes), its error envelope mapped to core's typed upstream errors, reads that retry
//! 429s and 5xx with bounded backoff honouring `Retry-After`, writes that never retry blindly,
//! and batch reads through Object Query that follow every page and split long id lists.
//! Wire types stay in this crate. The `Billing` implementation on top of it comes next.

use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, TokenResponse, TokenUrl,
};
use partnergraph_core::UpstreamError;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Object Query's largest page (Zuora's OpenAPI spec; its docs say 99, the SDK enforces 50).
const PAGE_SIZE: usize = 50;
/// Ids per `IN` filter: keeps each URL far below proxies' limits.
const IDS_PER_QUERY: usize = 50;
/// Attempts of an idempotent read before giving up.
const READ_ATTEMPTS: u32 = 4;
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
        track_id: &str,
        bearer: &str,
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

    /// GETs `path` (with its query) as a read: retried on 429, 5xx and transport errors with
    /// bounded exponential backoff (honouring `Retry-After`), and once after a 401 with a new
    /// token.
    pub async fn get(&self, path: &str, track_id: &str) -> Result<Value, ZuoraError> {
        let mut renewed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let bearer = self.bearer(false).await?;
            let sent = self
                .request(reqwest::Method::GET, path, track_id, &bearer)
                .send()
                .await;
            let outcome = match sent {
                Ok(response) => read_response(response).await,
                Err(e) => Err(Failure::Retryable(
                    ZuoraError::Unavailable(transport(&e)),
                    None,
                )),
            };
            match outcome {
                Ok(body) => return Ok(body),
                Err(Failure::Unauthorized) if !renewed => {
                    renewed = true;
                    self.bearer(true).await?;
                }
                Err(Failure::Unauthorized) => return Err(ZuoraError::Credentials),
                Err(Failure::Retryable(err, wait)) if attempt < READ_ATTEMPTS => {
                    let backoff = Duration::from_millis(100 * 2u64.pow(attempt - 1));
                    let jitter =
                        Duration::from_millis(u64::from(uuid::Uuid::new_v4().as_bytes()[0]) % 50);
                    let pause = wait.unwrap_or(backoff).min(Duration::from_secs(10)) + jitter;
                    tracing::warn!(error = %err, track_id, attempt, ?pause, "Zuora read retried");
                    tokio::time::sleep(pause).await;
                }
                Err(Failure::Retryable(err, _)) | Err(Failure::Final(err)) => return Err(err),
            }
        }
    }

    /// POSTs a write with `Idempotency-Key: key`. Never retried blindly: a failure is returned
    /// as it is (the caller may retry with the same key, which Zuora answers with the first
    /// result). Only a 401 is retried, once, with a new token: Zuora did not process it.
    pub async fn post(
        &self,
        path: &str,
        body: &Value,
        key: &str,
        track_id: &str,
    ) -> Result<Value, ZuoraError> {
        let mut renewed = false;
        loop {
            let bearer = self.bearer(false).await?;
            let sent = self
                .request(reqwest::Method::POST, path, track_id, &bearer)
                .header("Idempotency-Key", key)
                .json(body)
                .send()
                .await
                .map_err(|e| ZuoraError::Unavailable(transport(&e)))?;
            match read_response(sent).await {
                Ok(body) => return Ok(body),
                Err(Failure::Unauthorized) if !renewed => {
                    renewed = true;
                    self.bearer(true).await?;
                }
                Err(Failure::Unauthorized) => return Err(ZuoraError::Credentials),
                Err(Failure::Retryable(err, _)) | Err(Failure::Final(err)) => return Err(err),
            }
        }
    }

    /// Every record of an Object Query `object` matching all `filters`, following every page.
    pub async fn object_query(
        &self,
        object: &str,
        filters: &[String],
        expand: &[&str],
        track_id: &str,
    ) -> Result<Vec<Value>, ZuoraError> {
        let mut query: Vec<(String, String)> = vec![("pageSize".to_owned(), PAGE_SIZE.to_string())];
        query.extend(filters.iter().map(|f| ("filter[]".to_owned(), f.clone())));
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
            let page = self
                .get(&format!("/object-query/{object}?{encoded}"), track_id)
                .await?;
            let data = page["data"]
                .as_array()
                .ok_or_else(|| ZuoraError::Decode(format!("/object-query/{object}: data")))?;
            rows.extend(data.iter().cloned());
            match page["nextPage"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return Ok(rows),
            }
        }
    }

    /// The records of `object` whose `field` is one of `ids`: one query (and its pages) per
    /// [`IDS_PER_QUERY`] ids, none for no ids.
    pub async fn object_query_in(
        &self,
        object: &str,
        field: &str,
        ids: &[&str],
        expand: &[&str],
        track_id: &str,
    ) -> Result<Vec<Value>, ZuoraError> {
        let mut rows = Vec::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let filter = format!("{field}.IN:[{}]", chunk.join(","));
            rows.extend(
                self.object_query(object, &[filter], expand, track_id)
                    .await?,
            );
        }
        Ok(rows)
    }
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

async fn read_response(response: reqwest::Response) -> Result<Value, Failure> {
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
    // Zuora answers some failures as text (its edge) and 409 replays with the first result.
    let text = response
        .text()
        .await
        .map_err(|e| Failure::Retryable(ZuoraError::Unavailable(transport(&e)), None))?;
    let body: Value = serde_json::from_str(&text)
        .map_err(|_| Failure::Final(ZuoraError::Decode("body".to_owned())))?;
    if body["success"] == Value::Bool(false) {
        let reason = &body["reasons"][0];
        let code = match &reason["code"] {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => String::new(),
        };
        let message = reason["message"].as_str().unwrap_or_default().to_owned();
        // The last two digits are the category: 40 not found; 50, 61, 70 and 99 are transient.
        return Err(match code.get(code.len().saturating_sub(2)..) {
            Some("40") => Failure::Final(ZuoraError::NotFound),
            Some("50" | "61" | "70" | "99") => {
                Failure::Retryable(ZuoraError::Rejected { code, message }, retry_after)
            }
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
    Ok(body)
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
