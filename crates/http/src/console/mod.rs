//! Server-rendered console pages. Every form carries a CSRF token; pages with
//! forms also expose it in `<meta name="csrf-token">` for scripts.

mod account;
mod audit;
mod auth;
pub(crate) mod confirm;
mod connected_apps;
pub(crate) mod flash;
pub(crate) mod form;
pub(crate) mod format;
mod oauth_app_page;
mod oauth_apps;
mod private_app_edit;
mod private_apps;
mod reset_password;
pub(crate) mod reveal;
mod settings;
pub(crate) mod shell;
mod users;
mod webhooks;

use crate::error::PageError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use subtle::ConstantTimeEq;
use switchboard_core::session::ActiveSession;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/settings") }))
        .route("/static/console.css", get(stylesheet))
        .route("/static/console.js", get(script))
        .merge(auth::router())
        .merge(settings::router())
        .merge(private_apps::router())
        .merge(private_app_edit::router())
        .merge(oauth_apps::router())
        .merge(oauth_app_page::router())
        .merge(connected_apps::router())
        .merge(users::router())
        .merge(audit::router())
        .merge(webhooks::router())
        .merge(account::router())
        .merge(reset_password::router())
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

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/console.js"),
    )
}

/// Around every response: an HTML error page for a signed-in user gets the
/// settings layout (header, navigation, Sign out), and a shown flash
/// message's cookie is cleared (see `flash`).
pub(crate) async fn frame(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    let mut res = next.run(req).await;
    if let Some(err) = res.extensions_mut().remove::<PageError>() {
        if let Some(framed) = framed_error(&state, &headers, &err).await {
            let mut framed = framed;
            for (k, v) in res.headers() {
                if k != header::CONTENT_LENGTH && k != header::CONTENT_TYPE {
                    framed.headers_mut().append(k, v.clone());
                }
            }
            res = framed;
        }
    }
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if html && !res.status().is_redirection() && flash::present(&headers, &state) {
        if let Some(v) = flash::clear(&state) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct FramedError {
    shell: shell::Shell,
    status: u16,
    heading: &'static str,
    message: String,
}

/// The error page inside the layout, when the request has a session.
async fn framed_error(state: &AppState, headers: &HeaderMap, err: &PageError) -> Option<Response> {
    let mut req = Request::new(());
    *req.headers_mut() = headers.clone();
    let (mut parts, ()) = req.into_parts();
    let crate::extract::MaybeSession(Some(s)) =
        <crate::extract::MaybeSession as axum::extract::FromRequestParts<AppState>>::from_request_parts(
            &mut parts, state,
        )
        .await
        .ok()?
    else {
        return None;
    };
    let heading = match err.status {
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::FORBIDDEN => "Not allowed",
        s if s.is_client_error() => "This did not work",
        _ => "Something went wrong",
    };
    let page = FramedError {
        shell: shell::Shell::new(&s, shell::Section::Home, None),
        status: err.status.as_u16(),
        heading,
        message: err.message.clone(),
    };
    let html = page.render().ok()?;
    Some((err.status, Html(html)).into_response())
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
