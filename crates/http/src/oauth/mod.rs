//! The OAuth 2.0 endpoints (SPEC S5): authorization with consent, token,
//! revocation, introspection, metadata.

pub(crate) mod authorize;
pub(crate) mod client;
pub(crate) mod metadata;
pub(crate) mod token;

use crate::state::AppState;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::Serialize;
use switchboard_core::oauth::OAuthError;
use utoipa::ToSchema;

pub const BASE: &str = "/services/oauth2/v1";

pub fn router(issuer: &str) -> Router<AppState> {
    Router::new()
        .merge(authorize::router())
        .merge(token::router())
        .merge(metadata::router(issuer))
}

/// An RFC 6749 §5.2 error body.
#[derive(Serialize, ToSchema)]
pub(crate) struct OAuthErrorBody {
    #[schema(value_type = crate::schemas::OAuthErrorCode)]
    error: &'static str,
    error_description: String,
}

/// An RFC 6749 §5.2 error response. `basic`: the client tried HTTP Basic,
/// so an `invalid_client` answer carries the `WWW-Authenticate: Basic` challenge.
pub(crate) fn oauth_error(e: &OAuthError, basic: bool) -> Response {
    let status = match e.code {
        "invalid_client" => StatusCode::UNAUTHORIZED,
        "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
        "temporarily_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut res = no_store((
        status,
        axum::Json(OAuthErrorBody {
            error: e.code,
            error_description: e.description.to_string(),
        }),
    ));
    if status == StatusCode::UNAUTHORIZED && basic {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Basic realm="switchboard""#),
        );
    }
    res
}

/// Token responses and errors must never be cached (RFC 6749 §5.1).
pub(crate) fn no_store(body: impl IntoResponse) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}
