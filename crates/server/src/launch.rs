//! Deep links from Salesforce: a rep clicks a button on an Account and lands in the portal on
//! that account's customer, signed in as an ACCOUNT_EXECUTIVE.
//!
//! Two ways in, both verified before anything is trusted:
//! - `GET /launch/salesforce?token=…`: a short-lived JWT the org signs (Apex, with the shared
//!   HS256 secret or the certificate behind the configured RS256 public key). Claims: `iss` the
//!   org id, `sub` the rep's user name, `email`, `name`, `account` the Account id, `iat`, `exp`
//!   (at most `max_age_secs` after `iat`), `jti`.
//! - `POST /launch/salesforce/canvas`: the `signed_request` form field a Canvas app receives,
//!   `base64(HMAC-SHA256(consumer secret, envelope)) "." envelope`, checked exactly as
//!   Salesforce's Canvas SDK does. The Account id comes from the Canvas record context or the
//!   `accountId` parameter.
//!
//! Each token or request works once (its id is kept until it would have expired, in the store,
//! so a restart does not reopen it) and only within its time window (60 s of clock skew allowed).

use crate::app::{error_response, AppState, RequestId};
use crate::config::{LaunchAlgorithm, SalesforceOrgConfig};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use partnergraph_core::ids::CrmAccountId;
use partnergraph_core::model::{AccountHolder, RevokedToken};
use partnergraph_core::write::sha256_hex;
use partnergraph_core::ErrorCode;
use serde::Deserialize;
use sha2::Sha256;
use std::sync::Arc;

/// Clock skew tolerated between Salesforce and the gateway.
const LEEWAY_SECS: i64 = 60;

/// Why a launch was refused; logged in full, shown to the rep only as a generic message.
#[derive(Debug, thiserror::Error)]
enum LaunchError {
    #[error("no configured Salesforce org accepts this token: {0}")]
    Token(String),
    #[error("the signed request does not verify against any configured consumer secret")]
    Signature,
    #[error("the signed request is malformed: {0}")]
    Malformed(String),
    #[error("outside its time window")]
    Expired,
    #[error("already used")]
    Replayed,
    #[error("the Salesforce account {0} is linked to no visible customer")]
    NoCustomer(String),
    #[error(transparent)]
    Core(#[from] partnergraph_core::Error),
}

/// Claims of a launch token.
#[derive(Debug, Deserialize)]
struct LaunchClaims {
    iss: String,
    email: String,
    #[serde(default)]
    name: String,
    account: String,
    iat: i64,
    exp: i64,
    jti: String,
}

/// The query of `GET /launch/salesforce`.
#[derive(Deserialize)]
pub(crate) struct LaunchQuery {
    token: String,
}

/// The form Salesforce posts to a Canvas app.
#[derive(Deserialize)]
pub(crate) struct CanvasForm {
    signed_request: String,
}

/// `GET /launch/salesforce?token=…`
pub(crate) async fn launch(
    State(state): State<Arc<AppState>>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    Query(query): Query<LaunchQuery>,
) -> Response {
    let outcome = async {
        let (org, claims) = verify_token(&state.launch, &query.token)?;
        if claims.exp - claims.iat > org.max_age_secs {
            return Err(LaunchError::Token("lives longer than allowed".to_owned()));
        }
        consume(
            &state,
            &format!("sf-launch:{}:{}", org.org_id, claims.jti),
            claims.exp,
        )
        .await?;
        sign_in(
            &state,
            org,
            &claims.email,
            &claims.name,
            &claims.account,
            &request_id,
        )
        .await
    }
    .await;
    respond(outcome, &request_id)
}

/// `POST /launch/salesforce/canvas`
pub(crate) async fn canvas(
    State(state): State<Arc<AppState>>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    Form(form): Form<CanvasForm>,
) -> Response {
    let outcome = async {
        let (org, request) = verify_signed_request(&state.launch, &form.signed_request)?;
        let issued = request.issued_at_secs().ok_or(LaunchError::Expired)?;
        let now = chrono::Utc::now().timestamp();
        if issued > now + LEEWAY_SECS || now - issued > org.max_age_secs + LEEWAY_SECS {
            return Err(LaunchError::Expired);
        }
        // The format has no nonce: the signature itself identifies the request.
        let id = sha256_hex(form.signed_request.as_bytes());
        consume(
            &state,
            &format!("sf-canvas:{id}"),
            issued + org.max_age_secs + LEEWAY_SECS,
        )
        .await?;
        let user = &request.context.user;
        let account = request.account_id().ok_or_else(|| {
            LaunchError::Malformed("no Account in the record context or parameters".to_owned())
        })?;
        sign_in(
            &state,
            org,
            &user.email,
            &user.full_name,
            &account,
            &request_id,
        )
        .await
    }
    .await;
    respond(outcome, &request_id)
}

/// The org whose key verifies `token`, and its claims.
fn verify_token<'a>(
    orgs: &'a [SalesforceOrgConfig],
    token: &str,
) -> Result<(&'a SalesforceOrgConfig, LaunchClaims), LaunchError> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|e| LaunchError::Token(e.to_string()))?;
    let mut last = "no Salesforce org is configured".to_owned();
    for org in orgs {
        let (algorithm, key) = match org.algorithm {
            LaunchAlgorithm::HS256 => (
                Algorithm::HS256,
                DecodingKey::from_secret(org.key.as_bytes()),
            ),
            LaunchAlgorithm::RS256 => match DecodingKey::from_rsa_pem(org.key.as_bytes()) {
                Ok(key) => (Algorithm::RS256, key),
                Err(e) => {
                    tracing::error!(org = %org.org_id, error = %e, "bad RS256 key in the config");
                    continue;
                }
            },
        };
        // Only the org's own algorithm: a token may not pick how it is checked.
        if header.alg != algorithm {
            continue;
        }
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&org.org_id]);
        validation.set_required_spec_claims(&["iss", "exp", "iat", "sub"]);
        validation.validate_aud = false;
        validation.leeway = LEEWAY_SECS.unsigned_abs();
        match jsonwebtoken::decode::<LaunchClaims>(token, &key, &validation) {
            Ok(data) if data.claims.iss != org.org_id => last = "wrong issuer".to_owned(),
            Ok(data) => {
                let now = chrono::Utc::now().timestamp();
                if data.claims.iat > now + LEEWAY_SECS {
                    return Err(LaunchError::Expired);
                }
                return Ok((org, data.claims));
            }
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                return Err(LaunchError::Expired)
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(LaunchError::Token(last))
}

