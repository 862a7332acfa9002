//! One-time password-reset links in the admin API: what the console's Users
//! page hands an admin, for scripts and other front ends (SPEC S8: anything
//! the console can do, this API can).

use super::BASE;
use crate::api::rfc3339;
use crate::error::ApiError;
use crate::extract::{AdminAuth, ApiPath};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;
use switchboard_core::scope::Scope;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new().route(&format!("{BASE}/users/{{id}}/password-reset"), post(create))
}

/// A link the user opens to set a new password. Shown once: only its hash
/// is stored. A newer link replaces any earlier unused one.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResetLinkBody {
    user_id: String,
    /// `<issuer>/reset-password/<secret>`: single use.
    url: String,
    expires_at: String,
}

/// Create a one-time password-reset link for a user of the account.
#[utoipa::path(
    post,
    path = "/services/admin/v1/users/{id}/password-reset",
    operation_id = "create_password_reset",
    tag = "admin",
    params(("id" = String, Path, description = "The object's id.")),
    responses(
        (status = 201, description = "The link, shown once.", body = ResetLinkBody),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 409, response = crate::schemas::Conflict),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.write"]), ("consoleSession" = [], "csrfToken" = []))
)]
pub(crate) async fn create(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<(StatusCode, Json<ResetLinkBody>), ApiError> {
    p.require(Scope::AdminWrite)?;
    let link = s
        .services
        .create_password_reset(&p.account_id, &p.actor_ref(), &id)
        .await?;
    let url = format!(
        "{}/reset-password/{}",
        s.config.issuer.trim_end_matches('/'),
        link.secret
    );
    Ok((
        StatusCode::CREATED,
        Json(ResetLinkBody {
            user_id: link.user.id,
            url,
            expires_at: rfc3339(link.expires_at),
        }),
    ))
}
