//! `POST /token`, `/revoke`, `/introspect` (SPEC S5.3–S5.5).

use super::client::{client_auth, OAuthForm};
use super::{no_store, oauth_error, BASE};
use crate::error::{ApiError, ErrorCode};
use crate::extract::TokenAuth;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;
use switchboard_core::oauth::token_endpoint::{Introspector, TokenRequest};
use switchboard_core::oauth::{OAuthApp, OAuthError};
use switchboard_core::principal::Actor;
use switchboard_core::scope::Scope;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/token"), post(token))
        .route(&format!("{BASE}/revoke"), post(revoke))
        .route(&format!("{BASE}/introspect"), post(introspect))
}

/// The authenticated client, and whether it used HTTP Basic; or the error
/// response to send.
async fn authenticated_client(
    s: &AppState,
    headers: &HeaderMap,
    form: &OAuthForm,
) -> Result<(OAuthApp, bool), Response> {
    let mut buf = None;
    let (auth, basic) = client_auth(headers, form, &mut buf)?;
    match s.services.authenticate_client(&auth).await {
        Ok(app) => Ok((app, basic)),
        Err(e) => Err(oauth_error(&e, basic)),
    }
}

/// RFC 6749 §5.1: an access token, and a refresh token when one is issued.
#[derive(Serialize, ToSchema)]
pub(crate) struct TokenResponse {
    /// `swb_at_…`
    #[schema(pattern = "^swb_at_[0-9A-Za-z]{49}$")]
    access_token: String,
    token_type: crate::schemas::Bearer,
    /// The granted scopes, space-separated.
    scope: String,
    /// Seconds until the access token expires; absent for tokens that never do.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    expires_in: Option<i64>,
    /// `swb_rt_…`, when the access token expires or `offline_access` was granted.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^swb_rt_[0-9A-Za-z]{49}$")]
    refresh_token: Option<String>,
}

/// The token endpoint's form (RFC 6749 §4.1.3, §4.4.2, §6). Parameters
/// it does not know are ignored; each may appear once.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct TokenForm {
    #[schema(value_type = crate::schemas::GrantType)]
    grant_type: String,
    /// `authorization_code`: the code from the redirect.
    code: Option<String>,
    /// `authorization_code`: the redirect URI used at authorize (alias `redirect_url`).
    redirect_uri: Option<String>,
    redirect_url: Option<String>,
    /// `authorization_code`: the PKCE verifier, when a challenge was sent.
    code_verifier: Option<String>,
    /// `refresh_token`: the refresh token.
    refresh_token: Option<String>,
    /// `refresh_token` (narrower only) and `client_credentials`: space-separated scopes.
    scope: Option<String>,
    /// `client_secret_post` and public clients.
    client_id: Option<String>,
    /// `client_secret_post`.
    client_secret: Option<String>,
}

/// RFC 7009 revocation (and the client authentication every endpoint here takes).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct RevokeForm {
    token: String,
    /// `access_token` or `refresh_token`; a hint only.
    token_type_hint: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// RFC 7662 §2.2: `{"active": false}` for anything that is not a valid token
/// this caller may see; the other fields only when active.
#[derive(Serialize, ToSchema, Default)]
pub(crate) struct Introspection {
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    /// The user's email; absent for tokens that act as the app itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<String>,
    /// Epoch seconds; absent for tokens that never expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
    /// Epoch seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    iat: Option<i64>,
    /// `Bearer` for access tokens, `refresh_token` for refresh tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::schemas::IntrospectedType>)]
    token_type: Option<&'static str>,
    /// The issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
}

/// A 401 of introspection: the client failed to authenticate (RFC 6749 §5.2),
/// or a Bearer token was not valid (the API envelope, SPEC S7).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
#[serde(untagged)]
pub(crate) enum IntrospectUnauthorized {
    Client(super::OAuthErrorBody),
    Bearer(crate::error::Envelope),
}

/// The token endpoint: exchange a code, a refresh token or the client's own
/// credentials for tokens.
#[utoipa::path(
    post,
    path = "/services/oauth2/v1/token",
    operation_id = "token",
    tag = "oauth",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Tokens.", body = TokenResponse, headers(
            ("Cache-Control" = String, description = "`no-store`."),
            ("Pragma" = String, description = "`no-cache`."))),
        (status = 400, description = "`invalid_request`, `invalid_grant`, `unauthorized_client`, \
            `unsupported_grant_type` or `invalid_scope`.", body = super::OAuthErrorBody),
        (status = 401, description = "`invalid_client`.", body = super::OAuthErrorBody, headers(
            ("WWW-Authenticate" = String, description = "`Basic realm=\"switchboard\"` when the client used HTTP Basic."))),
    ),
    security(("clientBasic" = []), ())
)]
pub(crate) async fn token(
    State(s): State<AppState>,
    headers: HeaderMap,
    form: OAuthForm,
) -> Response {
    let (app, basic) = match authenticated_client(&s, &headers, &form).await {
        Ok(found) => found,
        Err(res) => return res,
    };
    let req = match token_request(&form) {
        Ok(req) => req,
        Err(e) => return oauth_error(&e, basic),
    };
    match s.services.token(&app, &req).await {
        Ok(t) => no_store(Json(TokenResponse {
            access_token: t.access_token.expose().to_owned(),
            token_type: crate::schemas::Bearer::Bearer,
            scope: t.scopes.to_spaced(),
            expires_in: t.expires_in,
            refresh_token: t.refresh_token.as_ref().map(|r| r.expose().to_owned()),
        })),
        Err(e) => oauth_error(&e, basic),
    }
}