/// A Canvas request, as far as the portal reads it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CanvasRequest {
    #[serde(default)]
    algorithm: Option<String>,
    #[serde(default)]
    issued_at: Option<serde_json::Value>,
    context: CanvasContext,
}

#[derive(Debug, Deserialize)]
struct CanvasContext {
    user: CanvasUser,
    organization: CanvasOrganization,
    #[serde(default)]
    environment: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CanvasUser {
    email: String,
    #[serde(default)]
    full_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CanvasOrganization {
    organization_id: String,
}

impl CanvasRequest {
    /// `issuedAt` in seconds (Salesforce documents a timestamp; accept seconds or
    /// milliseconds, as a number or a numeric string).
    fn issued_at_secs(&self) -> Option<i64> {
        let raw = match self.issued_at.as_ref()? {
            serde_json::Value::Number(n) => n.as_i64()?,
            serde_json::Value::String(s) => s.parse().ok()?,
            _ => return None,
        };
        Some(if raw > 100_000_000_000 {
            raw / 1000
        } else {
            raw
        })
    }

    /// The Account the Canvas app was opened on.
    fn account_id(&self) -> Option<String> {
        let env = &self.context.environment;
        env["record"]["Id"]
            .as_str()
            .or_else(|| env["parameters"]["accountId"].as_str())
            .map(str::to_owned)
    }
}

/// Verifies a Canvas `signed_request` as Salesforce's Canvas SDK does: split on the first
/// `.`, HMAC-SHA256 over the envelope as received, constant-time compare, then decode.
fn verify_signed_request<'a>(
    orgs: &'a [SalesforceOrgConfig],
    signed: &str,
) -> Result<(&'a SalesforceOrgConfig, CanvasRequest), LaunchError> {
    let (signature, envelope) = signed
        .split_once('.')
        .ok_or_else(|| LaunchError::Malformed("no `.` separator".to_owned()))?;
    let signature = base64_any(signature)
        .ok_or_else(|| LaunchError::Malformed("the signature is not base64".to_owned()))?;
    let org = orgs
        .iter()
        .filter_map(|org| org.consumer_secret.as_ref().map(|secret| (org, secret)))
        .find(|(_, secret)| {
            Hmac::<Sha256>::new_from_slice(secret.as_bytes())
                .map(|mut mac| {
                    mac.update(envelope.as_bytes());
                    mac.verify_slice(&signature).is_ok()
                })
                .unwrap_or(false)
        })
        .map(|(org, _)| org)
        .ok_or(LaunchError::Signature)?;
    let json = base64_any(envelope)
        .ok_or_else(|| LaunchError::Malformed("the envelope is not base64".to_owned()))?;
    let request: CanvasRequest =
        serde_json::from_slice(&json).map_err(|e| LaunchError::Malformed(e.to_string()))?;
    if request
        .algorithm
        .as_deref()
        .is_some_and(|a| a != "HMACSHA256")
    {
        return Err(LaunchError::Malformed(
            "algorithm is not HMACSHA256".to_owned(),
        ));
    }
    if request.context.organization.organization_id != org.org_id {
        return Err(LaunchError::Malformed(
            "signed for another organization".to_owned(),
        ));
    }
    Ok((org, request))
}

/// Decodes standard or URL-safe base64, padded or not (Salesforce's docs and SDKs differ).
fn base64_any(s: &str) -> Option<Vec<u8>> {
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(s).ok())
}

