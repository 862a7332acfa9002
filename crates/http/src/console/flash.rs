//! One-shot messages carried across a POST/redirect/GET ("Private App
//! deleted."). The message rides in a short-lived cookie, sealed with the
//! server key (AES-256-GCM, `secret_box`) and bound to the session's CSRF
//! token, so nobody can plant text in someone else's console and it works
//! on any node. The next console page shows it (via [`super::Console`] and
//! `Shell`); the console middleware clears the cookie on the first HTML
//! page that is not a redirect.
//!
//! Use, at the end of a successful (or failed) form post:
//!
//! ```ignore
//! Ok(flash::redirect(&state, &c.s, "/settings/users", Flash::success("User added.")))
//! ```

use crate::state::AppState;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use cookie::{Cookie, SameSite};
use switchboard_core::session::ActiveSession;

const COOKIE: &str = "swb_flash";
/// Long enough to follow a redirect, short enough never to surprise.
const MAX_AGE_SECS: i64 = 60;
const MAX_TEXT: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlashKind {
    Success,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flash {
    pub kind: FlashKind,
    pub text: String,
}

impl Flash {
    pub(crate) fn success(text: impl Into<String>) -> Flash {
        Flash {
            kind: FlashKind::Success,
            text: text.into(),
        }
    }

    pub(crate) fn error(text: impl Into<String>) -> Flash {
        Flash {
            kind: FlashKind::Error,
            text: text.into(),
        }
    }

    /// For the template: `success` or `error` (also the CSS class).
    pub(crate) fn kind(&self) -> &'static str {
        match self.kind {
            FlashKind::Success => "success",
            FlashKind::Error => "error",
        }
    }

    /// Errors interrupt (`alert`); confirmations are announced politely.
    pub(crate) fn role(&self) -> &'static str {
        match self.kind {
            FlashKind::Success => "status",
            FlashKind::Error => "alert",
        }
    }
}

fn cookie_name(state: &AppState) -> String {
    if state.config.https() {
        format!("__Host-{COOKIE}")
    } else {
        COOKIE.to_owned()
    }
}

fn context(s: &ActiveSession) -> String {
    format!("flash:{}", s.session.csrf_token)
}

fn build(state: &AppState, value: String, max_age: i64) -> Option<HeaderValue> {
    let c = Cookie::build((cookie_name(state), value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.https())
        .max_age(cookie::time::Duration::seconds(max_age))
        .build();
    HeaderValue::from_str(&c.to_string()).ok()
}

/// `303 See Other` to `to`, carrying `flash` to the page there.
pub(crate) fn redirect(state: &AppState, s: &ActiveSession, to: &str, flash: Flash) -> Response {
    let mut res = Redirect::to(to).into_response();
    if let Some(v) = set_cookie(state, s, &flash) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The `Set-Cookie` value carrying `flash` (None if it cannot be sealed:
/// the message is then lost, never the action).
pub(crate) fn set_cookie(
    state: &AppState,
    s: &ActiveSession,
    flash: &Flash,
) -> Option<HeaderValue> {
    let key = state.services.server_key.as_ref()?;
    let mut text: String = flash.text.chars().take(MAX_TEXT).collect();
    text.insert_str(
        0,
        if flash.kind == FlashKind::Error {
            "e:"
        } else {
            "s:"
        },
    );
    let sealed = key.seal(&text, &context(s)).ok()?;
    build(state, sealed, MAX_AGE_SECS)
}

/// The flash this request carries for this session, if any.
pub(crate) fn read(headers: &HeaderMap, state: &AppState, s: &ActiveSession) -> Option<Flash> {
    let jar = CookieJar::from_headers(headers);
    let sealed = jar.get(&cookie_name(state))?.value().to_owned();
    let key = state.services.server_key.as_ref()?;
    let text = key.open(&sealed, &context(s)).ok()?;
    match text.split_once(':') {
        Some(("s", t)) => Some(Flash::success(t)),
        Some(("e", t)) => Some(Flash::error(t)),
        _ => None,
    }
}

/// Whether the request carries a flash cookie (sealed or not).
pub(crate) fn present(headers: &HeaderMap, state: &AppState) -> bool {
    CookieJar::from_headers(headers)
        .get(&cookie_name(state))
        .is_some_and(|c| !c.value().is_empty())
}

/// The `Set-Cookie` value that removes the flash once it has been shown.
pub(crate) fn clear(state: &AppState) -> Option<HeaderValue> {
    build(state, String::new(), 0)
}
