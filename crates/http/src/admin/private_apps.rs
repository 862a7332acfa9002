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
use switchboard_core::private_app::{self, NewPrivateApp, PrivateAppPatch};
use switchboard_core::scope::Scope;
use switchboard_core::store::PrivateAppView;
use switchboard_core::token::PlainToken;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/private-apps"), get(list).post(create))
        .route(
            &format!("{BASE}/private-apps/{{id}}"),
            get(show).patch(update).delete(remove),
        )
        .route(&format!("{BASE}/private-apps/{{id}}/rotate"), post(rotate))
}

/// A Private App: one token with fixed scopes, acting for the account.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PrivateAppBody {
    id: String,
    name: String,
    description: String,
    scopes: Vec<String>,
    logo_url: Option<String>,
    created_at: String,
    last_used_at: Option<String>,
    expires_at: Option<String>,
    /// `swb_pat_…`: only in the create and rotate answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^swb_pat_[0-9A-Za-z]{49}$")]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = NewPrivateApp)]
pub(crate) struct CreateBody {
    #[schema(schema_with = crate::schemas::app_name)]
    name: String,
    #[serde(default)]
    #[schema(schema_with = crate::schemas::description, required = false)]
    description: Option<String>,
    #[schema(schema_with = crate::schemas::private_app_scopes)]
    scopes: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = crate::schemas::expires_in_days, required = false)]
    expires_in_days: Option<u32>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = PrivateAppPatch)]
pub(crate) struct PatchBody {
    #[schema(schema_with = crate::schemas::app_name_or_null, required = false)]
    name: Option<String>,
    #[schema(schema_with = crate::schemas::description, required = false)]
    description: Option<String>,
    #[schema(schema_with = crate::schemas::private_app_scopes_or_null, required = false)]
    scopes: Option<Vec<String>>,
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RotateBody {
    /// How long the old token keeps working, 0 to 604800 seconds (7 days); default 0.
    #[schema(minimum = 0, maximum = 604800)]
    grace_seconds: Option<i64>,
}

/// The account's Private Apps.
#[utoipa::path(
    get,
    path = "/services/admin/v1/private-apps",
    operation_id = "list_private_apps",
    tag = "admin",
    responses(
        (status = 200, description = "Every Private App; never a token.", body = [PrivateAppBody]),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.read"]), ("consoleSession" = []))
)]
pub(crate) async fn list(
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

/// Create a Private App and its token; the token is shown only here.
#[utoipa::path(
    post,
    path = "/services/admin/v1/private-apps",
    operation_id = "create_private_app",
    tag = "admin",
    request_body = CreateBody,
    responses(
        (status = 201, description = "Created, with `token`.", body = PrivateAppBody,
            headers(("Location" = String, description = "The app's URL."), ("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 413, response = crate::schemas::PayloadTooLarge),
        (status = 415, response = crate::schemas::UnsupportedMediaType),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.write"]), ("consoleSession" = [], "csrfToken" = []))
)]
pub(crate) async fn create(
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

/// One Private App.
#[utoipa::path(
    get,
    path = "/services/admin/v1/private-apps/{id}",
    operation_id = "get_private_app",
    tag = "admin",
    params(("id" = String, Path, description = "The object's id.")),
    responses(
        (status = 200, description = "The app; never its token.", body = PrivateAppBody),
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.read"]), ("consoleSession" = []))
)]
pub(crate) async fn show(
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

/// Change a Private App's name, description or scopes; the token keeps working with the new scopes at once.
#[utoipa::path(
    patch,
    path = "/services/admin/v1/private-apps/{id}",
    operation_id = "update_private_app",
    tag = "admin",
    params(("id" = String, Path, description = "The object's id.")),
    request_body = PatchBody,
    responses(
        (status = 200, description = "The updated app.", body = PrivateAppBody),
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 413, response = crate::schemas::PayloadTooLarge),
        (status = 415, response = crate::schemas::UnsupportedMediaType),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.write"]), ("consoleSession" = [], "csrfToken" = []))
)]
pub(crate) async fn update(
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

/// A new token; the old one keeps working for `graceSeconds` (default 0). The body may be left out.
#[utoipa::path(
    post,
    path = "/services/admin/v1/private-apps/{id}/rotate",
    operation_id = "rotate_private_app",
    tag = "admin",
    params(("id" = String, Path, description = "The object's id.")),
    request_body(content = RotateBody, description = "Optional: leave the body out for the defaults."),
    responses(
        (status = 200, description = "The app with its new `token`.", body = PrivateAppBody,
            headers(("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 413, response = crate::schemas::PayloadTooLarge),
        (status = 415, response = crate::schemas::UnsupportedMediaType),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.write"]), ("consoleSession" = [], "csrfToken" = []))
)]
pub(crate) async fn rotate(
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

/// Delete a Private App; its tokens stop working at once.
#[utoipa::path(
    delete,
    path = "/services/admin/v1/private-apps/{id}",
    operation_id = "delete_private_app",
    tag = "admin",
    params(("id" = String, Path, description = "The object's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.write"]), ("consoleSession" = [], "csrfToken" = []))
)]
pub(crate) async fn remove(
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
