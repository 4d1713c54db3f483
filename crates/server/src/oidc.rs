//! Tokens from external OpenID Connect issuers, verified against their published keys.
//!
//! Keys come from the issuer's JWKS (the discovery document's `jwks_uri` unless configured),
//! cached, and refetched when a token names a key id we do not know — at most every
//! `jwks_refresh_secs`, so forged key ids cannot make us hammer the issuer. Rotation needs no
//! restart. Only the issuer's allow-listed asymmetric algorithms are accepted: `alg: none` and
//! HMAC (which would let a public key act as a shared secret) never are.

use crate::auth::AuthError;
use crate::config::{OidcIssuerConfig, OidcUserClaim};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::str::FromStr;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// Clock skew tolerated.
const LEEWAY_SECS: u64 = 30;

/// Whom a verified external token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A verified email.
    Email(String),
    /// A portal user id.
    UserId(String),
}

/// A verified external token.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Whom it names.
    pub subject: Subject,
    /// Its `jti`, or a digest of the token when it has none (for logout).
    pub token_id: String,
    /// Its expiry (seconds since the epoch).
    pub expires_at: i64,
    /// The verified email, for registering an unknown person as pending.
    pub email: Option<String>,
    /// The organization the issuer says the person belongs to (`organization_claim`).
    pub organization: Option<String>,
}

/// The configured external issuers.
pub struct OidcVerifier {
    issuers: Vec<Issuer>,
    http: reqwest::Client,
}

struct Issuer {
    config: OidcIssuerConfig,
    algorithms: Vec<Algorithm>,
    keys: RwLock<Keys>,
}

#[derive(Default)]
struct Keys {
    set: Option<JwkSet>,
    fetched: Option<Instant>,
}

#[derive(Deserialize)]
struct Discovery {
    jwks_uri: String,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
    #[serde(default)]
    jti: Option<String>,
    exp: i64,
    #[serde(flatten)]
    other: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct Unverified {
    iss: Option<String>,
}

impl OidcVerifier {
    /// Verifiers for `configs`; fails on an algorithm that is unknown or symmetric.
    pub fn new(configs: &[OidcIssuerConfig]) -> Result<Self, AuthError> {
        let issuers = configs
            .iter()
            .map(|config| {
                let algorithms = config
                    .algorithms
                    .iter()
                    .map(|name| {
                        let alg = Algorithm::from_str(name).map_err(|_| {
                            AuthError::Key(format!(
                                "unknown algorithm {name} for {}",
                                config.issuer
                            ))
                        })?;
                        if matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
                            return Err(AuthError::Key(format!(
                                "{name} is symmetric; external issuers must sign asymmetrically"
                            )));
                        }
                        Ok(alg)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Issuer {
                    config: config.clone(),
                    algorithms,
                    keys: RwLock::new(Keys::default()),
                })
            })
            .collect::<Result<Vec<_>, AuthError>>()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| AuthError::Key(e.to_string()))?;
        Ok(Self { issuers, http })
    }

    /// Whether `token` claims to come from a configured external issuer (unverified: it only
    /// picks the verifier).
    pub fn claims_issuer(&self, token: &str) -> bool {
        unverified_issuer(token)
            .is_some_and(|iss| self.issuers.iter().any(|i| i.config.issuer == iss))
    }

