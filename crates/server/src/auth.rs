//! Authentication: the embedded token issuer and bearer-token validation.
//!
//! Tokens carry only identity (`sub`, `email`, `jti`); the profile, permissions and tenant are
//! read from the directory on every request, so a profile change or a suspension takes effect on
//! the next request instead of when the token expires.

use crate::config::AuthConfig;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use partnergraph_core::model::{CustomerStatus, OrgStatus, User, UserStatus};
use partnergraph_core::permission::Permission;
use partnergraph_core::principal::Impersonator;
use partnergraph_core::traits::Directory;
use partnergraph_core::write::Sessions;
use partnergraph_core::{Principal, Tenant};
use partnergraph_graphql::TokenRef;
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// File name of the issuer's Ed25519 key (PKCS#8 DER) in the data directory.
const KEY_FILE: &str = "issuer-ed25519.pk8";

/// Why a request could not be authenticated. The reason is logged; clients only learn that the
/// token was missing or not accepted, so probing reveals nothing about users.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer` header.
    #[error("missing bearer token")]
    Missing,
    /// The token failed validation (signature, expiry, issuer, audience, format).
    #[error("invalid token: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    /// The token names a user the directory does not know.
    #[error("token subject is not a known user")]
    UnknownUser,
    /// The user is suspended.
    #[error("user is suspended")]
    Suspended,
    /// An external issuer's token failed its checks.
    #[error("external token refused: {0}")]
    Oidc(String),
    /// The token was withdrawn (logout).
    #[error("the token was revoked")]
    Revoked,
    /// The actor of a login-as token may no longer log in as others.
    #[error("the actor of this login-as token lost the IMPERSONATE permission")]
    ImpersonationWithdrawn,
    /// The user belongs to a deactivated customer account.
    #[error("the user's customer account is deactivated")]
    CustomerInactive,
    /// The user is an operator of a deactivated organization.
    #[error("the user's organization is deactivated")]
    OrganizationInactive,
    /// The user's profile, organization or customer is missing from the directory.
    #[error("user record is inconsistent: {0}")]
    Inconsistent(&'static str),
    /// The directory failed.
    #[error(transparent)]
    Store(#[from] partnergraph_core::Error),
    /// The signing key could not be read or created.
    #[error("signing key: {0}")]
    Key(String),
}

impl AuthError {
    /// The message a client sees.
    pub fn public_message(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing bearer token: send `Authorization: Bearer <token>`",
            AuthError::Store(_) | AuthError::Key(_) => "authentication is temporarily unavailable",
            AuthError::CustomerInactive => "the customer account is deactivated",
            AuthError::OrganizationInactive => "the organization is deactivated",
            _ => "the bearer token was not accepted",
        }
    }
}

/// Claims of tokens issued by the embedded issuer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The user id.
    pub sub: String,
    /// The user's email at issue time (informational; the directory is authoritative).
    pub email: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expiry.
    pub exp: i64,
    /// Token id, for revocation.
    pub jti: String,
    /// In a login-as token, the real actor (RFC 8693's `act` claim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<ActClaim>,
}

/// The real actor behind a login-as token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActClaim {
    /// The actor's user id.
    pub sub: String,
    /// The actor's email at issue time.
    pub email: String,
    /// Why they logged in as the subject.
    pub reason: String,
}

/// How long a login-as token lives: long enough to look around, short enough to need a new
/// reason for the next visit.
const IMPERSONATION_TTL_SECS: i64 = 15 * 60;

/// Signs and verifies the gateway's own tokens with an Ed25519 key kept in the data directory.
pub struct TokenIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    config: AuthConfig,
}

