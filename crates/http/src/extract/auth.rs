//! Authentication extractors. `TokenAuth`: a bearer token (data API, `/me`).
//! `AdminAuth`: a bearer token, or an admin's console session whose writes
//! carry `X-CSRF-Token`. Both apply the per-token rate limit.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use std::net::SocketAddr;
use subtle::ConstantTimeEq;
use switchboard_core::principal::Principal;

pub struct TokenAuth(pub Principal);
pub struct AdminAuth(pub Principal);

/// The token in `Authorization`, in either form the docs use:
/// `Bearer <token>` (RFC 6750) or the bare `<token>`.
/// `Ok(None)`: no header at all; `Err`: a header we cannot use.
fn presented_token(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::invalid_token("the Authorization header is not valid text"))?
        .trim();
    let token = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some((scheme, _)) => {
            return Err(ApiError::invalid_token(format!(
                "the {scheme} scheme is not accepted here: send Authorization: Bearer <token>"
            )))
        }
        None => value,
    };
    if token.is_empty() {
        return Err(ApiError::invalid_token(
            "the Authorization header carries no token",
        ));
    }
    Ok(Some(token))
}

async fn from_bearer(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let principal = state.services.authenticate_token(token).await?;
    if let Some(token_id) = principal.actor.token_id() {
        state.api_limiter.check(token_id)?;
    }
    Ok(principal)
}

impl TokenAuth {
    /// Authenticate the token in these headers (for handlers that also take
    /// other credentials and so cannot use the extractor).
    pub async fn from_headers(headers: &HeaderMap, state: &AppState) -> Result<Self, ApiError> {
        match presented_token(headers)? {
            Some(t) => from_bearer(state, t).await.map(TokenAuth),
            None => Err(ApiError::no_token()),
        }
    }
}

impl FromRequestParts<AppState> for TokenAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        TokenAuth::from_headers(&parts.headers, state).await
    }
}

impl FromRequestParts<AppState> for AdminAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(t) = presented_token(&parts.headers)? {
            return from_bearer(state, t).await.map(AdminAuth);
        }
        let Some(session) = super::session::load(parts, state).await? else {
            return Err(ApiError::no_token());
        };
        let principal = Principal::from_session(&session);
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .map(|v| v.as_bytes())
                .unwrap_or_default();
            if !bool::from(sent.ct_eq(session.session.csrf_token.as_bytes())) {
                return Err(ApiError::csrf());
            }
        }
        Ok(AdminAuth(principal))
    }
}

/// The peer address, for per-address throttles. (Behind a proxy this is the
/// proxy: see README.)
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
        Ok(ClientIp(ip))
    }
}
