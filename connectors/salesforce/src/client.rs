//! The HTTP client every Salesforce call goes through: a session from the OAuth 2.0 JWT bearer
//! or client credentials flow (the base URL is the token response's `instance_url`; there is no
//! expiry, so the session is kept until Salesforce answers `401 INVALID_SESSION_ID`, then renewed
//! once and the call sent once more), the pinned `/services/data/vNN.N` version, Salesforce's
//! error array mapped to typed errors, reads retried with bounded backoff, writes never retried
//! blindly, SOQL that follows `nextRecordsUrl`, and Composite requests. The `Sforce-Limit-Info`
//! header of every answer feeds the API-budget gauges.

mod session;

pub use session::Auth;

use oauth2::{AuthType, ClientId, TokenUrl};
use partnergraph_core::retry::{self, READ_ATTEMPTS};
use partnergraph_core::UpstreamError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use session::{OAuthClient, Session};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use tracing::Instrument;

/// Where and how to reach a Salesforce org.
#[derive(Clone)]
pub struct SalesforceConfig {
    /// Where tokens are requested: `https://login.salesforce.com`, `https://test.salesforce.com`
    /// or the org's My Domain URL.
    pub login_url: String,
    /// The flow and its credentials.
    pub auth: Auth,
    /// The pinned REST API version, e.g. `62.0`.
    pub api_version: String,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Most requests open at once (Salesforce limits concurrent long-running requests per org);
    /// the rest wait.
    pub max_concurrent_requests: usize,
}

impl std::fmt::Debug for SalesforceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let flow = match &self.auth {
            Auth::JwtBearer { .. } => "jwt-bearer",
            Auth::ClientCredentials { .. } => "client-credentials",
        };
        f.debug_struct("SalesforceConfig")
            .field("login_url", &self.login_url)
            .field("auth", &flow)
            .field("api_version", &self.api_version)
            .finish()
    }
}

/// Why a Salesforce call failed. Messages carry Salesforce's error codes and our own words,
/// never tokens, keys or response bodies beyond Salesforce's error message.
#[derive(Debug, thiserror::Error)]
pub enum SalesforceError {
    /// The connection failed, timed out, or Salesforce answered 5xx.
    #[error("Salesforce unavailable: {0}")]
    Unavailable(String),
    /// `REQUEST_LIMIT_EXCEEDED`: the org's API budget (`daily`) or a concurrency limit.
    #[error("Salesforce request limit exceeded")]
    RateLimited {
        /// The rolling 24-hour API budget is spent: waiting seconds will not help.
        daily: bool,
    },
    /// Salesforce refused the request with its error code and message.
    #[error("Salesforce refused the request: {code}: {message}")]
    Rejected {
        /// Salesforce's `errorCode`.
        code: String,
        /// Salesforce's `message`.
        message: String,
    },
    /// The record does not exist.
    #[error("Salesforce has no such record")]
    NotFound,
    /// The token endpoint refused our credentials or assertion.
    #[error("Salesforce refused the connected app's credentials")]
    Credentials,
    /// A response did not have the expected shape.
    #[error("unexpected Salesforce response at {0}")]
    Decode(String),
}

impl From<SalesforceError> for partnergraph_core::Error {
    fn from(err: SalesforceError) -> Self {
        match err {
            SalesforceError::NotFound => UpstreamError::NotFound.into(),
            SalesforceError::RateLimited { .. } => {
                UpstreamError::RateLimited { retry_after: None }.into()
            }
            SalesforceError::Rejected { code, message } => {
                UpstreamError::Rejected { code, message }.into()
            }
            SalesforceError::Decode(path) => UpstreamError::Decode { path }.into(),
            SalesforceError::Unavailable(_) | SalesforceError::Credentials => {
                UpstreamError::Unavailable("Salesforce".to_owned()).into()
            }
        }
    }
}

/// The HTTP client of one Salesforce org; cheap to share behind an `Arc`.
pub struct SalesforceClient {
    config: SalesforceConfig,
    http: reqwest::Client,
    oauth: OAuthClient,
    token_url: String,
    signing_key: Option<jsonwebtoken::EncodingKey>,
    session: Mutex<Option<Session>>,
    in_flight: tokio::sync::Semaphore,
}

/// One batch of SOQL results.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryPage<T> {
    #[serde(default = "Vec::new")]
    records: Vec<T>,
    #[serde(default)]
    done: bool,
    next_records_url: Option<String>,
}

