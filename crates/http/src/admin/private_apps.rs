//! Private Apps in the admin API.

use super::BASE;
use crate::api::rfc3339;
use crate::error::ApiError;
use crate::extract::{AdminAuth, ApiJson, ApiPath, OptionalJson};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use switchboard_core::logo::LogoOwner;
use switchboard_core::private_app::{self, NewPrivateApp, PrivateAppPatch};
use switchboard_core::scope::Scope;
use switchboard_core::store::PrivateAppView;
use switchboard_core::token::PlainToken;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/private-apps"), get(list).post(create))
        .route(
            &format!("{BASE}/private-apps/{{id}}"),
            get(show).patch(update).delete(remove),
        )
        .route(&format!("{BASE}/private-apps/{{id}}/rotate"), post(rotate))
        .merge(super::logo::routes("private-apps", LogoOwner::PrivateApp))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PrivateAppBody {
    id: String,
    name: String,
    description: String,
    scopes: Vec<String>,
    logo_url: Option<String>,
    created_at: String,
    last_used_at: Option<String>,
    expires_at: Option<String>,
    /// Only in the create and rotate answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

impl PrivateAppBody {
    fn new(v: PrivateAppView, token: Option<PlainToken>) -> Self {
        PrivateAppBody {
            logo_url: v.app.logo_id.as_ref().map(|l| format!("/logos/{l}")),
            id: v.app.id,
            name: v.app.name,
            description: v.app.description,
            scopes: v.app.scopes.to_strings(),
            created_at: rfc3339(v.app.created_at),
            last_used_at: v.last_used_at.map(rfc3339),
            expires_at: v.expires_at.map(rfc3339),
            token: token.map(|t| t.expose().to_owned()),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateBody {
    name: String,
    #[serde(default)]
    description: Option<String>,
    scopes: Vec<String>,
    #[serde(default)]
    expires_in_days: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PatchBody {
    name: Option<String>,
    description: Option<String>,
    scopes: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RotateBody {
    grace_seconds: Option<i64>,
}

async fn list(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
) -> Result<Json<Vec<PrivateAppBody>>, ApiError> {
    p.require(Scope::AdminRead)?;
    let apps = s.services.list_private_apps(&p.account_id).await?;
    Ok(Json(
        apps.into_iter()
            .map(|v| PrivateAppBody::new(v, None))
            .collect(),
    ))
}

async fn create(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Response, ApiError> {
    p.require(Scope::AdminWrite)?;
    let input = NewPrivateApp {
        name: private_app::parse_app_name(&body.name)?,
        description: private_app::parse_description(body.description.as_deref().unwrap_or(""))?,
        scopes: private_app::parse_scopes(&body.scopes)?,
        expires_in_days: private_app::parse_expiry(body.expires_in_days)?,
    };
    let (view, token) = s
        .services
        .create_private_app(&p.account_id, &p.actor_ref(), input)
        .await?;
    let location = format!("{BASE}/private-apps/{}", view.app.id);
    let body = no_store(Json(PrivateAppBody::new(view, Some(token))));
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], body).into_response())
}

async fn show(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PrivateAppBody>, ApiError> {
    p.require(Scope::AdminRead)?;
    Ok(Json(PrivateAppBody::new(
        s.services.get_private_app(&p.account_id, &id).await?,
        None,
    )))
}

async fn update(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PatchBody>,
) -> Result<Json<PrivateAppBody>, ApiError> {
    p.require(Scope::AdminWrite)?;
    let patch = PrivateAppPatch {
        name: body
            .name
            .as_deref()
            .map(private_app::parse_app_name)
            .transpose()?,
        description: body
            .description
            .as_deref()
            .map(private_app::parse_description)
            .transpose()?,
        scopes: body
            .scopes
            .as_deref()
            .map(private_app::parse_scopes)
            .transpose()?,
    };
    let view = s
        .services
        .update_private_app(&p.account_id, &p.actor_ref(), &id, patch)
        .await?;
    Ok(Json(PrivateAppBody::new(view, None)))
}

async fn rotate(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath(id): ApiPath<String>,
    OptionalJson(body): OptionalJson<RotateBody>,
) -> Result<Response, ApiError> {
    p.require(Scope::AdminWrite)?;
    let grace = private_app::parse_grace(body.grace_seconds)?;
    let (view, token) = s
        .services
        .rotate_private_app(&p.account_id, &p.actor_ref(), &id, grace)
        .await?;
    Ok(no_store(Json(PrivateAppBody::new(view, Some(token)))).into_response())
}

async fn remove(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    p.require(Scope::AdminWrite)?;
    s.services
        .delete_private_app(&p.account_id, &p.actor_ref(), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Responses that carry a secret must not be cached anywhere.
fn no_store<T: IntoResponse>(body: T) -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], body)
}
