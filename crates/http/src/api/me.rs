//! `GET /services/oauth2/v1/me` (SPEC S6.2): the "test connection" call.

use crate::extract::TokenAuth;
use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use switchboard_core::principal::Actor;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new().route("/services/oauth2/v1/me", get(me))
}

/// Who the token acts for.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MeBody {
    account: MeAccount,
    /// The user an OAuth token acts for; null for Private App tokens and
    /// `client_credentials` tokens.
    user: Option<MeUser>,
    token_type: TokenType,
    app: MeApp,
    scopes: Vec<String>,
    /// RFC 3339; null for a token that never expires.
    expires_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct MeAccount {
    id: String,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct MeUser {
    id: String,
    email: String,
    name: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MeApp {
    /// The Private App's or OAuth app's id.
    id: String,
    name: String,
    /// OAuth tokens only.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TokenType {
    PrivateApp,
    Oauth,
}

fn user(u: &switchboard_core::account::User) -> MeUser {
    MeUser {
        id: u.id.clone(),
        email: u.email.clone(),
        name: u.name.clone(),
    }
}

/// The account, user, app and scopes a token acts with.
#[utoipa::path(
    get,
    path = "/services/oauth2/v1/me",
    operation_id = "me",
    tag = "tokens",
    responses(
        (status = 200, description = "The token's identity.", body = MeBody),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn me(TokenAuth(p): TokenAuth) -> Json<MeBody> {
    let (user, token_type, app) = match &p.actor {
        Actor::PrivateApp {
            app_id, app_name, ..
        } => (
            None,
            TokenType::PrivateApp,
            MeApp {
                id: app_id.clone(),
                name: app_name.clone(),
                client_id: None,
            },
        ),
        Actor::OAuth {
            app_id,
            app_name,
            client_id,
            user: u,
            ..
        } => (
            u.as_ref().map(user),
            TokenType::Oauth,
            MeApp {
                id: app_id.clone(),
                name: app_name.clone(),
                client_id: Some(client_id.clone()),
            },
        ),
        // Console sessions never reach a TokenAuth handler.
        Actor::User(u) => (
            Some(user(u)),
            TokenType::Oauth,
            MeApp {
                id: String::new(),
                name: String::new(),
                client_id: None,
            },
        ),
    };
    Json(MeBody {
        account: MeAccount {
            id: p.account_id.clone(),
            name: p.account_name.clone(),
        },
        user,
        token_type,
        app,
        scopes: p.scopes.to_strings(),
        expires_at: p.expires_at.map(crate::api::rfc3339),
    })
}