/// Marks a launch id used until `until`; a second use is a replay.
async fn consume(state: &AppState, id: &str, until: i64) -> Result<(), LaunchError> {
    let token = RevokedToken {
        jti: id.to_owned(),
        expires_at: chrono::DateTime::from_timestamp(until, 0).unwrap_or_default(),
    };
    if state.connectors.directory.consume_once(&token).await? {
        Ok(())
    } else {
        Err(LaunchError::Replayed)
    }
}

/// Signs the rep in and sends them to the customer linked to the Salesforce account.
async fn sign_in(
    state: &AppState,
    org: &SalesforceOrgConfig,
    email: &str,
    name: &str,
    account: &str,
    request_id: &str,
) -> Result<Response, LaunchError> {
    let customer = state
        .connectors
        .directory
        .holders_by_crm_account(&[CrmAccountId::from(account)])
        .await?
        .into_iter()
        .find_map(|h| match h {
            AccountHolder::Customer(c) => Some(c),
            AccountHolder::Organization(_) => None,
        })
        .ok_or_else(|| LaunchError::NoCustomer(account.to_owned()))?;
    let user = state.writes.salesforce_rep(email, name, request_id).await?;
    let token = state
        .issuer
        .issue(&user)
        .map_err(partnergraph_core::Error::internal)?;
    let target = org
        .redirect
        .replace("{customerId}", &customer.id.global().encode());
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, format!("{target}#token={token}")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response())
}

fn respond(outcome: Result<Response, LaunchError>, request_id: &str) -> Response {
    match outcome {
        Ok(response) => response,
        Err(LaunchError::NoCustomer(account)) => {
            tracing::info!(account, "launch for an account linked to no customer");
            error_response(
                ErrorCode::NotFound,
                "this Salesforce account is not linked to a portal customer",
                request_id,
            )
        }
        Err(LaunchError::Core(e)) if !matches!(e, partnergraph_core::Error::Forbidden(_)) => {
            tracing::error!(error = %e, "launch failed on our side");
            error_response(
                ErrorCode::UpstreamUnavailable,
                "the portal cannot sign you in right now",
                request_id,
            )
        }
        Err(e) => {
            tracing::warn!(reason = %e, "Salesforce launch refused");
            error_response(
                ErrorCode::Unauthenticated,
                "the launch link was not accepted; open the portal from Salesforce again",
                request_id,
            )
        }
    }
}
