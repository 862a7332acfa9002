//! `Settings → Account` (SPEC S1), for everyone: the company name (admins
//! change it), one's own password (the current one required; the other
//! sessions end, this one stays) and one's own sessions, with "sign out
//! everywhere else".

use super::check_form;
use super::flash::{self, Flash};
use super::format::{when, When};
use super::shell::{Console, Section, Shell};
use crate::error::PageError;
use crate::extract::ClientIp;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::Form;
use secrecy::SecretString;
use serde::Deserialize;
use switchboard_core::account::{parse_name, NewPassword};
use switchboard_core::Error;

const PAGE: &str = "/settings/account";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(page))
        .route("/settings/account/company", post(rename))
        .route("/settings/account/password", post(change_password))
        .route("/settings/account/sessions/end-others", post(end_others))
}

struct SessionRow {
    created: When,
    last_seen: When,
    current: bool,
}

/// Field errors and kept input of the two forms.
#[derive(Default)]
struct Errors {
    company: String,
    company_error: Option<String>,
    current_error: Option<String>,
    new_error: Option<String>,
    confirm_error: Option<String>,
}

#[derive(Template)]
#[template(path = "console/account.html")]
struct AccountPage {
    shell: Shell,
    admin: bool,
    company: String,
    email: String,
    sessions: Vec<SessionRow>,
    others: usize,
    e: Errors,
}

async fn render(
    state: &AppState,
    mut c: Console,
    status: StatusCode,
    mut e: Errors,
) -> Result<Response, PageError> {
    let now = c.now;
    let current = c.s.session.id_hash.clone();
    let sessions: Vec<SessionRow> = state
        .services
        .list_sessions(&c.s.user.id)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            created: when(s.created_at, now),
            last_seen: when(s.last_seen_at, now),
            current: s.id_hash.ct_eq(&current),
        })
        .collect();
    if e.company.is_empty() {
        e.company = c.s.account.name.clone();
    }
    let page = AccountPage {
        admin: c.is_admin(),
        company: c.s.account.name.clone(),
        email: c.s.user.email.clone(),
        others: sessions.iter().filter(|s| !s.current).count(),
        sessions,
        shell: c.shell(Section::Account),
        e,
    };
    Ok((status, Html(page.render()?)).into_response())
}

async fn page(State(state): State<AppState>, c: Console) -> Result<Response, PageError> {
    render(&state, c, StatusCode::OK, Errors::default()).await
}

#[derive(Deserialize)]
struct CompanyForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    company: String,
}

async fn rename(
    State(state): State<AppState>,
    headers: HeaderMap,
    c: Console,
    Form(form): Form<CompanyForm>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    check_form(&headers, &state, &c.s, &form.csrf_token)?;
    let name = match parse_name("company", &form.company, 100) {
        Ok(n) => n,
        Err(Error::Invalid { message, .. }) => {
            let e = Errors {
                company: form.company,
                company_error: Some(format!("Company name {message}.")),
                ..Errors::default()
            };
            return render(&state, c, StatusCode::BAD_REQUEST, e).await;
        }
        Err(e) => return Err(e.into()),
    };
    state
        .services
        .rename_account(&c.s.account.id, &c.actor(), name)
        .await?;
    let done = Flash::success("Company name changed.");
    Ok(flash::redirect(&state, &c.s, PAGE, done))
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    c: Console,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    check_form(&headers, &state, &c.s, &form.csrf_token)?;
    let mut e = Errors::default();
    if form.new_password != form.confirm_password {
        e.confirm_error = Some("The two new passwords do not match.".into());
    }
    let new = NewPassword::parse("new_password", form.new_password)
        .map_err(|err| {
            if let Error::Invalid { message, .. } = err {
                e.new_error = Some(format!("The new password {message}."));
            }
        })
        .ok();
    if form.current_password.is_empty() {
        e.current_error = Some("Enter your current password.".into());
    }
    let (Some(new), None, None, None) = (new, &e.confirm_error, &e.new_error, &e.current_error)
    else {
        return render(&state, c, StatusCode::BAD_REQUEST, e).await;
    };
    let current = SecretString::from(form.current_password);
    match state
        .services
        .change_password(&c.s, current, new, &ip)
        .await
    {
        Ok(()) => {
            let done = Flash::success("Password changed. Your other sessions were signed out.");
            Ok(flash::redirect(&state, &c.s, PAGE, done))
        }
        Err(Error::Invalid { .. }) => {
            e.current_error = Some("The current password is not correct.".into());
            render(&state, c, StatusCode::BAD_REQUEST, e).await
        }
        Err(Error::RateLimited { retry_after_secs }) => {
            e.current_error = Some(format!(
                "Too many wrong passwords; try again in {} minutes.",
                retry_after_secs.div_ceil(60)
            ));
            render(&state, c, StatusCode::TOO_MANY_REQUESTS, e).await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct PlainForm {
    #[serde(default)]
    csrf_token: String,
}

async fn end_others(
    State(state): State<AppState>,
    headers: HeaderMap,
    c: Console,
    Form(form): Form<PlainForm>,
) -> Result<Response, PageError> {
    check_form(&headers, &state, &c.s, &form.csrf_token)?;
    let ended = state.services.end_other_sessions(&c.s).await?;
    let text = match ended {
        0 => "There were no other sessions.".to_owned(),
        1 => "Signed out of 1 other session.".to_owned(),
        n => format!("Signed out of {n} other sessions."),
    };
    Ok(flash::redirect(&state, &c.s, PAGE, Flash::success(text)))
}
