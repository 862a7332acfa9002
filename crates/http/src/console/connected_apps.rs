//! `/settings/connected-apps` (SPEC S5.7): a user's authorized apps (an
//! admin sees every grant in the account), each revocable.

use super::check_form;
use crate::api::rfc3339;
use crate::error::PageError;
use crate::extract::RequireSession;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::Form;
use serde::Deserialize;
use switchboard_core::account::Role;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/connected-apps", get(page))
        .route("/settings/connected-apps/{id}/revoke", post(revoke))
}

struct GrantRow {
    id: String,
    app_name: String,
    user: String,
    scopes: String,
    created: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "console/connected_apps.html")]
struct Page {
    csrf_token: String,
    admin: bool,
    grants: Vec<GrantRow>,
}

async fn page(
    State(state): State<AppState>,
    RequireSession(s): RequireSession,
) -> Result<Html<String>, PageError> {
    let admin = s.user.role == Role::Admin;
    let only = (!admin).then_some(s.user.id.as_str());
    let grants = state.services.list_grants(&s.account.id, only).await?;
    let page = Page {
        csrf_token: s.session.csrf_token.clone(),
        admin,
        grants: grants
            .into_iter()
            .map(|g| GrantRow {
                id: g.grant.id,
                app_name: g.app_name,
                user: g.user_email.unwrap_or_else(|| "(the app itself)".into()),
                scopes: g.grant.scopes.to_spaced(),
                created: rfc3339(g.grant.created_at),
                last_used: g.grant.last_used_at.map_or_else(|| "never".into(), rfc3339),
            })
            .collect(),
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    csrf_token: String,
}

async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    RequireSession(s): RequireSession,
    Path(id): Path<String>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, PageError> {
    check_form(&headers, &state, &s, &form.csrf_token)?;
    let only = (s.user.role != Role::Admin).then_some(s.user.id.as_str());
    let actor = format!("user:{}", s.user.id);
    state
        .services
        .revoke_grant(&s.account.id, &actor, &id, only)
        .await?;
    Ok(Redirect::to("/settings/connected-apps").into_response())
}
