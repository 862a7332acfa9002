//! Sign-up, sign-in and sign-out forms.

use super::{csrf_matches, safe_next, same_origin};
use crate::error::PageError;
use crate::extract::{
    clear_cookie, csrf_cookie, session_cookie, ClientIp, CsrfCookie, MaybeSession, CSRF_COOKIE,
};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use secrecy::SecretString;
use serde::Deserialize;
use switchboard_core::account::{parse_name, Email, NewPassword, SignUp};
use switchboard_core::token::random_secret;
use switchboard_core::Error;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_page).post(signup))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

#[derive(Template, Default)]
#[template(path = "console/signup.html")]
struct SignupPage {
    csrf_token: String,
    error: Option<String>,
    company: String,
    name: String,
    email: String,
}

#[derive(Template, Default)]
#[template(path = "console/login.html")]
struct LoginPage {
    csrf_token: String,
    error: Option<String>,
    next: String,
    email: String,
    /// The OAuth app this sign-in continues to, if any: (name, logo URL).
    signing_in_for: Option<(String, Option<String>)>,
}

/// The app behind an authorization request waiting in `next`, so the sign-in
/// page can say whom the user signs in for.
async fn oauth_app_of(state: &AppState, next: &str) -> Option<(String, Option<String>)> {
    let query = next.strip_prefix("/services/oauth2/v1/authorize?")?;
    let client_id = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "client_id")?
        .1
        .into_owned();
    let (app, _) = state
        .services
        .store
        .find_oauth_app_by_client_id(&client_id)
        .await
        .ok()??;
    Some((app.name, app.logo_id.map(|l| format!("/logos/{l}"))))
}

