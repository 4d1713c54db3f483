//! `POST /oauth/token`: Zuora's OAuth endpoint, client credentials only (form-encoded, in the
//! body). Tokens are `bearer`, live the sandbox's token lifetime (less a second in
//! `expires_in`, as Zuora rounds) and carry a scope naming the entity they are bound to.

use super::Zuora;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// The entity every token is scoped to.
const ENTITY: &str = "1a2b7a37-3e7d-4cb3-b0e2-883de9e766cc";

/// The token request (form-encoded, credentials in the body).
#[derive(Deserialize)]
pub(super) struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// Issues a token to a known client.
pub(super) async fn token(State(z): State<Arc<Zuora>>, Form(req): Form<TokenRequest>) -> Response {
    if req.grant_type.as_deref() != Some("client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "unsupported_grant_type" })),
        )
            .into_response();
    }
    let known = match (&req.client_id, &req.client_secret) {
        (Some(id), Some(secret)) => z.clients.get(id) == Some(secret),
        _ => false,
    };
    if !known {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "invalid_client", "error_description": "Invalid client credentials" })),
        )
            .into_response();
    }
    let access_token = uuid::Uuid::new_v4().simple().to_string();
    z.control.issue(&access_token, z.token_ttl);
    Json(json!({
        "access_token": access_token,
        "expires_in": z.token_ttl.as_secs().saturating_sub(1),
        "jti": uuid::Uuid::new_v4().simple().to_string(),
        "scope": format!("user.{} entity.{ENTITY} service.echo.read tenant.19", uuid::Uuid::new_v4().simple()),
        "token_type": "bearer",
    }))
    .into_response()
}
