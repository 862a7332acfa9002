//! `GET /services/oauth2/v1/me` (SPEC S6.2): the "test connection" call.

use crate::extract::TokenAuth;
use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use switchboard_core::principal::Actor;

pub fn router() -> Router<AppState> {
    Router::new().route("/services/oauth2/v1/me", get(me))
}

async fn me(TokenAuth(p): TokenAuth) -> Json<Value> {
    let (user, token_type, app) = match &p.actor {
        Actor::PrivateApp {
            app_id, app_name, ..
        } => (
            Value::Null,
            "private_app",
            json!({"id": app_id, "name": app_name}),
        ),
        Actor::OAuth {
            app_id,
            app_name,
            client_id,
            user,
            ..
        } => (
            user.as_ref().map_or(
                Value::Null,
                |u| json!({"id": u.id, "email": u.email, "name": u.name}),
            ),
            "oauth",
            json!({"id": app_id, "name": app_name, "clientId": client_id}),
        ),
        // Console sessions never reach a TokenAuth handler.
        Actor::User(u) => (
            json!({"id": u.id, "email": u.email, "name": u.name}),
            "session",
            Value::Null,
        ),
    };
    Json(json!({
        "account": {"id": p.account_id, "name": p.account_name},
        "user": user,
        "tokenType": token_type,
        "app": app,
        "scopes": p.scopes.to_strings(),
        "expiresAt": p.expires_at.map(crate::api::rfc3339),
    }))
}