/// A SOQL `SELECT COUNT()` answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Count {
    /// The number of matching rows.
    pub total_size: u64,
}

/// One subrequest of a Composite request.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subrequest {
    /// HTTP method.
    pub method: &'static str,
    /// The path under the versioned base, e.g. `sobjects/Account` (the version is added).
    pub url: String,
    /// `[A-Za-z0-9_]`; later subrequests refer to its answer as `@{referenceId.field}`.
    pub reference_id: String,
    /// The JSON body, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CompositeAnswer {
    composite_response: Vec<SubAnswer>,
}

/// The answer to one subrequest.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubAnswer {
    /// Its body (a record, `{id, success, errors}`, or an error array).
    #[serde(default)]
    pub body: Value,
    /// Its status.
    pub http_status_code: u16,
    /// Its reference id.
    pub reference_id: String,
}

impl SalesforceClient {
    /// A client for `config`.
    pub fn new(config: SalesforceConfig) -> Result<Self, SalesforceError> {
        let login = config.login_url.trim_end_matches('/');
        let token_url = format!("{login}/services/oauth2/token");
        let uri = TokenUrl::new(token_url.clone())
            .map_err(|_| SalesforceError::Decode("login_url".to_owned()))?;
        let (client_id, secret, signing_key) = match &config.auth {
            Auth::ClientCredentials {
                client_id,
                client_secret,
            } => (client_id.clone(), Some(client_secret.clone()), None),
            Auth::JwtBearer {
                consumer_key,
                private_key_pem,
                ..
            } => {
                let key =
                    jsonwebtoken::EncodingKey::from_rsa_pem(private_key_pem.secret().as_bytes())
                        .map_err(|_| SalesforceError::Decode("private key".to_owned()))?;
                (consumer_key.clone(), None, Some(key))
            }
        };
        let mut oauth = oauth2::Client::new(ClientId::new(client_id))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(uri);
        if let Some(secret) = secret {
            oauth = oauth.set_client_secret(secret);
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            // Token responses must not be followed through redirects (oauth2's advice).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SalesforceError::Unavailable(e.to_string()))?;
        Ok(Self {
            in_flight: tokio::sync::Semaphore::new(config.max_concurrent_requests.max(1)),
            config,
            http,
            oauth,
            token_url,
            signing_key,
            session: Mutex::new(None),
        })
    }

    /// `/services/data/vNN.N`.
    fn base(&self) -> String {
        format!("/services/data/v{}", self.config.api_version)
    }

    /// Sends one request (`path` absolute from the instance URL) and returns its status and
    /// body, renewing the session once after a 401 (Salesforce did not process a request it
    /// refused to authenticate, so resending it is safe even for writes).
    async fn send(
        &self,
        method: &reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, String), Failure> {
        let mut renewed = false;
        loop {
            let session = self.session(None).await.map_err(Failure::Final)?;
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", session.instance_url))
                .bearer_auth(session.token.secret())
                .header(reqwest::header::ACCEPT, "application/json")
                // Names the caller in Salesforce's API usage reports.
                .header("Sforce-Call-Options", "client=partnergraph");
            if let Some(body) = body {
                request = request.json(body);
            }
            // One span per HTTP exchange (a retry is another call), waiting for a slot included.
            let span = tracing::info_span!(
                target: "partnergraph::upstream",
                "upstream request",
                otel.name = format!("{method} {}", endpoint(path)),
                otel.kind = "client",
                upstream = "salesforce",
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
                let endpoint = endpoint(path);
                tracing::debug!(
                    target: "partnergraph::upstream",
                    upstream = "salesforce",
                    %method,
                    endpoint,
                    status,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    request_id = partnergraph_core::context::request_id().unwrap_or_default(),
                    "Salesforce request"
                );
                metrics::counter!("partnergraph_upstream_requests_total", "upstream" => "salesforce", "endpoint" => endpoint.to_owned(), "status" => status.to_string()).increment(1);
                metrics::histogram!("partnergraph_upstream_request_duration_seconds", "upstream" => "salesforce").record(started.elapsed().as_secs_f64());
                let outcome = match sent {
                    Ok(response) => read_response(response).await,
                    Err(e) => Err(Failure::Retryable(SalesforceError::Unavailable(transport(
                        &e,
                    )))),
                };
                drop(permit);
                outcome
            }
            .instrument(span)
            .await;
            match outcome {
                Err(Failure::Unauthorized) if !renewed => {
                    renewed = true;
                    self.session(Some(session.token.secret()))
                        .await
                        .map_err(Failure::Final)?;
                }
                Err(Failure::Unauthorized) => {
                    return Err(Failure::Final(SalesforceError::Credentials))
                }
                other => return other,
            }
        }
    }

    /// A read, retried on 5xx, concurrency limits and transport errors with bounded backoff.
    async fn read<T: DeserializeOwned>(&self, path: &str) -> Result<T, SalesforceError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.send(&reqwest::Method::GET, path, None).await {
                Ok((_, text)) => return decode(&text, path),
                Err(Failure::Retryable(err)) if attempt < READ_ATTEMPTS => {
                    let pause = retry::pause(attempt, None);
                    tracing::warn!(error = %err, endpoint = endpoint(path), attempt, ?pause, "Salesforce read retried");
                    tokio::time::sleep(pause).await;
                }
                Err(Failure::Retryable(err) | Failure::Final(err)) => return Err(err),
                Err(Failure::Unauthorized) => return Err(SalesforceError::Credentials),
            }
        }
    }

    /// A write, never retried: the caller decides (its writes are upserts by external id, so a
    /// journal step can resend them safely).
    async fn write(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> Result<Value, SalesforceError> {
        match self.send(&method, path, Some(body)).await {
            Ok((_, text)) if text.trim().is_empty() => Ok(Value::Null),
            Ok((_, text)) => decode(&text, path),
            Err(Failure::Retryable(err) | Failure::Final(err)) => Err(err),
            Err(Failure::Unauthorized) => Err(SalesforceError::Credentials),
        }
    }

    /// Every row a SOQL query selects, following `nextRecordsUrl` until `done`.
    pub async fn query<T: DeserializeOwned>(&self, soql: &str) -> Result<Vec<T>, SalesforceError> {
        let encoded = serde_urlencoded::to_string([("q", soql)])
            .map_err(|_| SalesforceError::Decode("query".to_owned()))?;
        let mut page: QueryPage<T> = self
            .read(&format!("{}/query?{encoded}", self.base()))
            .await?;
        let mut rows = std::mem::take(&mut page.records);
        while let (false, Some(next)) = (page.done, page.next_records_url.take()) {
            page = self.read(&next).await?;
            rows.append(&mut page.records);
        }
        Ok(rows)
    }

    /// One Composite request (one API call toward the org's limits). With `all_or_none` the
    /// subrequests succeed or fail together; the answer is every subrequest's, or the first
    /// real failure among them.
    pub async fn composite(
        &self,
        all_or_none: bool,
        requests: Vec<Subrequest>,
    ) -> Result<Vec<SubAnswer>, SalesforceError> {
        let base = self.base();
        let requests: Vec<Subrequest> = requests
            .into_iter()
            .map(|mut r| {
                r.url = format!("{base}/{}", r.url);
                r
            })
            .collect();
        let body = serde_json::json!({ "allOrNone": all_or_none, "compositeRequest": requests });
        let path = format!("{base}/composite");
        let answer: CompositeAnswer =
            serde_json::from_value(self.write(reqwest::Method::POST, &path, &body).await?)
                .map_err(|_| SalesforceError::Decode("composite".to_owned()))?;
        Ok(answer.composite_response)
    }
}

