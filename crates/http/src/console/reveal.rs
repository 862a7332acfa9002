//! The one-time view of a new Private App token, after POST/redirect/GET.
//!
//! The create or rotate answer is a `303` to `/settings/private-apps/{id}/token`
//! carrying the token in a cookie sealed with the server key (AES-256-GCM,
//! bound to the session's CSRF token and the app id), HttpOnly, path-scoped
//! to that page and alive for 5 minutes. That page shows it once and clears
//! the cookie; a reload finds no cookie and says "already shown". Works on any
//! node (no node-local memory); the token is never in a URL, a log or the
//! database. Weaker than a server-side row deleted on first view in one way:
//! someone holding both the session and a copy of that cookie could replay
//! it within the 5 minutes.

use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue};
use axum_extra::extract::cookie::CookieJar;
use cookie::{Cookie, SameSite};
use secrecy::{ExposeSecret, SecretString};
use switchboard_core::session::ActiveSession;
use switchboard_core::token::PlainToken;

const COOKIE: &str = "swb_reveal";
const MAX_AGE_SECS: i64 = 300;

fn cookie_name(state: &AppState) -> String {
    if state.config.https() {
        format!("__Host-{COOKIE}")
    } else {
        COOKIE.to_owned()
    }
}

fn context(s: &ActiveSession, app_id: &str) -> String {
    format!("reveal:{}:{app_id}", s.session.csrf_token)
}

/// The page that shows the token.
pub(crate) fn page(app_id: &str) -> String {
    format!("/settings/private-apps/{app_id}/token")
}

fn build(state: &AppState, value: String, max_age: i64) -> Option<HeaderValue> {
    // `__Host-` cookies must have Path=/; over plain http the cookie is
    // scoped to the Private Apps pages.
    let path = if state.config.https() {
        "/"
    } else {
        "/settings/private-apps"
    };
    let c = Cookie::build((cookie_name(state), value))
        .path(path)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.https())
        .max_age(cookie::time::Duration::seconds(max_age))
        .build();
    HeaderValue::from_str(&c.to_string()).ok()
}

/// `Set-Cookie` carrying `token` to the reveal page.
pub(crate) fn set(
    state: &AppState,
    s: &ActiveSession,
    app_id: &str,
    token: &PlainToken,
) -> Option<HeaderValue> {
    let key = state.services.server_key.as_ref()?;
    let sealed = key.seal(token.expose(), &context(s, app_id)).ok()?;
    build(state, sealed, MAX_AGE_SECS)
}

/// The token this request carries for `app_id`, if it has not been shown.
pub(crate) fn take(
    headers: &HeaderMap,
    state: &AppState,
    s: &ActiveSession,
    app_id: &str,
) -> Option<SecretString> {
    let jar = CookieJar::from_headers(headers);
    let sealed = jar.get(&cookie_name(state))?.value().to_owned();
    let key = state.services.server_key.as_ref()?;
    let token = key.open(&sealed, &context(s, app_id)).ok()?;
    Some(SecretString::from(token))
}

/// `Set-Cookie` that ends the reveal (sent with the page that shows it).
pub(crate) fn clear(state: &AppState) -> Option<HeaderValue> {
    build(state, String::new(), 0)
}

/// The token text for the template.
pub(crate) fn expose(token: &SecretString) -> String {
    token.expose_secret().to_owned()
}
