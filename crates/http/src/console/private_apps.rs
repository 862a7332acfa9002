//! `Settings → Private Apps` (SPEC S4): list, create (token shown once),
//! rotate with a grace period, delete. Admins only. The same services as the
//! admin API.

use super::shell::{Console, Section, Shell};
use super::{admin_only, check_form};
use crate::api::rfc3339;
use crate::error::PageError;
use crate::extract::RequireSession;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::Form;
use serde::Deserialize;
use switchboard_core::private_app::{self, NewPrivateApp};
use switchboard_core::records::Module;
use switchboard_core::session::ActiveSession;
use switchboard_core::token::PlainToken;
use switchboard_core::Error;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/private-apps", get(page).post(create))
        .route("/settings/private-apps/{id}/rotate", post(rotate))
        .route("/settings/private-apps/{id}/delete", post(remove))
        .route("/static/console.js", get(script))
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

struct AppRow {
    id: String,
    logo_url: Option<String>,
    name: String,
    description: String,
    scopes: String,
    created: String,
    last_used: String,
    expires: String,
}

struct ModuleRow {
    label: String,
    read: String,
    write: String,
}

#[derive(Template)]
#[template(path = "console/private_apps.html")]
struct ListPage {
    csrf_token: String,
    shell: Shell,
    error: Option<String>,
    apps: Vec<AppRow>,
    modules: Vec<ModuleRow>,
    form_name: String,
    form_description: String,
}

#[derive(Template)]
#[template(path = "console/token_created.html")]
struct TokenPage {
    shell: Shell,
    app_name: String,
    token: String,
}

fn modules() -> Vec<ModuleRow> {
    let mut rows: Vec<ModuleRow> = Module::ALL
        .iter()
        .map(|m| ModuleRow {
            label: m.name().to_owned(),
            read: m.read_scope().as_str().to_owned(),
            write: m.write_scope().as_str().to_owned(),
        })
        .collect();
    rows.push(ModuleRow {
        label: "admin (apps, users, audit log)".into(),
        read: "admin.read".into(),
        write: "admin.write".into(),
    });
    rows
}

async fn render_list(
    state: &AppState,
    s: &ActiveSession,
    status: StatusCode,
    error: Option<String>,
    form: Option<&CreateForm>,
) -> Result<Response, PageError> {
    let apps = state.services.list_private_apps(&s.account.id).await?;
    let page = ListPage {
        csrf_token: s.session.csrf_token.clone(),
        shell: Shell::new(s, Section::PrivateApps, None),
        error,
        apps: apps
            .into_iter()
            .map(|v| AppRow {
                logo_url: v.app.logo_id.as_ref().map(|l| format!("/logos/{l}")),
                id: v.app.id,
                name: v.app.name,
                description: v.app.description,
                scopes: v.app.scopes.to_spaced(),
                created: rfc3339(v.app.created_at),
                last_used: v.last_used_at.map_or_else(|| "never".to_owned(), rfc3339),
                expires: v.expires_at.map_or_else(|| "never".to_owned(), rfc3339),
            })
            .collect(),
        modules: modules(),
        form_name: form.map(|f| f.name.clone()).unwrap_or_default(),
        form_description: form.map(|f| f.description.clone()).unwrap_or_default(),
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// The one page that shows a token: never cached, never redirected to.
fn token_page(
    s: &ActiveSession,
    app_name: String,
    token: PlainToken,
) -> Result<Response, PageError> {
    let page = TokenPage {
        shell: Shell::new(s, Section::PrivateApps, None),
        app_name,
        token: token.expose().to_owned(),
    };
    let mut res = Html(page.render()?).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

async fn page(State(state): State<AppState>, c: Console) -> Result<Response, PageError> {
    c.admin_only()?;
    render_list(&state, &c.s, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    scope: Vec<String>,
    #[serde(default)]
    expires_in_days: String,
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    RequireSession(s): RequireSession,
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    admin_only(&s)?;
    check_form(&headers, &state, &s, &form.csrf_token)?;
    let parsed = (|| {
        let expiry = match form.expires_in_days.trim() {
            "" => None,
            d => Some(
                d.parse()
                    .map_err(|_| Error::invalid("expires", "choose an expiry from the list"))?,
            ),
        };
        Ok::<_, Error>(NewPrivateApp {
            name: private_app::parse_app_name(&form.name)?,
            description: private_app::parse_description(&form.description)?,
            scopes: private_app::parse_scopes(&form.scope)?,
            expires_in_days: private_app::parse_expiry(expiry)?,
        })
    })();
    let input = match parsed {
        Ok(i) => i,
        Err(e @ Error::Invalid { .. }) => {
            return render_list(
                &state,
                &s,
                StatusCode::BAD_REQUEST,
                Some(e.to_string()),
                Some(&form),
            )
            .await
        }
        Err(e) => return Err(e.into()),
    };
    let actor = format!("user:{}", s.user.id);
    let (view, token) = state
        .services
        .create_private_app(&s.account.id, &actor, input)
        .await?;
    token_page(&s, view.app.name, token)
}

#[derive(Deserialize)]
struct RotateForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    grace_seconds: Option<i64>,
}

async fn rotate(
    State(state): State<AppState>,
    headers: HeaderMap,
    RequireSession(s): RequireSession,
    Path(id): Path<String>,
    Form(form): Form<RotateForm>,
) -> Result<Response, PageError> {
    admin_only(&s)?;
    check_form(&headers, &state, &s, &form.csrf_token)?;
    let grace = private_app::parse_grace(form.grace_seconds)?;
    let actor = format!("user:{}", s.user.id);
    let (view, token) = state
        .services
        .rotate_private_app(&s.account.id, &actor, &id, grace)
        .await?;
    token_page(&s, view.app.name, token)
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    csrf_token: String,
}

async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    RequireSession(s): RequireSession,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Result<Response, PageError> {
    admin_only(&s)?;
    check_form(&headers, &state, &s, &form.csrf_token)?;
    let actor = format!("user:{}", s.user.id);
    state
        .services
        .delete_private_app(&s.account.id, &actor, &id)
        .await?;
    Ok(Redirect::to("/settings/private-apps").into_response())
}
