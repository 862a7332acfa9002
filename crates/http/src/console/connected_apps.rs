//! `/settings/connected-apps` (SPEC S5.7): a user's authorized apps (an
//! admin sees every grant in the account), each revocable after a
//! confirmation step.

use super::check_form;
use super::confirm::{self, Confirm};
use super::flash::{self, Flash};
use super::format::{scope_labels, when, When};
use super::shell::{Console, Section, Shell};
use crate::error::PageError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use axum_extra::extract::Form;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/connected-apps", get(page))
        .route(
            "/settings/connected-apps/{id}/revoke",
            get(ask_revoke).post(revoke),
        )
}

struct GrantRow {
    id: String,
    app_name: String,
    user: String,
    scopes: Vec<String>,
    created: When,
    last_used: Option<When>,
}

#[derive(Template)]
#[template(path = "console/connected_apps.html")]
struct Page {
    shell: Shell,
    admin: bool,
    grants: Vec<GrantRow>,
}

/// Members see their own grants only.
fn only_mine(c: &Console) -> Option<&str> {
    (!c.is_admin()).then_some(c.s.user.id.as_str())
}

async fn page(State(state): State<AppState>, mut c: Console) -> Result<Response, PageError> {
    let grants = state
        .services
        .list_grants(&c.s.account.id, only_mine(&c))
        .await?;
    let now = c.now;
    let page = Page {
        admin: c.is_admin(),
        shell: c.shell(Section::ConnectedApps),
        grants: grants
            .into_iter()
            .map(|g| GrantRow {
                id: g.grant.id,
                app_name: g.app_name,
                user: g.user_email.unwrap_or_else(|| "The app itself".into()),
                scopes: scope_labels(&g.grant.scopes),
                created: when(g.grant.created_at, now),
                last_used: g.grant.last_used_at.map(|t| when(t, now)),
            })
            .collect(),
    };
    Ok(Html(page.render()?).into_response())
}

async fn ask_revoke(
    State(state): State<AppState>,
    mut c: Console,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let grants = state
        .services
        .list_grants(&c.s.account.id, only_mine(&c))
        .await?;
    let grant = grants
        .into_iter()
        .find(|g| g.grant.id == id)
        .ok_or_else(|| switchboard_core::Error::NotFound("connected app"))?;
    let whose = match (&grant.user_email, c.is_admin()) {
        (Some(email), true) => format!(" for {email}"),
        _ => String::new(),
    };
    confirm::render(
        c.shell(Section::ConnectedApps),
        Confirm {
            title: format!("Revoke access for {}?", grant.app_name),
            message: format!(
                "{}{whose} loses access at once: its access and refresh tokens stop working. \
                 It can only get access again if someone authorizes it again.",
                grant.app_name
            ),
            action: format!("/settings/connected-apps/{id}/revoke"),
            button: "Revoke access",
            cancel: "/settings/connected-apps".into(),
            danger: true,
            choice: None,
        },
    )
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    csrf_token: String,
}

async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    c: Console,
    Path(id): Path<String>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, PageError> {
    check_form(&headers, &state, &c.s, &form.csrf_token)?;
    state
        .services
        .revoke_grant(&c.s.account.id, &c.actor(), &id, only_mine(&c))
        .await?;
    Ok(flash::redirect(
        &state,
        &c.s,
        "/settings/connected-apps",
        Flash::success("Access revoked. The app's tokens no longer work."),
    ))
}
