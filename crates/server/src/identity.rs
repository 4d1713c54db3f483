//! The embedded identity store: emails and argon2id password hashes in the local store, and
//! `POST /auth/login` with limits on failed attempts per account and per client address.

use crate::app::{error_response, AppState, RequestId};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use partnergraph_core::ids::UserId;
use partnergraph_core::model::Identity;
use partnergraph_core::traits::Directory;
use partnergraph_core::write::IdentityProvider;
use partnergraph_core::{Error, ErrorCode, Result};
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Failed logins tolerated per account within [`LOCKOUT`].
const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
/// Failed logins tolerated per client address within [`LOCKOUT`].
const MAX_FAILURES_PER_ADDRESS: u32 = 20;
/// How long failures count.
const LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// Identities kept in the directory, passwords hashed with argon2id.
pub struct EmbeddedIdentities {
    directory: Arc<dyn Directory>,
    /// Verified against when the email is unknown, so that a wrong email costs as long as a
    /// wrong password and timing does not reveal who has an account. Hashed on first need:
    /// argon2 is deliberately slow, and start-up need not pay for it.
    decoy: tokio::sync::OnceCell<String>,
}

impl EmbeddedIdentities {
    /// Identities stored through `directory`.
    pub fn new(directory: Arc<dyn Directory>) -> Self {
        Self {
            directory,
            decoy: tokio::sync::OnceCell::new(),
        }
    }
}

fn hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(Error::internal)
}

fn matches(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

fn key(email: &str) -> String {
    email.trim().to_lowercase()
}

#[async_trait::async_trait]
impl IdentityProvider for EmbeddedIdentities {
    async fn register(&self, email: &str, password: &str, user_id: &UserId) -> Result<()> {
        let password = password.to_owned();
        // Hashing takes tens of milliseconds of CPU: keep it off the async workers.
        let password_hash = tokio::task::spawn_blocking(move || hash(&password))
            .await
            .map_err(Error::internal)??;
        let identity = Identity {
            email: key(email),
            password_hash,
            user_id: user_id.clone(),
            created_at: chrono::Utc::now(),
        };
        if self.directory.create_identity(&identity).await? {
            Ok(())
        } else {
            Err(Error::Conflict(format!(
                "{} is already registered",
                identity.email
            )))
        }
    }

    async fn unregister(&self, email: &str) -> Result<()> {
        self.directory.delete_identity(&key(email)).await
    }

    async fn has_password(&self, email: &str) -> Result<bool> {
        Ok(self.directory.identity(&key(email)).await?.is_some())
    }

    async fn authenticate(&self, email: &str, password: &str) -> Result<Option<UserId>> {
        let identity = self.directory.identity(&key(email)).await?;
        let phc = match &identity {
            Some(i) => i.password_hash.clone(),
            None => self
                .decoy
                .get_or_try_init(|| async {
                    tokio::task::spawn_blocking(|| hash("decoy password for unknown emails"))
                        .await
                        .map_err(Error::internal)?
                })
                .await?
                .clone(),
        };
        let password = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || matches(&password, &phc))
            .await
            .map_err(Error::internal)?;
        Ok(identity.filter(|_| ok).map(|i| i.user_id))
    }
}

/// Delivers mail into `<data dir>/outbox/`, one JSON file a message, and logs that it did
/// (never the body: it carries single-use links).
pub struct OutboxMailer {
    dir: std::path::PathBuf,
}

impl OutboxMailer {
    /// A mailer writing into `data_dir/outbox`.
    pub fn new(data_dir: &std::path::Path) -> Self {
        Self {
            dir: data_dir.join("outbox"),
        }
    }
}

#[async_trait::async_trait]
impl partnergraph_core::traits::Mailer for OutboxMailer {
    async fn send(&self, email: &partnergraph_core::model::Email) -> Result<()> {
        let name = format!(
            "{}-{}.json",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"),
            uuid::Uuid::new_v4().simple()
        );
        let body = serde_json::to_vec_pretty(email).map_err(Error::internal)?;
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(Error::internal)?;
        tokio::fs::write(self.dir.join(&name), body)
            .await
            .map_err(Error::internal)?;
        tracing::info!(to = %email.to, subject = %email.subject, file = %name, "mail written to the outbox");
        Ok(())
    }
}

/// The query of `GET /auth/activate`, and the form `POST /auth/activate` receives.
#[derive(Deserialize)]
pub(crate) struct Activate {
    token: String,
    /// The password chosen at sign-up: needed to activate a signed-up user.
    password: Option<String>,
}

/// `GET /auth/activate?token=`: the link in an activation email. An operator's link activates
/// at once; a signed-up user's answers a page asking for the sign-up password, which posts to
/// [`complete_activation`], so that neither a mail scanner fetching the link nor a mailbox owner
/// who never signed up can activate someone else's sign-up.
pub(crate) async fn activate(
    State(state): State<Arc<AppState>>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    axum::extract::Query(query): axum::extract::Query<Activate>,
) -> Response {
    redeem(&state, &query.token, None, &request_id).await
}

