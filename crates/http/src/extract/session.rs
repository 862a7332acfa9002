//! Console sessions and the pre-session CSRF cookie.

use crate::error::PageError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use cookie::{Cookie, SameSite};
use switchboard_core::session::{ActiveSession, ABSOLUTE_TIMEOUT_DAYS};

const SESSION_COOKIE: &str = "swb_session";
pub const CSRF_COOKIE: &str = "swb_csrf";

/// `__Host-` prefixed over https: the cookie is then bound to this host and path `/`.
fn cookie_name(base: &str, https: bool) -> String {
    if https {
        format!("__Host-{base}")
    } else {
        base.to_owned()
    }
}

fn build_cookie(name: String, value: String, https: bool, max_age_secs: i64) -> String {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(https)
        .max_age(cookie_max_age(max_age_secs))
        .build()
        .to_string()
}

fn cookie_max_age(secs: i64) -> cookie::time::Duration {
    cookie::time::Duration::seconds(secs)
}

/// `Set-Cookie` value for a new session.
pub fn session_cookie(state: &AppState, id: String) -> String {
    let https = state.config.https();
    build_cookie(
        cookie_name(SESSION_COOKIE, https),
        id,
        https,
        ABSOLUTE_TIMEOUT_DAYS * 86_400,
    )
}

/// `Set-Cookie` value that deletes a cookie.
pub fn clear_cookie(state: &AppState, base: &str) -> String {
    let https = state.config.https();
    build_cookie(cookie_name(base, https), String::new(), https, 0)
}

pub(super) async fn load(
    parts: &Parts,
    state: &AppState,
) -> Result<Option<ActiveSession>, switchboard_core::Error> {
    let jar = CookieJar::from_headers(&parts.headers);
    match jar.get(&cookie_name(SESSION_COOKIE, state.config.https())) {
        Some(c) if !c.value().is_empty() => state.services.resolve_session(c.value()).await,
        _ => Ok(None),
    }
}

/// The signed-in session, if any.
pub struct MaybeSession(pub Option<ActiveSession>);

impl FromRequestParts<AppState> for MaybeSession {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        Ok(MaybeSession(load(parts, state).await?))
    }
}

/// A console page that needs a session: without one, `303` to the login page
/// with `next` set to this path.
pub struct RequireSession(pub ActiveSession);

impl FromRequestParts<AppState> for RequireSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match load(parts, state).await {
            Ok(Some(s)) => Ok(RequireSession(s)),
            Ok(None) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map_or("/settings", |p| p.as_str());
                let target = format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                Err(Redirect::to(&target).into_response())
            }
            Err(e) => Err(PageError::from(e).into_response()),
        }
    }
}

/// The double-submit CSRF cookie used by forms shown before sign-in
/// (login, sign-up). `None` when the browser has not got one yet.
pub struct CsrfCookie(pub Option<String>);

impl FromRequestParts<AppState> for CsrfCookie {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let value = jar
            .get(&cookie_name(CSRF_COOKIE, state.config.https()))
            .map(|c| c.value().to_owned())
            .filter(|v| !v.is_empty());
        Ok(CsrfCookie(value))
    }
}

/// `Set-Cookie` for a new pre-session CSRF cookie (lives for a day).
pub fn csrf_cookie(state: &AppState, value: String) -> String {
    let https = state.config.https();
    build_cookie(cookie_name(CSRF_COOKIE, https), value, https, 86_400)
}
