//! Password reset links. An admin asks for one on the Users page; the link
//! is shown once (it rides a sealed, session-bound cookie across the
//! redirect, and the page that shows it clears that cookie, so a reload shows
//! "already shown"). The user opens `/reset-password/{secret}`, sets a
//! password, and every session of theirs ends. Used or expired links are refused.

use super::shell::{Console, Section, Shell};
use super::{check_form, csrf_matches, same_origin};
use crate::error::PageError;
use crate::extract::{csrf_cookie, CsrfCookie};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::CookieJar;
use axum_extra::extract::Form;
use cookie::{Cookie, SameSite};
use serde::Deserialize;
use switchboard_core::account::NewPassword;
use switchboard_core::password_reset::ResetLink;
use switchboard_core::session::ActiveSession;
use switchboard_core::token::random_secret;
use switchboard_core::Error;

const REVEAL_COOKIE: &str = "swb_reveal";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/users/{id}/reset-password", post(create))
        .route("/settings/users/{id}/reset-link", get(reveal))
        .route(
            "/reset-password/{secret}",
            get(form_page).post(set_password),
        )
}

fn reveal_name(state: &AppState) -> String {
    if state.config.https() {
        format!("__Host-{REVEAL_COOKIE}")
    } else {
        REVEAL_COOKIE.to_owned()
    }
}

fn reveal_cookie(state: &AppState, value: String, max_age: i64) -> Option<HeaderValue> {
    let c = Cookie::build((reveal_name(state), value))
        .path("/settings/users")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.https())
        .max_age(cookie::time::Duration::seconds(max_age))
        .build();
    HeaderValue::from_str(&c.to_string()).ok()
}

/// Bound to the session and the user, so a cookie cannot be replayed elsewhere.
fn context(s: &ActiveSession, user_id: &str) -> String {
    format!("reset-link:{}:{user_id}", s.session.csrf_token)
}

#[derive(Deserialize)]
struct PlainForm {
    #[serde(default)]
    csrf_token: String,
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    c: Console,
    Path(id): Path<String>,
    Form(form): Form<PlainForm>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    check_form(&headers, &state, &c.s, &form.csrf_token)?;
    let link = state
        .services
        .create_password_reset(&c.s.account.id, &c.actor(), &id)
        .await?;
    show_link(&state, &c.s, &link)
}

/// Redirect to the page that shows `link` once (users::create uses it too).
pub(super) fn show_link(
    state: &AppState,
    s: &ActiveSession,
    link: &ResetLink,
) -> Result<Response, PageError> {
    let url = format!(
        "{}/reset-password/{}",
        state.config.issuer.trim_end_matches('/'),
        link.secret
    );
    let key = state
        .services
        .server_key
        .as_ref()
        .ok_or_else(|| Error::internal("no server key to seal the reset link"))?;
    let sealed = key
        .seal(&url, &context(s, &link.user.id))
        .map_err(|e| Error::internal(format!("sealing the reset link: {e}")))?;
    let to = format!("/settings/users/{}/reset-link", link.user.id);
    let mut res = Redirect::to(&to).into_response();
    if let Some(v) = reveal_cookie(state, sealed, 120) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "console/reset_link.html")]
struct LinkPage {
    shell: Shell,
    user_name: String,
    user_email: String,
    link: Option<String>,
    hours: i64,
    user_id: String,
}

async fn reveal(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut c: Console,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    let user = state.services.get_user(&c.s.account.id, &id).await?;
    let link = CookieJar::from_headers(&headers)
        .get(&reveal_name(&state))
        .map(|k| k.value().to_owned())
        .and_then(|sealed| {
            let key = state.services.server_key.as_ref()?;
            key.open(&sealed, &context(&c.s, &user.id)).ok()
        });
    let page = LinkPage {
        shell: c.shell(Section::Users),
        user_name: user.name,
        user_email: user.email,
        link,
        hours: switchboard_core::password_reset::RESET_LIFETIME_HOURS,
        user_id: user.id,
    };
    let mut res = Html(page.render()?).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(v) = reveal_cookie(&state, String::new(), 0) {
        h.append(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Template, Default)]
#[template(path = "console/reset_password.html")]
struct ResetPage {
    csrf_token: String,
    /// `None`: the link cannot be used (any more).
    email: Option<String>,
    done: bool,
    new_error: Option<String>,
    confirm_error: Option<String>,
}

/// A page of the public flow: never cached (the URL holds a secret), and no
/// Referer leaves it.
fn public(
    state: &AppState,
    status: StatusCode,
    page: ResetPage,
    fresh_csrf: Option<String>,
) -> Result<Response, PageError> {
    let mut res = (status, Html(page.render()?)).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Some(v) = fresh_csrf.and_then(|c| HeaderValue::from_str(&csrf_cookie(state, c)).ok()) {
        h.append(header::SET_COOKIE, v);
    }
    Ok(res)
}

fn refused(state: &AppState) -> Result<Response, PageError> {
    public(state, StatusCode::NOT_FOUND, ResetPage::default(), None)
}

async fn form_page(
    State(state): State<AppState>,
    CsrfCookie(cookie): CsrfCookie,
    Path(secret): Path<String>,
) -> Result<Response, PageError> {
    let user = match state.services.password_reset_user(&secret).await {
        Ok(u) => u,
        Err(Error::NotFound(_)) => return refused(&state),
        Err(e) => return Err(e.into()),
    };
    let (csrf_token, fresh) = match cookie {
        Some(c) => (c, None),
        None => {
            let f = random_secret();
            (f.clone(), Some(f))
        }
    };
    let page = ResetPage {
        csrf_token,
        email: Some(user.email),
        ..ResetPage::default()
    };
    public(&state, StatusCode::OK, page, fresh)
}

#[derive(Deserialize)]
struct SetForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn set_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfCookie(cookie): CsrfCookie,
    Path(secret): Path<String>,
    Form(form): Form<SetForm>,
) -> Result<Response, PageError> {
    let expected = cookie.clone().unwrap_or_default();
    if !same_origin(&headers, &state) || !csrf_matches(&form.csrf_token, &expected) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "The form has expired or did not come from this site (CSRF check failed). Reload the page and try again.",
        ));
    }
    let user = match state.services.password_reset_user(&secret).await {
        Ok(u) => u,
        Err(Error::NotFound(_)) => return refused(&state),
        Err(e) => return Err(e.into()),
    };
    let mut page = ResetPage {
        csrf_token: expected,
        email: Some(user.email),
        ..ResetPage::default()
    };
    if form.new_password != form.confirm_password {
        page.confirm_error = Some("The two passwords do not match.".into());
    }
    let password = match NewPassword::parse("new_password", form.new_password) {
        Ok(p) if page.confirm_error.is_none() => p,
        Ok(_) => return public(&state, StatusCode::BAD_REQUEST, page, None),
        Err(Error::Invalid { message, .. }) => {
            page.new_error = Some(format!("The password {message}."));
            return public(&state, StatusCode::BAD_REQUEST, page, None);
        }
        Err(e) => return Err(e.into()),
    };
    match state
        .services
        .redeem_password_reset(&secret, password)
        .await
    {
        Ok(_) => {
            page.done = true;
            public(&state, StatusCode::OK, page, None)
        }
        Err(Error::NotFound(_)) => refused(&state),
        Err(e) => Err(e.into()),
    }
}
