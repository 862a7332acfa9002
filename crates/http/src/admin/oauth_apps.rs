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
use switchboard_core::oauth::app::{self, OAuthAppPatch, OAuthAppView, Registration};
use switchboard_core::oauth::{AccessTokenLifetime, Visibility};
use switchboard_core::private_app::{parse_app_name, parse_description};
use switchboard_core::scope::Scope;
use utoipa::ToSchema;

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
}

/// An OAuth app (a client of the authorization server).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OAuthAppBody {
    id: String,
    name: String,
    description: String,
    client_id: String,
    /// `swb_cs_…`; null for public clients.
    #[schema(required = true)]
    client_secret: Option<String>,
    redirect_uris: Vec<String>,
    scopes: Vec<String>,
    #[schema(value_type = crate::schemas::Visibility)]
    visibility: &'static str,
    #[schema(value_type = crate::schemas::ClientType)]
    client_type: &'static str,
    require_pkce: bool,
    #[schema(value_type = crate::schemas::AccessTokenLifetime)]
    access_token_lifetime: &'static str,
    #[schema(required = true)]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = NewOAuthApp)]
pub(crate) struct CreateBody {
    #[schema(schema_with = crate::schemas::app_name)]
    name: String,
    #[serde(default)]
    #[schema(schema_with = crate::schemas::description, required = false)]
    description: Option<String>,
    #[schema(schema_with = crate::schemas::redirect_uris)]
    redirect_uris: Vec<String>,
    #[schema(schema_with = crate::schemas::oauth_app_scopes)]
    scopes: Vec<String>,
    /// Default `private`.
    #[serde(default)]
    #[schema(value_type = Option<crate::schemas::Visibility>)]
    visibility: Option<String>,
    /// Default `confidential`.
    #[serde(default)]
    #[schema(value_type = Option<crate::schemas::ClientType>)]
    client_type: Option<String>,
    /// Default false; always on for public clients.
    #[serde(default)]
    require_pkce: Option<bool>,
    /// Default `never`.
    #[serde(default)]
    #[schema(value_type = Option<crate::schemas::AccessTokenLifetime>)]
    access_token_lifetime: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schema(as = OAuthAppPatch)]
pub(crate) struct PatchBody {
    #[schema(schema_with = crate::schemas::app_name_or_null, required = false)]
    name: Option<String>,
    #[schema(schema_with = crate::schemas::description, required = false)]
    description: Option<String>,
    #[schema(schema_with = crate::schemas::redirect_uris_or_null, required = false)]
    redirect_uris: Option<Vec<String>>,
    #[schema(schema_with = crate::schemas::oauth_app_scopes_or_null, required = false)]
    scopes: Option<Vec<String>>,
    #[schema(value_type = Option<crate::schemas::Visibility>)]
    visibility: Option<String>,
    require_pkce: Option<bool>,
    #[schema(value_type = Option<crate::schemas::AccessTokenLifetime>)]
    access_token_lifetime: Option<String>,
}

/// The account's OAuth apps.
#[utoipa::path(
    get,
    path = "/services/admin/v1/oauth-apps",
    operation_id = "list_oauth_apps",
    tag = "admin",
    responses(
        (status = 200, description = "Every OAuth app, with its client secret.", body = [OAuthAppBody]),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.read"]), ("consoleSession" = []))
)]
pub(crate) async fn list(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
) -> Result<Json<Vec<OAuthAppBody>>, ApiError> {
    p.require(Scope::AdminRead)?;
    let apps = s.services.list_oauth_apps(&p.account_id).await?;
    Ok(Json(apps.into_iter().map(OAuthAppBody::from).collect()))
}

/// Register an OAuth app.
#[utoipa::path(
    post,
    path = "/services/admin/v1/oauth-apps",
    operation_id = "create_oauth_app",
    tag = "admin",
    request_body = CreateBody,
    responses(
        (status = 201, description = "Registered; `clientSecret` is null for public clients.", body = OAuthAppBody,
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

/// One OAuth app, with its client id and secret.
#[utoipa::path(
    get,
    path = "/services/admin/v1/oauth-apps/{id}",
    operation_id = "get_oauth_app",
    tag = "admin",
    params(("id" = String, Path, description = "The object's id.")),
    responses(
        (status = 200, description = "The app.", body = OAuthAppBody,
            headers(("Cache-Control" = String, description = "`no-store`."))),
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

/// Change an OAuth app. Narrowing its scopes narrows existing grants.
#[utoipa::path(
    patch,
    path = "/services/admin/v1/oauth-apps/{id}",
    operation_id = "update_oauth_app",
    tag = "admin",
    params(("id" = String, Path, description = "The object's id.")),
    request_body = PatchBody,
    responses(
        (status = 200, description = "The updated app.", body = OAuthAppBody,
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
pub(crate) async fn update(
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

/// A new client secret; the old one stops working at once.
#[utoipa::path(
    post,
    path = "/services/admin/v1/oauth-apps/{id}/rotate-secret",
    operation_id = "rotate_oauth_app_secret",
    tag = "admin",
    params(("id" = String, Path, description = "The object's id.")),
    responses(
        (status = 200, description = "The app with its new `clientSecret`.", body = OAuthAppBody,
            headers(("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 409, response = crate::schemas::Conflict),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.write"]), ("consoleSession" = [], "csrfToken" = []))
)]
pub(crate) async fn rotate_secret(
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

/// Delete an OAuth app with its grants and tokens.
#[utoipa::path(
    delete,
    path = "/services/admin/v1/oauth-apps/{id}",
    operation_id = "delete_oauth_app",
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
        .delete_oauth_app(&p.account_id, &p.actor_ref(), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
