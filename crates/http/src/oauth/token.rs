//! `POST /token`, `/revoke`, `/introspect` (SPEC S5.3–S5.5).

use super::client::{client_auth, OAuthForm};
use super::{no_store, oauth_error, BASE};
use crate::error::ApiError;
use crate::extract::TokenAuth;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use switchboard_core::oauth::token_endpoint::{Introspector, TokenRequest};
use switchboard_core::oauth::{OAuthApp, OAuthError};
use switchboard_core::principal::Actor;
use switchboard_core::scope::Scope;

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

async fn token(State(s): State<AppState>, headers: HeaderMap, form: OAuthForm) -> Response {
    let (app, basic) = match authenticated_client(&s, &headers, &form).await {
        Ok(found) => found,
        Err(res) => return res,
    };
    let req = TokenRequest {
        grant_type: form.get("grant_type"),
        code: form.get("code"),
        redirect_uri: form.get("redirect_uri").or(form.get("redirect_url")),
        code_verifier: form.get("code_verifier"),
        refresh_token: form.get("refresh_token"),
        scope: form.get("scope"),
    };
    if form.get("redirect_uri").is_some() && form.get("redirect_url").is_some() {
        return oauth_error(
            &OAuthError::invalid_request("send redirect_uri or redirect_url, not both"),
            basic,
        );
    }
    match s.services.token(&app, &req).await {
        Ok(t) => {
            let mut body = json!({
                "access_token": t.access_token.expose(),
                "token_type": "Bearer",
                "scope": t.scopes.to_spaced(),
            });
            if let Some(secs) = t.expires_in {
                body["expires_in"] = json!(secs);
            }
            if let Some(r) = &t.refresh_token {
                body["refresh_token"] = json!(r.expose());
            }
            no_store(Json(body))
        }
        Err(e) => oauth_error(&e, basic),
    }
}

async fn revoke(State(s): State<AppState>, headers: HeaderMap, form: OAuthForm) -> Response {
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

/// Client-authenticated, or a Bearer Private App token with `admin.read`.
async fn introspect(State(s): State<AppState>, headers: HeaderMap, form: OAuthForm) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer "));
    let account = if bearer {
        match TokenAuth::from_headers(&headers, &s).await {
            Ok(TokenAuth(p)) if !matches!(p.actor, Actor::PrivateApp { .. }) => {
                return ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
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
    let body: Value = match found {
        Ok(None) => json!({"active": false}),
        Ok(Some(i)) => {
            let mut body = json!({
                "active": true,
                "scope": i.scopes.to_spaced(),
                "client_id": i.client_id,
                "sub": i.sub,
                "iat": i.iat.timestamp(),
                "token_type": if i.is_refresh { "refresh_token" } else { "Bearer" },
                "iss": s.config.issuer,
            });
            if let Some(u) = i.username {
                body["username"] = json!(u);
            }
            if let Some(exp) = i.exp {
                body["exp"] = json!(exp.timestamp());
            }
            body
        }
        Err(e) => return oauth_error(&e, false),
    };
    no_store(Json(body))
}
