//! `POST /services/oauth2/token`: the OAuth 2.0 token endpoint. JWT bearer assertions are
//! verified against the connected app's certificate and judged by Salesforce's rules (issuer,
//! audience, a short expiry, the pre-authorized user); the client credentials flow takes the
//! consumer key and secret in the form or as HTTP Basic. Errors use OAuth's `error` and
//! `error_description`, not the API's error array.

use super::{Salesforce, SandboxError, ORG_ID};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use base64::Engine;
use hmac::Mac;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// The RSA public key of a PEM certificate.
pub(super) fn rsa_key(pem: &str) -> Result<jsonwebtoken::DecodingKey, SandboxError> {
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

/// The token request: every grant's fields, form-encoded.
#[derive(Deserialize)]
pub(super) struct TokenRequest {
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

/// An assertion's `exp`, as a number or a string of digits.
fn numeric_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().ok_or_else(|| serde::de::Error::custom("exp")),
        Value::String(s) => s.parse().map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom("exp")),
    }
}

/// An OAuth error: `400` with `error` and `error_description`.
fn token_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// `POST /services/oauth2/token`: a session for a valid JWT bearer assertion or client
/// credentials.
pub(super) async fn token(
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

/// The client id and secret of an HTTP Basic `Authorization` header.
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