/// Records an upstream call that is not an API request (the token endpoint).
fn observe(endpoint: &'static str, ok: bool, started: Instant) {
    tracing::debug!(target: "partnergraph::upstream", upstream = "salesforce", endpoint, ok, elapsed_ms = started.elapsed().as_millis() as u64, "Salesforce token request");
    metrics::counter!("partnergraph_upstream_requests_total", "upstream" => "salesforce", "endpoint" => endpoint, "status" => if ok { "200" } else { "error" }).increment(1);
}

/// The versioned path without its query, which may carry customer data, for logs and metrics:
/// `/services/data/v62.0/sobjects/Case/500…` becomes `sobjects/Case`.
fn endpoint(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let rest = path
        .strip_prefix("/services/data/")
        .and_then(|p| p.split_once('/'))
        .map_or(path, |(_, rest)| rest);
    rest.split('/').take(2).collect::<Vec<_>>().join("/")
}

fn decode<T: DeserializeOwned>(text: &str, path: &str) -> Result<T, SalesforceError> {
    serde_json::from_str(text).map_err(|e| {
        tracing::warn!(endpoint = endpoint(path), error = %e, "unexpected Salesforce response");
        SalesforceError::Decode(endpoint(path))
    })
}

/// How a response failed.
enum Failure {
    /// 401: the session was refused.
    Unauthorized,
    /// Worth retrying for a read.
    Retryable(SalesforceError),
    /// Not worth retrying.
    Final(SalesforceError),
}