    /// Verifies `token` against its issuer's keys and rules.
    pub async fn verify(&self, token: &str) -> Result<Verified, AuthError> {
        let iss = unverified_issuer(token).ok_or(AuthError::Oidc("no issuer".to_owned()))?;
        let issuer = self
            .issuers
            .iter()
            .find(|i| i.config.issuer == iss)
            .ok_or(AuthError::Oidc("unknown issuer".to_owned()))?;
        let header = jsonwebtoken::decode_header(token)?;
        if !issuer.algorithms.contains(&header.alg) {
            return Err(AuthError::Oidc(format!(
                "algorithm {:?} is not allowed",
                header.alg
            )));
        }
        let kid = header.kid.clone().unwrap_or_default();
        let key = self.key(issuer, &kid, header.alg).await?;
        let mut validation = Validation::new(header.alg);
        validation.algorithms = issuer.algorithms.clone();
        validation.set_issuer(&[&issuer.config.issuer]);
        validation.set_audience(&[&issuer.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)?.claims;
        let verified = matches!(claims.email_verified, Some(serde_json::Value::Bool(true)))
            || matches!(&claims.email_verified, Some(serde_json::Value::String(s)) if s == "true");
        let email = claims.email.clone().filter(|_| verified);
        let subject = match issuer.config.map_by {
            OidcUserClaim::Sub => Subject::UserId(claims.sub.clone()),
            OidcUserClaim::Email => match &email {
                Some(email) => Subject::Email(email.clone()),
                None => return Err(AuthError::Oidc("no verified email".to_owned())),
            },
        };
        let organization = issuer
            .config
            .organization_claim
            .as_ref()
            .and_then(|claim| claims.other.get(claim))
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let token_id = claims.jti.unwrap_or_else(|| {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(token.as_bytes());
            format!("oidc-{}", URL_SAFE_NO_PAD.encode(digest))
        });
        Ok(Verified {
            subject,
            token_id,
            expires_at: claims.exp,
            email,
            organization,
        })
    }

    /// The issuer's key `kid` for `alg`, refetching the key set once if it is unknown.
    async fn key(
        &self,
        issuer: &Issuer,
        kid: &str,
        alg: Algorithm,
    ) -> Result<DecodingKey, AuthError> {
        if let Some(key) = find_key(&*issuer.keys.read().await, kid, alg)? {
            return Ok(key);
        }
        let mut keys = issuer.keys.write().await;
        if let Some(key) = find_key(&keys, kid, alg)? {
            return Ok(key);
        }
        let interval = Duration::from_secs(issuer.config.jwks_refresh_secs);
        if keys.fetched.is_some_and(|at| at.elapsed() < interval) {
            return Err(AuthError::Oidc(format!("unknown key id {kid:?}")));
        }
        keys.fetched = Some(Instant::now());
        keys.set = Some(self.fetch_jwks(&issuer.config).await?);
        find_key(&keys, kid, alg)?.ok_or_else(|| AuthError::Oidc(format!("unknown key id {kid:?}")))
    }

    async fn fetch_jwks(&self, config: &OidcIssuerConfig) -> Result<JwkSet, AuthError> {
        let url = match &config.jwks_url {
            Some(url) => url.clone(),
            None => {
                let discovery = format!(
                    "{}/.well-known/openid-configuration",
                    config.issuer.trim_end_matches('/')
                );
                self.get_json::<Discovery>(&discovery).await?.jwks_uri
            }
        };
        self.get_json(&url).await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, AuthError> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| AuthError::Key(format!("fetching {url}: {e}")))?;
        response
            .json()
            .await
            .map_err(|e| AuthError::Key(format!("decoding {url}: {e}")))
    }
}

/// The matching key, refusing a key whose own algorithm differs from the token's.
fn find_key(keys: &Keys, kid: &str, alg: Algorithm) -> Result<Option<DecodingKey>, AuthError> {
    let Some(set) = &keys.set else {
        return Ok(None);
    };
    let Some(jwk) = set
        .keys
        .iter()
        .find(|k| k.common.key_id.as_deref().unwrap_or_default() == kid)
    else {
        return Ok(None);
    };
    if let Some(key_alg) = jwk.common.key_algorithm {
        if format!("{key_alg:?}") != format!("{alg:?}") {
            return Err(AuthError::Oidc(
                "the key is for another algorithm".to_owned(),
            ));
        }
    }
    DecodingKey::from_jwk(jwk)
        .map(Some)
        .map_err(AuthError::from)
}

/// The `iss` claim, read without verifying anything.
fn unverified_issuer(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice::<Unverified>(&bytes).ok()?.iss
}