/// Render a pre-session form, issuing the CSRF cookie if the browser lacks one.
fn render_form<T: Template>(
    state: &AppState,
    status: StatusCode,
    page: T,
    new_csrf: Option<String>,
    extra: Option<(header::HeaderName, HeaderValue)>,
) -> Result<Response, PageError> {
    let mut res = (status, Html(page.render()?)).into_response();
    if let Some(v) = new_csrf.and_then(|c| HeaderValue::from_str(&csrf_cookie(state, c)).ok()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    if let Some((k, v)) = extra {
        res.headers_mut().insert(k, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// The token for a pre-session form: the cookie's, or a fresh one to set.
fn form_csrf(cookie: Option<String>) -> (String, Option<String>) {
    match cookie {
        Some(c) => (c, None),
        None => {
            let fresh = random_secret();
            (fresh.clone(), Some(fresh))
        }
    }
}

fn csrf_rejected() -> PageError {
    PageError::new(
        StatusCode::FORBIDDEN,
        "The form has expired or did not come from this site (CSRF check failed). Reload the page and try again.",
    )
}

async fn signup_page(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    CsrfCookie(cookie): CsrfCookie,
) -> Result<Response, PageError> {
    if session.is_some() {
        return Ok(Redirect::to("/settings").into_response());
    }
    let (csrf_token, new) = form_csrf(cookie);
    render_form(
        &state,
        StatusCode::OK,
        SignupPage {
            csrf_token,
            ..Default::default()
        },
        new,
        None,
    )
}

#[derive(Deserialize)]
struct SignupForm {
    #[serde(default)]
    company: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

async fn signup(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfCookie(cookie): CsrfCookie,
    Form(form): Form<SignupForm>,
) -> Result<Response, PageError> {
    let expected = cookie.clone().unwrap_or_default();
    if !same_origin(&headers, &state) || !csrf_matches(&form.csrf_token, &expected) {
        return Err(csrf_rejected());
    }
    let parsed = (|| {
        Ok::<_, Error>(SignUp {
            company: parse_name("company", &form.company, 100)?,
            name: parse_name("name", &form.name, 100)?,
            email: Email::parse("email", &form.email)?,
            password: NewPassword::parse("password", form.password)?,
        })
    })();
    let result = match parsed {
        Ok(input) => state.services.sign_up(input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((_, user)) => signed_in(&state, &user, "/settings").await,
        Err(e) => {
            let status = match &e {
                Error::Invalid { .. } => StatusCode::BAD_REQUEST,
                Error::Conflict { .. } => StatusCode::CONFLICT,
                _ => return Err(e.into()),
            };
            let page = SignupPage {
                csrf_token: expected,
                error: Some(e.to_string()),
                company: form.company,
                name: form.name,
                email: form.email,
            };
            render_form(&state, status, page, None, None)
        }
    }
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    CsrfCookie(cookie): CsrfCookie,
    Query(q): Query<LoginQuery>,
) -> Result<Response, PageError> {
    let next = q
        .next
        .as_deref()
        .and_then(safe_next)
        .unwrap_or("/settings")
        .to_owned();
    if session.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let (csrf_token, new) = form_csrf(cookie);
    let csp = oauth_return_csp(&next);
    let signing_in_for = oauth_app_of(&state, &next).await;
    render_form(
        &state,
        StatusCode::OK,
        LoginPage {
            csrf_token,
            next,
            signing_in_for,
            ..Default::default()
        },
        new,
        csp,
    )
}

/// Signing in on the way to an OAuth authorization may end in a redirect
/// to the app (a remembered grant), and browsers hold every redirect of a
/// form submission to `form-action`: allow web targets on that page only.
fn oauth_return_csp(next: &str) -> Option<(header::HeaderName, HeaderValue)> {
    next.starts_with("/services/oauth2/v1/authorize?").then(|| {
        (
            header::CONTENT_SECURITY_POLICY,
            crate::middleware::console_csp("https: http:"),
        )
    })
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    CsrfCookie(cookie): CsrfCookie,
    MaybeSession(old_session): MaybeSession,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let expected = cookie.unwrap_or_default();
    if !same_origin(&headers, &state) || !csrf_matches(&form.csrf_token, &expected) {
        return Err(csrf_rejected());
    }
    let next = safe_next(&form.next).unwrap_or("/settings").to_owned();
    match state
        .services
        .sign_in(&form.email, SecretString::from(form.password), &ip)
        .await
    {
        Ok(user) => {
            // A fresh session id at every sign-in; the old one (if any) ends.
            if let Some(old) = old_session {
                state
                    .services
                    .store
                    .delete_session(&old.session.id_hash)
                    .await
                    .map_err(Error::from)?;
            }
            signed_in(&state, &user, &next).await
        }
        Err(e) => {
            let (status, extra) = match &e {
                Error::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, None),
                Error::RateLimited { retry_after_secs } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    Some((header::RETRY_AFTER, HeaderValue::from(*retry_after_secs))),
                ),
                _ => return Err(e.into()),
            };
            let signing_in_for = oauth_app_of(&state, &next).await;
            let page = LoginPage {
                csrf_token: expected,
                error: Some(e.to_string()),
                next,
                email: form.email,
                signing_in_for,
            };
            render_form(&state, status, page, None, extra)
        }
    }
}

/// Start a session and answer `303` to `target`.
async fn signed_in(
    state: &AppState,
    user: &switchboard_core::account::User,
    target: &str,
) -> Result<Response, PageError> {
    let (id, _) = state.services.start_session(user).await?;
    let mut res = Redirect::to(target).into_response();
    if let Ok(v) = HeaderValue::from_str(&session_cookie(state, id)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybeSession(session): MaybeSession,
    Form(form): Form<LogoutForm>,
) -> Result<Response, PageError> {
    if let Some(s) = session {
        if !same_origin(&headers, &state) || !csrf_matches(&form.csrf_token, &s.session.csrf_token)
        {
            return Err(csrf_rejected());
        }
        state
            .services
            .store
            .delete_session(&s.session.id_hash)
            .await
            .map_err(Error::from)?;
    }
    let mut res = Redirect::to("/login").into_response();
    for base in ["swb_session", CSRF_COOKIE] {
        if let Ok(v) = HeaderValue::from_str(&clear_cookie(&state, base)) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}