/// One element of Salesforce's error array.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiError {
    #[serde(default)]
    error_code: String,
    #[serde(default)]
    message: String,
}

/// The first error of an error array, if `body` is one.
pub(crate) fn first_error(body: &Value) -> Option<(String, String)> {
    let errors: Vec<ApiError> = serde_json::from_value(body.clone()).ok()?;
    errors
        .into_iter()
        .find(|e| e.error_code != "PROCESSING_HALTED")
        .map(|e| (e.error_code, e.message))
}

async fn read_response(response: reqwest::Response) -> Result<(u16, String), Failure> {
    let status = response.status();
    budget(response.headers());
    if status == reqwest::StatusCode::UNAUTHORIZED {
        return Err(Failure::Unauthorized);
    }
    if status.is_server_error() {
        return Err(Failure::Retryable(SalesforceError::Unavailable(format!(
            "HTTP {}",
            status.as_u16()
        ))));
    }
    let text = response
        .text()
        .await
        .map_err(|e| Failure::Retryable(SalesforceError::Unavailable(transport(&e))))?;
    if status.is_success() {
        return Ok((status.as_u16(), text));
    }
    let (code, message) = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| first_error(&v))
        .unwrap_or_else(|| (status.as_u16().to_string(), "request refused".to_owned()));
    Err(match (status.as_u16(), code.as_str()) {
        (403, "REQUEST_LIMIT_EXCEEDED") if message.starts_with("TotalRequests") => {
            Failure::Final(SalesforceError::RateLimited { daily: true })
        }
        (403, "REQUEST_LIMIT_EXCEEDED") => {
            Failure::Retryable(SalesforceError::RateLimited { daily: false })
        }
        (404, _) => Failure::Final(SalesforceError::NotFound),
        _ => match refusal(code, message) {
            err @ SalesforceError::Unavailable(_) => Failure::Retryable(err),
            err => Failure::Final(err),
        },
    })
}

/// What an error code Salesforce answered with means. Most refuse the request for good; a few
/// (a record locked by another transaction, a query that ran out of time) are Salesforce being
/// busy, and the same request may succeed later.
pub(crate) fn refusal(code: String, message: String) -> SalesforceError {
    match code.as_str() {
        "NOT_FOUND" | "ENTITY_IS_DELETED" => SalesforceError::NotFound,
        "UNABLE_TO_LOCK_ROW" | "QUERY_TIMEOUT" | "SERVER_UNAVAILABLE" => {
            SalesforceError::Unavailable(format!("transient error {code}"))
        }
        _ => SalesforceError::Rejected { code, message },
    }
}

/// Exports `Sforce-Limit-Info: api-usage=used/max` so operators see the org's daily API budget.
fn budget(headers: &reqwest::header::HeaderMap) {
    let usage = headers
        .get("sforce-limit-info")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|p| p.trim().strip_prefix("api-usage="))
        })
        .and_then(|u| u.split_once('/'))
        .and_then(|(used, max)| Some((used.parse::<f64>().ok()?, max.parse::<f64>().ok()?)));
    if let Some((used, max)) = usage {
        metrics::gauge!("partnergraph_salesforce_api_usage").set(used);
        metrics::gauge!("partnergraph_salesforce_api_limit").set(max);
    }
}

/// A transport error described without its URL (which could carry a query).
fn transport(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "cannot connect".to_owned()
    } else if e.is_decode() || e.is_body() {
        "response body unreadable".to_owned()
    } else {
        "transport error".to_owned()
    }
}

/// Reads the `Count` of a `SELECT COUNT()` subrequest answer.
pub(crate) fn count_of(answer: &SubAnswer) -> u64 {
    serde_json::from_value::<Count>(answer.body.clone())
        .map(|c| c.total_size)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_in_logs_name_the_resource_not_the_record_or_query() {
        assert_eq!(
            endpoint("/services/data/v62.0/query?q=SELECT+Id+FROM+Case"),
            "query"
        );
        assert_eq!(
            endpoint("/services/data/v62.0/sobjects/Case/500Dp0000000001AAA"),
            "sobjects/Case"
        );
        assert_eq!(
            endpoint("/services/data/v62.0/query/01gDp-2000"),
            "query/01gDp-2000"
        );
    }
}