/// The token endpoint's parameters from its form: empty values count as
/// absent, and `redirect_url` is an alias of `redirect_uri` (not both).
pub fn token_request(form: &OAuthForm) -> Result<TokenRequest<'_>, OAuthError> {
    if form.get("redirect_uri").is_some() && form.get("redirect_url").is_some() {
        return Err(OAuthError::invalid_request(
            "send redirect_uri or redirect_url, not both",
        ));
    }
    Ok(TokenRequest {
        grant_type: form.get("grant_type"),
        code: form.get("code"),
        redirect_uri: form.get("redirect_uri").or(form.get("redirect_url")),
        code_verifier: form.get("code_verifier"),
        refresh_token: form.get("refresh_token"),
        scope: form.get("scope"),
    })
}

/// RFC 7009: revoke a token issued to this client (revoking a refresh token
/// revokes its grant). Unknown tokens and other clients' tokens get 200 too.
#[utoipa::path(
    post,
    path = "/services/oauth2/v1/revoke",
    operation_id = "revoke",
    tag = "oauth",
    request_body(content = RevokeForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Done (or there was nothing to do).", headers(
            ("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, description = "`invalid_request`.", body = super::OAuthErrorBody),
        (status = 401, description = "`invalid_client`.", body = super::OAuthErrorBody, headers(
            ("WWW-Authenticate" = String, description = "`Basic realm=\"switchboard\"` when the client used HTTP Basic."))),
    ),
    security(("clientBasic" = []), ())
)]
pub(crate) async fn revoke(
    State(s): State<AppState>,
    headers: HeaderMap,
    form: OAuthForm,
) -> Response {
    let (app, basic) = match authenticated_client(&s, &headers, &form).await {
        Ok(found) => found,
        Err(res) => return res,
    };
    let Some(token) = form.get("token") else {
        return oauth_error(
            &OAuthError::invalid_request("the token parameter is missing"),
            basic,
        );
    };
    match s.services.revoke_oauth_token(&app, token).await {
        Ok(()) => no_store(StatusCode::OK),
        Err(e) => oauth_error(&e, basic),
    }
}

/// RFC 7662 introspection: client-authenticated (the client's own tokens), or
/// with a Private App token with `admin.read` (the account's tokens).
#[utoipa::path(
    post,
    path = "/services/oauth2/v1/introspect",
    operation_id = "introspect",
    tag = "oauth",
    request_body(content = RevokeForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "What the token is.", body = Introspection, headers(
            ("Cache-Control" = String, description = "`no-store`."))),
        (status = 400, description = "`invalid_request`.", body = super::OAuthErrorBody),
        (status = 401, description = "`invalid_client`, or (with a Bearer token) S7's \
            `invalid_token`.", body = IntrospectUnauthorized, headers(
            ("WWW-Authenticate" = String, description = "`Basic realm=\"switchboard\"` when the \
                client used HTTP Basic; RFC 6750's Bearer challenge for a bad Bearer token."))),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("clientBasic" = []), ("bearer" = ["admin.read"]), ())
)]
pub(crate) async fn introspect(
    State(s): State<AppState>,
    headers: HeaderMap,
    form: OAuthForm,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer "));
    let account = if bearer {
        match TokenAuth::from_headers(&headers, &s).await {
            Ok(TokenAuth(p)) if !matches!(p.actor, Actor::PrivateApp { .. }) => {
                return ApiError::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::Forbidden,
                    "introspection takes a Private App token with admin.read, or client authentication",
                )
                .into_response()
            }
            Ok(TokenAuth(p)) => match p.require(Scope::AdminRead) {
                Ok(()) => Some(p.account_id),
                Err(e) => return ApiError::from(e).into_response(),
            },
            Err(e) => return e.into_response(),
        }
    } else {
        None
    };
    let Some(token) = form.get("token") else {
        return oauth_error(
            &OAuthError::invalid_request("the token parameter is missing"),
            false,
        );
    };
    let found = match &account {
        Some(account_id) => {
            s.services
                .introspect(Introspector::Account(account_id), token)
                .await
        }
        None => {
            let app = match authenticated_client(&s, &headers, &form).await {
                Ok((app, _)) => app,
                Err(res) => return res,
            };
            s.services
                .introspect(Introspector::Client(&app), token)
                .await
        }
    };
    let body = match found {
        Ok(None) => Introspection::default(),
        Ok(Some(i)) => Introspection {
            active: true,
            scope: Some(i.scopes.to_spaced()),
            client_id: Some(i.client_id),
            username: i.username,
            sub: Some(i.sub),
            exp: i.exp.map(|t| t.timestamp()),
            iat: Some(i.iat.timestamp()),
            token_type: Some(if i.is_refresh {
                "refresh_token"
            } else {
                "Bearer"
            }),
            iss: Some(s.config.issuer.clone()),
        },
        Err(e) => return oauth_error(&e, false),
    };
    no_store(Json(body))
}
