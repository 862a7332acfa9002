//! RFC 8414 metadata (SPEC S5.6). With a path in the issuer, also served at
//! the §3.1 location: `/.well-known/oauth-authorization-server/<path>`.

use super::BASE;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use switchboard_core::scope::Scope;
use utoipa::ToSchema;

const WELL_KNOWN: &str = "/.well-known/oauth-authorization-server";

pub fn router(issuer: &str) -> Router<AppState> {
    let router = Router::new().route(WELL_KNOWN, get(metadata));
    let path = url::Url::parse(issuer)
        .map(|u| u.path().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    if path.is_empty() {
        router
    } else {
        router.route(&format!("{WELL_KNOWN}{path}"), get(metadata))
    }
}

/// RFC 8414 authorization server metadata.
#[derive(Serialize, ToSchema)]
pub(crate) struct Metadata {
    /// The configured issuer, character for character.
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    revocation_endpoint: String,
    introspection_endpoint: String,
    /// What OAuth apps may request (the admin scopes are for Private Apps only).
    scopes_supported: Vec<&'static str>,
    response_types_supported: Vec<&'static str>,
    response_modes_supported: Vec<&'static str>,
    grant_types_supported: Vec<&'static str>,
    code_challenge_methods_supported: Vec<&'static str>,
    token_endpoint_auth_methods_supported: Vec<&'static str>,
    revocation_endpoint_auth_methods_supported: Vec<&'static str>,
    introspection_endpoint_auth_methods_supported: Vec<&'static str>,
    authorization_response_iss_parameter_supported: bool,
    prompt_values_supported: Vec<&'static str>,
}

/// The authorization server's metadata. With a path in the issuer, also
/// served at `/.well-known/oauth-authorization-server/<path>` (RFC 8414 §3.1).
#[utoipa::path(
    get,
    path = "/.well-known/oauth-authorization-server",
    operation_id = "metadata",
    tag = "oauth",
    responses((status = 200, description = "The metadata.", body = Metadata)),
    security(())
)]
pub(crate) async fn metadata(State(s): State<AppState>) -> Json<Metadata> {
    let issuer = &s.config.issuer;
    let base = format!("{}{BASE}", issuer.trim_end_matches('/'));
    // What an OAuth client can ask for: the admin scopes are Private Apps' only.
    let scopes: Vec<&str> = Scope::ALL
        .iter()
        .filter(|s| s.grantable_to_oauth_app())
        .map(|s| s.as_str())
        .collect();
    let auth_methods = vec!["client_secret_basic", "client_secret_post", "none"];
    Json(Metadata {
        issuer: issuer.clone(),
        authorization_endpoint: format!("{base}/authorize"),
        token_endpoint: format!("{base}/token"),
        revocation_endpoint: format!("{base}/revoke"),
        introspection_endpoint: format!("{base}/introspect"),
        scopes_supported: scopes,
        response_types_supported: vec!["code"],
        response_modes_supported: vec!["query"],
        grant_types_supported: vec!["authorization_code", "refresh_token", "client_credentials"],
        code_challenge_methods_supported: vec!["S256"],
        token_endpoint_auth_methods_supported: auth_methods.clone(),
        revocation_endpoint_auth_methods_supported: auth_methods.clone(),
        introspection_endpoint_auth_methods_supported: auth_methods,
        authorization_response_iss_parameter_supported: true,
        prompt_values_supported: vec!["consent", "none"],
    })
}
