//! Grants in the admin API (SPEC S8): the account's connected apps.

use super::BASE;
use crate::api::rfc3339;
use crate::error::ApiError;
use crate::extract::{AdminAuth, ApiPath};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Serialize;
use switchboard_core::oauth::grant::GrantView;
use switchboard_core::scope::Scope;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/grants"), get(list))
        .route(&format!("{BASE}/grants/{{id}}"), delete(revoke))
}

/// An OAuth grant: what a user (or, for `client_credentials`, the app itself) allowed an app.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GrantBody {
    id: String,
    app_id: String,
    app_name: String,
    client_id: String,
    user_id: Option<String>,
    user_email: Option<String>,
    scopes: Vec<String>,
    created_at: String,
    last_used_at: Option<String>,
}

impl From<GrantView> for GrantBody {
    fn from(v: GrantView) -> Self {
        GrantBody {
            id: v.grant.id,
            app_id: v.grant.app_id,
            app_name: v.app_name,
            client_id: v.client_id,
            user_id: v.grant.user_id,
            user_email: v.user_email,
            scopes: v.grant.scopes.to_strings(),
            created_at: rfc3339(v.grant.created_at),
            last_used_at: v.grant.last_used_at.map(rfc3339),
        }
    }
}

/// Every OAuth grant in the account (the connected apps).
#[utoipa::path(
    get,
    path = "/services/admin/v1/grants",
    operation_id = "list_grants",
    tag = "admin",
    responses(
        (status = 200, description = "The grants.", body = [GrantBody]),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.read"]), ("consoleSession" = []))
)]
pub(crate) async fn list(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
) -> Result<Json<Vec<GrantBody>>, ApiError> {
    p.require(Scope::AdminRead)?;
    let grants = s.services.list_grants(&p.account_id, None).await?;
    Ok(Json(grants.into_iter().map(GrantBody::from).collect()))
}

/// Revoke a grant and every token issued under it.
#[utoipa::path(
    delete,
    path = "/services/admin/v1/grants/{id}",
    operation_id = "revoke_grant",
    tag = "admin",
    params(("id" = String, Path, description = "The object's id.")),
    responses(
        (status = 204, description = "Revoked."),
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.write"]), ("consoleSession" = [], "csrfToken" = []))
)]
pub(crate) async fn revoke(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    p.require(Scope::AdminWrite)?;
    s.services
        .revoke_grant(&p.account_id, &p.actor_ref(), &id, None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