impl TokenIssuer {
    /// Loads the key from `data_dir`, creating it (readable by the owner only) on first start.
    pub fn load_or_create(data_dir: &Path, config: &AuthConfig) -> Result<Self, AuthError> {
        let path = data_dir.join(KEY_FILE);
        let pkcs8 = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                    .map_err(|e| AuthError::Key(e.to_string()))?;
                write_private(&path, doc.as_ref()).map_err(|e| AuthError::Key(e.to_string()))?;
                doc.as_ref().to_vec()
            }
            Err(e) => return Err(AuthError::Key(e.to_string())),
        };
        let pair = Ed25519KeyPair::from_pkcs8(&pkcs8).map_err(|e| AuthError::Key(e.to_string()))?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        Ok(Self {
            encoding: EncodingKey::from_ed_der(&pkcs8),
            decoding: DecodingKey::from_ed_der(pair.public_key().as_ref()),
            validation,
            config: config.clone(),
        })
    }

    /// A signed token for `user`.
    pub fn issue(&self, user: &User) -> Result<String, AuthError> {
        self.sign(user, self.config.token_ttl_secs as i64, None)
    }

    fn sign(&self, user: &User, ttl_secs: i64, act: Option<ActClaim>) -> Result<String, AuthError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: self.config.issuer.clone(),
            aud: self.config.audience.clone(),
            sub: user.id.0.clone(),
            email: user.email.clone(),
            iat: now,
            nbf: now,
            exp: now + ttl_secs,
            jti: uuid::Uuid::new_v4().to_string(),
            act,
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::EdDSA),
            &claims,
            &self.encoding,
        )?)
    }

    /// Verifies signature, algorithm, issuer, audience and validity window.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        Ok(jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?.claims)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

impl Sessions for TokenIssuer {
    fn impersonation_token(
        &self,
        user: &User,
        actor: &Principal,
        reason: &str,
    ) -> partnergraph_core::Result<(String, chrono::DateTime<chrono::Utc>)> {
        let act = ActClaim {
            sub: actor.user_id.0.clone(),
            email: actor.email.clone(),
            reason: reason.to_owned(),
        };
        let token = self
            .sign(user, IMPERSONATION_TTL_SECS, Some(act))
            .map_err(partnergraph_core::Error::internal)?;
        let expires = chrono::Utc::now() + chrono::Duration::seconds(IMPERSONATION_TTL_SECS);
        Ok((token, expires))
    }
}

/// The principal of a verified external token: the portal user its subject names, unless its
/// token was withdrawn.
pub async fn resolve_external(
    directory: &dyn Directory,
    writes: &partnergraph_core::write::Writes,
    verified: &crate::oidc::Verified,
) -> Result<Principal, AuthError> {
    let user = async {
        Ok::<_, AuthError>(match &verified.subject {
            crate::oidc::Subject::Email(email) => directory.user_by_email(email).await?,
            crate::oidc::Subject::UserId(id) => directory.users(&[id.as_str().into()]).await?.pop(),
        })
    };
    // Both reads run on every request, so they go together; nothing is written before the
    // token is known to stand.
    let (revoked, user) = tokio::try_join!(
        async { Ok::<_, AuthError>(directory.is_token_revoked(&verified.token_id).await?) },
        user,
    )?;
    if revoked {
        return Err(AuthError::Revoked);
    }
    let user = match (user, &verified.email, &verified.organization) {
        (Some(user), _, _) => user,
        // Someone the issuer vouches for but the portal does not know yet: a PENDING
        // operator of the organization the issuer names, until an admin there activates them.
        (None, Some(email), Some(org)) => writes
            .register_pending_operator(email, &org.as_str().into())
            .await
            .map_err(|e| match e {
                partnergraph_core::Error::NotFound => AuthError::UnknownUser,
                other => AuthError::Store(other),
            })?,
        (None, _, _) => return Err(AuthError::UnknownUser),
    };
    principal_for(directory, user).await
}

/// Resolves verified claims to a [`Principal`] from the directory's current records. A
/// withdrawn token is refused; a login-as token yields the impersonated user with the actor
/// attached and only the permissions both hold, so a login-as never grants more than either.
///
/// The local store reads these on connections reserved for authentication, so that a request
/// is authenticated however busy the store is with other requests' queries.
pub async fn resolve_principal(
    directory: &dyn Directory,
    claims: &Claims,
) -> Result<Principal, AuthError> {
    partnergraph_local::reserved_for_authentication(principal_of_claims(directory, claims)).await
}

