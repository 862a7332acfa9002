//! RFC 8414 metadata (SPEC S5.6). With a path in the issuer, also served at
//! the §3.1 location: `/.well-known/oauth-authorization-server/<path>`.

use super::BASE;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use switchboard_core::scope::Scope;

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

async fn metadata(State(s): State<AppState>) -> Json<Value> {
    let issuer = &s.config.issuer;
    let base = format!("{}{BASE}", issuer.trim_end_matches('/'));
    // What an OAuth client can ask for: the admin scopes are Private Apps' only.
    let scopes: Vec<&str> = Scope::ALL
        .iter()
        .filter(|s| s.grantable_to_oauth_app())
        .map(|s| s.as_str())
        .collect();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "revocation_endpoint": format!("{base}/revoke"),
        "introspection_endpoint": format!("{base}/introspect"),
        "scopes_supported": scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "authorization_response_iss_parameter_supported": true,
        "prompt_values_supported": ["consent", "none"],
    }))
}
