//! Server-rendered console pages. Every form carries a CSRF token; pages with
//! forms also expose it in `<meta name="csrf-token">` for scripts.

mod auth;
mod connected_apps;
mod oauth_apps;
mod private_apps;
mod settings;

use crate::error::PageError;
use crate::state::AppState;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use subtle::ConstantTimeEq;
use switchboard_core::account::Role;
use switchboard_core::session::ActiveSession;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/settings") }))
        .route("/static/console.css", get(stylesheet))
        .merge(auth::router())
        .merge(settings::router())
        .merge(private_apps::router())
        .merge(oauth_apps::router())
        .merge(connected_apps::router())
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/console.css"),
    )
}

/// Pages that only account admins may use.
fn admin_only(s: &ActiveSession) -> Result<(), PageError> {
    if s.user.role == Role::Admin {
        Ok(())
    } else {
        Err(PageError::new(
            StatusCode::FORBIDDEN,
            "Only account admins can manage apps.",
        ))
    }
}

/// A signed-in form post: same origin (when the browser says) and the
/// session's CSRF token.
pub(crate) fn check_form(
    headers: &HeaderMap,
    state: &AppState,
    s: &ActiveSession,
    token: &str,
) -> Result<(), PageError> {
    if same_origin(headers, state) && csrf_matches(token, &s.session.csrf_token) {
        Ok(())
    } else {
        Err(PageError::new(
            StatusCode::FORBIDDEN,
            "The form has expired or did not come from this site (CSRF check failed).",
        ))
    }
}

/// Constant-time comparison of a submitted CSRF token with the expected one.
fn csrf_matches(submitted: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(submitted.as_bytes().ct_eq(expected.as_bytes()))
}

/// Browsers send `Origin` on form posts; when it names a site, it must be
/// this one. An absent `Origin`, or `null` (what Chrome sends from our pages,
/// which carry `Referrer-Policy: no-referrer`), proves nothing either way:
/// the CSRF token still has to match.
fn same_origin(headers: &HeaderMap, state: &AppState) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin == "null" {
        return true;
    }
    if origin == state.config.issuer_origin() {
        return true;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let scheme = if state.config.https() {
        "https"
    } else {
        "http"
    };
    !host.is_empty() && origin == format!("{scheme}://{host}")
}

/// `next` must be a same-origin relative path: `/x`, never `//host`, `/\host`
/// or anything with a scheme.
fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && next.len() <= 2048;
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(
            safe_next("/settings/private-apps?x=1"),
            Some("/settings/private-apps?x=1")
        );
        for bad in [
            "",
            "settings",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "/a\\b",
            "/\tx",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
    }
}