async fn principal_of_claims(
    directory: &dyn Directory,
    claims: &Claims,
) -> Result<Principal, AuthError> {
    // Independent reads: on every request, so they go together.
    let (revoked, user) = tokio::try_join!(
        async { Ok::<_, AuthError>(directory.is_token_revoked(&claims.jti).await?) },
        known_user(directory, &claims.sub),
    )?;
    if revoked {
        return Err(AuthError::Revoked);
    }
    let mut principal = principal_for(directory, user).await?;
    if let Some(act) = &claims.act {
        let actor = principal_for(directory, known_user(directory, &act.sub).await?).await?;
        if !actor.has(Permission::Impersonate) {
            return Err(AuthError::ImpersonationWithdrawn);
        }
        principal.permissions = principal
            .permissions
            .intersection(&actor.permissions)
            .copied()
            .collect();
        principal.impersonator = Some(Impersonator {
            user_id: actor.user_id,
            email: actor.email,
            reason: act.reason.clone(),
        });
    }
    Ok(principal)
}

async fn known_user(directory: &dyn Directory, id: &str) -> Result<User, AuthError> {
    directory
        .users(&[id.into()])
        .await?
        .into_iter()
        .next()
        .ok_or(AuthError::UnknownUser)
}

/// Builds the principal of a known user, refusing suspended users, the users of deactivated
/// customers and the operators of deactivated organizations.
pub async fn principal_for(directory: &dyn Directory, user: User) -> Result<Principal, AuthError> {
    if user.status == UserStatus::Suspended {
        return Err(AuthError::Suspended);
    }
    let principal = Principal::of_user(directory, user)
        .await
        .map_err(|e| match e {
            partnergraph_core::Error::NotFound => {
                AuthError::Inconsistent("profile, organization or customer")
            }
            other => AuthError::Store(other),
        })?;
    match principal.tenant {
        Tenant::Customer {
            status: CustomerStatus::Inactive,
            ..
        } => Err(AuthError::CustomerInactive),
        Tenant::Organization {
            status: OrgStatus::Inactive,
            ..
        } => Err(AuthError::OrganizationInactive),
        _ => Ok(principal),
    }
}

/// Tokens the principal cache holds at most: a busy portal's signed-in users, a few kilobytes
/// each.
const REMEMBERED_TOKENS: u64 = 10_000;

/// The principals of the embedded issuer's tokens seen lately, so that a request with a known
/// token costs neither a signature check nor a directory read.
///
/// An entry stands only while the directory's [version](Directory::version) is the one it was
/// resolved at: any write to the directory (a logout's revocation, a suspension, a profile or
/// role change, a customer deactivated) ends every entry at once, and the very next request is
/// resolved afresh. It stands only until the token expires, too. A directory that cannot tell
/// its version (another process may write to it) gets no entries. External issuers' tokens are
/// not remembered: their keys may be withdrawn from the issuer's key set at any time.
pub(crate) struct Principals {
    entries: moka::sync::Cache<String, Remembered>,
}

#[derive(Clone)]
struct Remembered {
    principal: Principal,
    token: TokenRef,
    version: u64,
}

impl Principals {
    pub(crate) fn new() -> Self {
        Self {
            entries: moka::sync::Cache::builder()
                .max_capacity(REMEMBERED_TOKENS)
                .build(),
        }
    }

    /// The principal remembered for `token`, if it still stands.
    pub(crate) fn get(
        &self,
        token: &str,
        directory: &dyn Directory,
    ) -> Option<(Principal, TokenRef)> {
        let version = directory.version()?;
        let entry = self.entries.get(token)?;
        (entry.version == version && entry.token.expires_at > chrono::Utc::now())
            .then_some((entry.principal, entry.token))
    }

    /// Remembers what `token` resolved to, if the directory still has `version`, the one it had
    /// before the resolution began (a write that ended meanwhile may not be in `principal`).
    pub(crate) fn remember(
        &self,
        token: &str,
        version: Option<u64>,
        directory: &dyn Directory,
        resolved: &(Principal, TokenRef),
    ) {
        if let Some(version) = version.filter(|v| directory.version() == Some(*v)) {
            let (principal, token_ref) = resolved.clone();
            self.entries.insert(
                token.to_owned(),
                Remembered {
                    principal,
                    token: token_ref,
                    version,
                },
            );
        }
    }
}