/// `POST /auth/activate` (a form: `token`, `password`): completes a signed-up user's
/// activation with the password chosen at sign-up.
pub(crate) async fn complete_activation(
    State(state): State<Arc<AppState>>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    axum::extract::Form(form): axum::extract::Form<Activate>,
) -> Response {
    let password = form.password.as_deref().unwrap_or_default();
    redeem(&state, &form.token, Some(password), &request_id).await
}

async fn redeem(
    state: &AppState,
    token: &str,
    password: Option<&str>,
    request_id: &str,
) -> Response {
    match state
        .writes
        .redeem_activation(token, password, request_id)
        .await
    {
        Ok(user) => Json(json!({ "activated": true, "email": user.email })).into_response(),
        Err(Error::BadInput {
            field: Some(field), ..
        }) if field == "password" && password.is_none() => password_page(token),
        Err(Error::BadInput { message, .. }) => {
            error_response(ErrorCode::BadUserInput, &message, request_id)
        }
        Err(e) => {
            tracing::error!(error = %e, "activation failed on our side");
            error_response(
                ErrorCode::UpstreamUnavailable,
                "activation is temporarily unavailable",
                request_id,
            )
        }
    }
}

/// The page that asks a signed-up user for their password. Self-contained (no script, no
/// style sheet, nothing fetched) and locked down by its Content-Security-Policy; the token is
/// one the store just recognised, and escaped all the same.
fn password_page(token: &str) -> Response {
    let token: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Activate your portal account</title></head><body>\
<h1>Activate your portal account</h1>\
<p>Enter the password you chose when you signed up. If you did not sign up, ignore this page: \
nothing happens without the password.</p>\
<form method=\"post\" action=\"/auth/activate\">\
<input type=\"hidden\" name=\"token\" value=\"{token}\">\
<label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label> \
<button type=\"submit\">Activate</button></form></body></html>"
    );
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        page,
    )
        .into_response()
}

/// Counts failed logins per account and per address; entries expire after [`LOCKOUT`].
pub(crate) struct LoginLimits {
    failures: moka::future::Cache<String, u32>,
}

impl LoginLimits {
    pub(crate) fn new() -> Self {
        Self {
            failures: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(LOCKOUT)
                .build(),
        }
    }

    async fn blocked(&self, account: &str, address: &str) -> bool {
        let account = self.failures.get(&format!("account:{account}")).await;
        let address = self.failures.get(&format!("address:{address}")).await;
        account.is_some_and(|n| n >= MAX_FAILURES_PER_ACCOUNT)
            || address.is_some_and(|n| n >= MAX_FAILURES_PER_ADDRESS)
    }

    async fn failed(&self, account: &str, address: &str) {
        for key in [format!("account:{account}"), format!("address:{address}")] {
            self.failures
                .entry(key)
                .and_upsert_with(|n| async move { n.map_or(1, |e| e.into_value() + 1) })
                .await;
        }
    }
}

/// The body of `POST /auth/login`.
#[derive(Deserialize)]
pub(crate) struct Login {
    email: String,
    password: String,
}

/// `POST /auth/login`: a session token for an embedded identity.
pub(crate) async fn login(
    State(state): State<Arc<AppState>>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(body): Json<Login>,
) -> Response {
    let account = key(&body.email);
    let address = peer.ip().to_string();
    if state.login_limits.blocked(&account, &address).await {
        tracing::warn!(account, address, "login refused: too many failures");
        let mut response = error_response(
            ErrorCode::RateLimited,
            "too many failed sign-ins; try again later",
            &request_id,
        );
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(LOCKOUT.as_secs()),
        );
        return response;
    }
    let signed_in = async {
        let Some(user_id) = state
            .identities
            .authenticate(&body.email, &body.password)
            .await?
        else {
            return Ok(None);
        };
        let user = state
            .connectors
            .directory
            .users(&[user_id])
            .await?
            .into_iter()
            .next();
        let Some(user) = user else { return Ok(None) };
        // The same checks as every request: suspended users and deactivated customers stay out.
        if crate::auth::principal_for(state.connectors.directory.as_ref(), user.clone())
            .await
            .is_err()
        {
            return Ok(None);
        }
        state.issuer.issue(&user).map(Some).map_err(Error::internal)
    }
    .await;
    match signed_in {
        Ok(Some(token)) => Json(json!({ "token": token, "tokenType": "Bearer" })).into_response(),
        Ok(None) => {
            state.login_limits.failed(&account, &address).await;
            tracing::info!(account, address, "login refused: wrong email or password");
            error_response(
                ErrorCode::Unauthenticated,
                "wrong email or password",
                &request_id,
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "login failed on our side");
            error_response(
                ErrorCode::UpstreamUnavailable,
                "sign-in is temporarily unavailable",
                &request_id,
            )
        }
    }
}
