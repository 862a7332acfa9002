//! `Settings → Users` (SPEC S1): list, add with a role (the new user gets a
//! one-time link to set their password), change role, deactivate and
//! reactivate, and a password reset link for anyone. Admins only; the same
//! services as the admin API, so the last-admin rule holds here as it does
//! there. Demoting and deactivating ask first (`GET` shows the question,
//! `POST` acts).

use super::check_form;
use super::confirm::{self, Confirm};
use super::flash::{self, Flash};
use super::format::{when, When};
use super::shell::{Console, Section};
use crate::error::PageError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::Form;
use serde::Deserialize;
use switchboard_core::account::{parse_name, Email, NewPassword, NewUser, Role, User};
use switchboard_core::token::random_secret;
use switchboard_core::Error;

const PAGE: &str = "/settings/users";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(page).post(create))
        .route("/settings/users/{id}/promote", post(promote))
        .route("/settings/users/{id}/demote", get(ask_demote).post(demote))
        .route(
            "/settings/users/{id}/deactivate",
            get(ask_deactivate).post(deactivate),
        )
        .route("/settings/users/{id}/reactivate", post(reactivate))
}

struct UserRow {
    id: String,
    name: String,
    email: String,
    admin: bool,
    active: bool,
    created: When,
    me: bool,
}

/// What the add form holds and what was wrong with it, field by field.
#[derive(Default)]
struct AddState {
    name: String,
    email: String,
    admin: bool,
    name_error: Option<String>,
    email_error: Option<String>,
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage {
    shell: super::shell::Shell,
    users: Vec<UserRow>,
    add: AddState,
}

async fn render(
    state: &AppState,
    mut c: Console,
    status: StatusCode,
    add: AddState,
) -> Result<Response, PageError> {
    let users = state.services.list_users(&c.s.account.id).await?;
    let now = c.now;
    let me = c.s.user.id.clone();
    let page = UsersPage {
        shell: c.shell(Section::Users),
        users: users.into_iter().map(|u| row(u, &me, now)).collect(),
        add,
    };
    Ok((status, Html(page.render()?)).into_response())
}

fn row(u: User, me: &str, now: chrono::DateTime<chrono::Utc>) -> UserRow {
    UserRow {
        me: u.id == me,
        admin: u.role == Role::Admin,
        created: when(u.created_at, now),
        id: u.id,
        name: u.name,
        email: u.email,
        active: u.active,
    }
}

async fn page(State(state): State<AppState>, c: Console) -> Result<Response, PageError> {
    c.admin_only()?;
    render(&state, c, StatusCode::OK, AddState::default()).await
}

#[derive(Deserialize)]
struct AddForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    c: Console,
    Form(form): Form<AddForm>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    check_form(&headers, &state, &c.s, &form.csrf_token)?;
    let role = if form.role == "admin" {
        Role::Admin
    } else {
        Role::Member
    };
    let mut add = AddState {
        name: form.name.clone(),
        email: form.email.clone(),
        admin: role == Role::Admin,
        ..AddState::default()
    };
    let name = parse_name("name", &form.name, 100).map_err(|e| add.name_error = words(e));
    let email = Email::parse("email", &form.email).map_err(|e| add.email_error = words(e));
    let (Ok(name), Ok(email)) = (name, email) else {
        return render(&state, c, StatusCode::BAD_REQUEST, add).await;
    };
    // A password nobody knows until the user sets theirs through the link.
    let password = NewPassword::parse("password", random_secret())?;
    let input = NewUser {
        email,
        name,
        password,
        role,
    };
    let user = match state
        .services
        .create_user(&c.s.account.id, &c.actor(), input)
        .await
    {
        Ok(u) => u,
        Err(Error::Conflict { .. }) => {
            add.email_error = Some("A user with this email already exists.".into());
            return render(&state, c, StatusCode::CONFLICT, add).await;
        }
        Err(e) => return Err(e.into()),
    };
    let link = state
        .services
        .create_password_reset(&c.s.account.id, &c.actor(), &user.id)
        .await?;
    super::reset_password::show_link(&state, &c.s, &link)
}

