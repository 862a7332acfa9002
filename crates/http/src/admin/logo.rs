//! `PUT/DELETE …/{id}/logo` for both kinds of app (SPEC S8.1): the raw image
//! bytes, checked by decoding (SPEC S4.1).

use super::BASE;
use crate::error::ApiError;
use crate::extract::{AdminAuth, ApiBytes, ApiPath};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::put;
use axum::{Json, Router};
use serde::Serialize;
use switchboard_core::logo::LogoOwner;
use switchboard_core::scope::Scope;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            &format!("{BASE}/private-apps/{{id}}/logo"),
            put(put_private_app_logo).delete(delete_private_app_logo),
        )
        .route(
            &format!("{BASE}/oauth-apps/{{id}}/logo"),
            put(put_oauth_app_logo).delete(delete_oauth_app_logo),
        )
}

/// Where the logo is served.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogoBody {
    /// `/logos/{id}`; the id changes whenever the logo does.
    logo_url: String,
}

async fn set(
    s: AppState,
    p: switchboard_core::principal::Principal,
    owner: LogoOwner,
    id: String,
    body: axum::body::Bytes,
) -> Result<Json<LogoBody>, ApiError> {
    p.require(Scope::AdminWrite)?;
    let logo = s
        .services
        .set_logo(owner, &p.account_id, &p.actor_ref(), &id, body.to_vec())
        .await?;
    Ok(Json(LogoBody {
        logo_url: format!("/logos/{logo}"),
    }))
}

async fn remove(
    s: AppState,
    p: switchboard_core::principal::Principal,
    owner: LogoOwner,
    id: String,
) -> Result<StatusCode, ApiError> {
    p.require(Scope::AdminWrite)?;
    s.services
        .remove_logo(owner, &p.account_id, &p.actor_ref(), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

macro_rules! logo_handlers {
    ($put:ident, $delete:ident, $collection:literal, $owner:expr, $what:literal) => {
        #[doc = concat!("Set ", $what, "'s logo: the raw PNG, JPEG or WebP bytes \
            (≤ 256 KiB, ≤ 1024 × 1024 px), checked by decoding.")]
        #[utoipa::path(
            put,
            path = concat!("/services/admin/v1/", $collection, "/{id}/logo"),
            operation_id = stringify!($put),
            tag = "admin",
            params(("id" = String, Path, description = "The app's id.")),
            request_body(
                description = "The image; its type is found by decoding it, not from `Content-Type`.",
                content(
                    (Vec<u8> = "image/png"),
                    (Vec<u8> = "image/jpeg"),
                    (Vec<u8> = "image/webp"),
                ),
            ),
            responses(
                (status = 200, description = "The logo is set.", body = LogoBody),
                (status = 400, response = crate::schemas::BadRequest),
                (status = 401, response = crate::schemas::Unauthorized),
                (status = 403, response = crate::schemas::Forbidden),
                (status = 404, response = crate::schemas::NotFound),
                (status = 413, response = crate::schemas::PayloadTooLarge),
                (status = 429, response = crate::schemas::TooManyRequests),
            ),
            security(("bearer" = ["admin.write"]), ("consoleSession" = [], "csrfToken" = []))
        )]
        pub(crate) async fn $put(
            State(s): State<AppState>,
            AdminAuth(p): AdminAuth,
            ApiPath(id): ApiPath<String>,
            ApiBytes(body): ApiBytes,
        ) -> Result<Json<LogoBody>, ApiError> {
            set(s, p, $owner, id, body).await
        }

        #[doc = concat!("Remove ", $what, "'s logo.")]
        #[utoipa::path(
            delete,
            path = concat!("/services/admin/v1/", $collection, "/{id}/logo"),
            operation_id = stringify!($delete),
            tag = "admin",
            params(("id" = String, Path, description = "The app's id.")),
            responses(
                (status = 204, description = "Removed (or there was none)."),
                (status = 400, response = crate::schemas::BadRequest),
                (status = 401, response = crate::schemas::Unauthorized),
                (status = 403, response = crate::schemas::Forbidden),
                (status = 404, response = crate::schemas::NotFound),
                (status = 429, response = crate::schemas::TooManyRequests),
            ),
            security(("bearer" = ["admin.write"]), ("consoleSession" = [], "csrfToken" = []))
        )]
        pub(crate) async fn $delete(
            State(s): State<AppState>,
            AdminAuth(p): AdminAuth,
            ApiPath(id): ApiPath<String>,
        ) -> Result<StatusCode, ApiError> {
            remove(s, p, $owner, id).await
        }
    };
}

logo_handlers!(
    put_private_app_logo,
    delete_private_app_logo,
    "private-apps",
    LogoOwner::PrivateApp,
    "a Private App"
);
logo_handlers!(
    put_oauth_app_logo,
    delete_oauth_app_logo,
    "oauth-apps",
    LogoOwner::OAuthApp,
    "an OAuth app"
);
