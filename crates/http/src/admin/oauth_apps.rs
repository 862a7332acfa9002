//! OAuth apps in the admin API (SPEC S8.1).

use super::BASE;
use crate::api::rfc3339;
use crate::error::ApiError;
use crate::extract::{AdminAuth, ApiJson, ApiPath};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use switchboard_core::logo::LogoOwner;
use switchboard_core::oauth::app::{self, OAuthAppPatch, OAuthAppView, Registration};
use switchboard_core::oauth::{AccessTokenLifetime, Visibility};
use switchboard_core::private_app::{parse_app_name, parse_description};
use switchboard_core::scope::Scope;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/oauth-apps"), get(list).post(create))
        .route(
            &format!("{BASE}/oauth-apps/{{id}}"),
            get(show).patch(update).delete(remove),
        )
        .route(
            &format!("{BASE}/oauth-apps/{{id}}/rotate-secret"),
            post(rotate_secret),
        )
        .merge(super::logo::routes("oauth-apps", LogoOwner::OAuthApp))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OAuthAppBody {
    id: String,
    name: String,
    description: String,
    client_id: String,
    client_secret: Option<String>,
    redirect_uris: Vec<String>,
    scopes: Vec<String>,
    visibility: &'static str,
    client_type: &'static str,
    require_pkce: bool,
    access_token_lifetime: &'static str,
    logo_url: Option<String>,
    created_at: String,
    updated_at: String,
}

impl From<OAuthAppView> for OAuthAppBody {
    fn from(v: OAuthAppView) -> Self {
        let a = v.app;
        OAuthAppBody {
            logo_url: a.logo_id.as_ref().map(|l| format!("/logos/{l}")),
            id: a.id,
            name: a.name,
            description: a.description,
            client_id: a.client_id,
            client_secret: v.client_secret,
            redirect_uris: a.redirect_uris,
            scopes: a.scopes.to_strings(),
            visibility: a.visibility.as_str(),
            client_type: a.client_type.as_str(),
            require_pkce: a.require_pkce,
            access_token_lifetime: a.access_token_lifetime.as_str(),
            created_at: rfc3339(a.created_at),
            updated_at: rfc3339(a.updated_at),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateBody {
    name: String,
    #[serde(default)]
    description: Option<String>,
    redirect_uris: Vec<String>,
    scopes: Vec<String>,
    #[serde(default)]
    visibility: Option<String>,
    #[serde(default)]
    client_type: Option<String>,
    #[serde(default)]
    require_pkce: Option<bool>,
    #[serde(default)]
    access_token_lifetime: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PatchBody {
    name: Option<String>,
    description: Option<String>,
    redirect_uris: Option<Vec<String>>,
    scopes: Option<Vec<String>>,
    visibility: Option<String>,
    require_pkce: Option<bool>,
    access_token_lifetime: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
) -> Result<Json<Vec<OAuthAppBody>>, ApiError> {
    p.require(Scope::AdminRead)?;
    let apps = s.services.list_oauth_apps(&p.account_id).await?;
    Ok(Json(apps.into_iter().map(OAuthAppBody::from).collect()))
}

async fn create(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiJson(b): ApiJson<CreateBody>,
) -> Result<Response, ApiError> {
    p.require(Scope::AdminWrite)?;
    let input = Registration {
        name: &b.name,
        description: b.description.as_deref().unwrap_or(""),
        redirect_uris: &b.redirect_uris,
        scopes: &b.scopes,
        visibility: b.visibility.as_deref(),
        client_type: b.client_type.as_deref(),
        require_pkce: b.require_pkce.unwrap_or(false),
        access_token_lifetime: b.access_token_lifetime.as_deref(),
    }
    .parse()?;
    let view = s
        .services
        .create_oauth_app(&p.account_id, &p.actor_ref(), input)
        .await?;
    let location = format!("{BASE}/oauth-apps/{}", view.app.id);
    Ok((
        StatusCode::CREATED,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, "no-store".into()),
        ],
        Json(OAuthAppBody::from(view)),
    )
        .into_response())
}

async fn show(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    p.require(Scope::AdminRead)?;
    let view = s.services.get_oauth_app(&p.account_id, &id).await?;
    Ok(secret_response(view))
}

/// Bodies with a client secret are never cached.
fn secret_response(view: OAuthAppView) -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(OAuthAppBody::from(view)),
    )
        .into_response()
}

async fn update(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<PatchBody>,
) -> Result<Response, ApiError> {
    p.require(Scope::AdminWrite)?;
    let patch = OAuthAppPatch {
        name: b.name.as_deref().map(parse_app_name).transpose()?,
        description: b
            .description
            .as_deref()
            .map(parse_description)
            .transpose()?,
        redirect_uris: b
            .redirect_uris
            .as_deref()
            .map(app::parse_redirect_uris)
            .transpose()?,
        scopes: b.scopes.as_deref().map(app::parse_scopes).transpose()?,
        visibility: b.visibility.as_deref().map(Visibility::parse).transpose()?,
        require_pkce: b.require_pkce,
        access_token_lifetime: b
            .access_token_lifetime
            .as_deref()
            .map(AccessTokenLifetime::parse)
            .transpose()?,
    };
    let view = s
        .services
        .update_oauth_app(&p.account_id, &p.actor_ref(), &id, patch)
        .await?;
    Ok(secret_response(view))
}

async fn rotate_secret(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    p.require(Scope::AdminWrite)?;
    let view = s
        .services
        .rotate_oauth_app_secret(&p.account_id, &p.actor_ref(), &id)
        .await?;
    Ok(secret_response(view))
}

async fn remove(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    p.require(Scope::AdminWrite)?;
    s.services
        .delete_oauth_app(&p.account_id, &p.actor_ref(), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