/// A field error in words for the form: "Name is required."
fn words(e: Error) -> Option<String> {
    match e {
        Error::Invalid { field, message } => {
            let mut label = field.replace('_', " ");
            if let Some(first) = label.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            Some(format!("{label} {message}."))
        }
        other => Some(other.to_string()),
    }
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    csrf_token: String,
}

async fn ask_demote(
    State(state): State<AppState>,
    mut c: Console,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    let u = state.services.get_user(&c.s.account.id, &id).await?;
    confirm::render(
        c.shell(Section::Users),
        Confirm {
            title: format!("Make {} a member?", u.name),
            message: format!(
                "{} ({}) will no longer be able to manage apps, users or the audit log.",
                u.name, u.email
            ),
            action: format!("/settings/users/{id}/demote"),
            button: "Make member",
            cancel: PAGE.into(),
            danger: true,
            choice: None,
        },
    )
}

async fn ask_deactivate(
    State(state): State<AppState>,
    mut c: Console,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    let u = state.services.get_user(&c.s.account.id, &id).await?;
    confirm::render(
        c.shell(Section::Users),
        Confirm {
            title: format!("Deactivate {}?", u.name),
            message: format!(
                "{} ({}) is signed out and cannot sign in; every app they authorized and every \
                 token issued for them stops working. You can reactivate them later.",
                u.name, u.email
            ),
            action: format!("/settings/users/{id}/deactivate"),
            button: "Deactivate",
            cancel: PAGE.into(),
            danger: true,
            choice: None,
        },
    )
}

/// The four changes, each a form post with the session's CSRF token.
#[derive(Clone, Copy)]
enum Change {
    Promote,
    Demote,
    Deactivate,
    Reactivate,
}

async fn promote(
    state: State<AppState>,
    headers: HeaderMap,
    c: Console,
    id: Path<String>,
    form: Form<ActionForm>,
) -> Result<Response, PageError> {
    apply(state, headers, c, id, form, Change::Promote).await
}

async fn demote(
    state: State<AppState>,
    headers: HeaderMap,
    c: Console,
    id: Path<String>,
    form: Form<ActionForm>,
) -> Result<Response, PageError> {
    apply(state, headers, c, id, form, Change::Demote).await
}

async fn deactivate(
    state: State<AppState>,
    headers: HeaderMap,
    c: Console,
    id: Path<String>,
    form: Form<ActionForm>,
) -> Result<Response, PageError> {
    apply(state, headers, c, id, form, Change::Deactivate).await
}

async fn reactivate(
    state: State<AppState>,
    headers: HeaderMap,
    c: Console,
    id: Path<String>,
    form: Form<ActionForm>,
) -> Result<Response, PageError> {
    apply(state, headers, c, id, form, Change::Reactivate).await
}

async fn apply(
    State(state): State<AppState>,
    headers: HeaderMap,
    c: Console,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
    change: Change,
) -> Result<Response, PageError> {
    c.admin_only()?;
    check_form(&headers, &state, &c.s, &form.csrf_token)?;
    let (role, active) = match change {
        Change::Promote => (Some(Role::Admin), None),
        Change::Demote => (Some(Role::Member), None),
        Change::Deactivate => (None, Some(false)),
        Change::Reactivate => (None, Some(true)),
    };
    let result = state
        .services
        .update_user(&c.s.account.id, &c.actor(), &id, role, active)
        .await;
    let flash = match result {
        Ok(u) => Flash::success(match change {
            Change::Promote => format!("{} is now an admin.", u.name),
            Change::Demote => format!("{} is now a member.", u.name),
            Change::Deactivate => format!(
                "{} was deactivated: signed out, and their apps and tokens revoked.",
                u.name
            ),
            Change::Reactivate => format!("{} was reactivated and can sign in again.", u.name),
        }),
        Err(Error::Conflict {
            code: "last_admin", ..
        }) => Flash::error(
            "This is the account's last active admin: make another user an admin first.",
        ),
        Err(e) => return Err(e.into()),
    };
    // Deactivating oneself ends one's own session: the page then asks to sign in.
    Ok(flash::redirect(&state, &c.s, PAGE, flash))
}
