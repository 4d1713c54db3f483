//! The session every Salesforce call carries: how the gateway proves itself (the OAuth 2.0 JWT
//! bearer or client credentials grant), Salesforce's token response, and the one live session,
//! kept until Salesforce refuses it and then renewed once for every caller it refused.

use super::{observe, transport, SalesforceClient, SalesforceError};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{ClientSecret, EndpointNotSet, EndpointSet, StandardRevocableToken, TokenResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::{Duration, Instant};

/// How long a JWT bearer assertion is valid: Salesforce refuses more than three minutes.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(150);

/// How the gateway proves itself to Salesforce.
#[derive(Clone)]
pub enum Auth {
    /// OAuth 2.0 JWT bearer flow: a connected app with an uploaded certificate, the assertion
    /// signed (RS256) with its private key, for a pre-authorized integration user.
    JwtBearer {
        /// The connected app's consumer key (the assertion's `iss`).
        consumer_key: String,
        /// The integration user's username (the assertion's `sub`).
        username: String,
        /// The PEM private key matching the connected app's certificate.
        private_key_pem: oauth2::ClientSecret,
        /// The assertion's `aud`: `https://login.salesforce.com`, `https://test.salesforce.com`
        /// or the community URL.
        audience: String,
    },
    /// OAuth 2.0 client credentials flow against the org's My Domain, run as the connected
    /// app's integration user.
    ClientCredentials {
        /// The consumer key.
        client_id: String,
        /// The consumer secret.
        client_secret: ClientSecret,
    },
}

/// Salesforce's token response: no `expires_in` and no refresh token for these grants, an
/// `instance_url` every API call must go to, and (in older orgs' recordings) no `token_type`,
/// which oauth2's standard response would refuse.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionResponse {
    access_token: oauth2::AccessToken,
    #[serde(
        default = "bearer",
        deserialize_with = "oauth2::helpers::deserialize_untagged_enum_case_insensitive"
    )]
    token_type: BasicTokenType,
    /// The org's REST base URL.
    instance_url: String,
}

fn bearer() -> BasicTokenType {
    BasicTokenType::Bearer
}

impl TokenResponse for SessionResponse {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &oauth2::AccessToken {
        &self.access_token
    }

    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }

    fn expires_in(&self) -> Option<Duration> {
        None
    }

    fn refresh_token(&self) -> Option<&oauth2::RefreshToken> {
        None
    }

    fn scopes(&self) -> Option<&Vec<oauth2::Scope>> {
        None
    }
}

/// The oauth2 client for Salesforce's token endpoint (its only endpoint set).
pub(super) type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    SessionResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A live session.
#[derive(Clone)]
pub(super) struct Session {
    /// The access token.
    pub(super) token: oauth2::AccessToken,
    /// The org's REST base URL, without a trailing slash.
    pub(super) instance_url: String,
}

/// The claims of a JWT bearer assertion.
#[derive(Serialize)]
struct Assertion<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: u64,
}

impl SalesforceClient {
    /// The current session, or a new one when there is none or the current one is `stale`
    /// (Salesforce refused it). Concurrent callers refused with one session renew it once.
    pub(super) async fn session(&self, stale: Option<&str>) -> Result<Session, SalesforceError> {
        let mut session = self.session.lock().await;
        if let Some(s) = session
            .as_ref()
            .filter(|s| stale != Some(s.token.secret().as_str()))
        {
            return Ok(s.clone());
        }
        let started = Instant::now();
        let response = match (&self.config.auth, &self.signing_key) {
            (
                Auth::JwtBearer {
                    consumer_key,
                    username,
                    audience,
                    ..
                },
                Some(key),
            ) => self.jwt_bearer(consumer_key, username, audience, key).await,
            _ => self
                .oauth
                .exchange_client_credentials()
                .request_async(&self.http)
                .await
                .map_err(|e| match e {
                    oauth2::RequestTokenError::ServerResponse(_) => SalesforceError::Credentials,
                    _ => SalesforceError::Unavailable("token request failed".to_owned()),
                }),
        };
        observe("oauth2/token", response.is_ok(), started);
        let response = response?;
        let fresh = Session {
            token: response.access_token().clone(),
            instance_url: response.instance_url.trim_end_matches('/').to_owned(),
        };
        *session = Some(fresh.clone());
        Ok(fresh)
    }

    /// The JWT bearer grant, which oauth2 does not implement: the assertion is signed here and
    /// the answer parsed as the same token response type.
    async fn jwt_bearer(
        &self,
        consumer_key: &str,
        username: &str,
        audience: &str,
        key: &jsonwebtoken::EncodingKey,
    ) -> Result<SessionResponse, SalesforceError> {
        let exp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|_| SalesforceError::Credentials)?
            + ASSERTION_LIFETIME;
        let claims = Assertion {
            iss: consumer_key,
            sub: username,
            aud: audience,
            exp: exp.as_secs(),
        };
        let assertion = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
            &claims,
            key,
        )
        .map_err(|_| SalesforceError::Credentials)?;
        let response = self
            .http
            .post(&self.token_url)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| SalesforceError::Unavailable(transport(&e)))?;
        if response.status().is_server_error() {
            return Err(SalesforceError::Unavailable(format!(
                "token endpoint answered {}",
                response.status().as_u16()
            )));
        }
        if !response.status().is_success() {
            // `{"error","error_description"}`: logged by kind only (the description may name
            // the user).
            let error = response
                .json::<Value>()
                .await
                .ok()
                .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned));
            tracing::warn!(
                error = error.as_deref().unwrap_or("unknown"),
                "Salesforce refused the JWT bearer assertion"
            );
            return Err(SalesforceError::Credentials);
        }
        response
            .json::<SessionResponse>()
            .await
            .map_err(|_| SalesforceError::Decode("oauth2/token".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_token_responses_parse_without_expires_in() {
        // restforce's recorded auth_success_response (MIT): no token_type, no expires_in.
        let recorded = r#"{"id":"https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P","issued_at":"1278448832702","instance_url":"https://na1.salesforce.com","signature":"0CmxinZir53Yex7nE0TD+zMpvIWYGb/bdJh6XfOH6EQ=","access_token":"00Dx0000000BV7z!AR8AQAxo9UfVkh8AlV0Gomt9Czx9LjHnSSpwBMmbRcgKFmxOtvxjTrKW19ye6PE3Ds1eQz3z8jr3W7_VbWmEu4Q8TVGSTHxs"}"#;
        let parsed: SessionResponse = serde_json::from_str(recorded).expect("parses");
        assert_eq!(parsed.instance_url, "https://na1.salesforce.com");
        assert!(parsed.expires_in().is_none());
        assert_eq!(parsed.token_type, BasicTokenType::Bearer);
        // The documented current shape names the type.
        let documented = r#"{"access_token":"00D!AR","scope":"api","instance_url":"https://eu6.salesforce.com","id":"https://login.salesforce.com/id/00D/005","token_type":"Bearer","issued_at":"1708058728442"}"#;
        assert!(serde_json::from_str::<SessionResponse>(documented).is_ok());
    }
}
