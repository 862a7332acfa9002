//! `Settings → Integrations → OAuth 2.0` (SPEC S5.1): list, create, view
//! (client ID, secret, redirect URIs), rotate the secret, delete. Admins
//! only; the same services as the admin API.

use super::shell::{Section, Shell};
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
use switchboard_core::oauth::app::{OAuthAppView, Registration};
use switchboard_core::scope::Scope;
use switchboard_core::session::ActiveSession;
use switchboard_core::Error;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/oauth-apps", get(list_page).post(create))
        .route("/settings/oauth-apps/{id}", get(app_page))
        .route(
            "/settings/oauth-apps/{id}/rotate-secret",
            post(rotate_secret),
        )
        .route("/settings/oauth-apps/{id}/delete", post(remove))
}

struct AppRow {
    id: String,
    name: String,
    client_id: String,
    kind: &'static str,
    scopes: String,
    created: String,
}

#[derive(Template)]
#[template(path = "console/oauth_apps.html")]
struct ListPage {
    csrf_token: String,
    shell: Shell,
    error: Option<String>,
    apps: Vec<AppRow>,
    scopes: Vec<(&'static str, &'static str)>,
    form_name: String,
    form_description: String,
    form_redirect_uris: String,
}

#[derive(Template)]
#[template(path = "console/oauth_app.html")]
struct AppPage {
    csrf_token: String,
    shell: Shell,
    id: String,
    name: String,
    logo_url: Option<String>,
    client_id: String,
    client_secret: Option<String>,
    redirect_uris: Vec<String>,
    scopes: String,
    visibility: &'static str,
    client_type: &'static str,
    require_pkce: bool,
    lifetime: &'static str,
    authorize_url: String,
    token_url: String,
}

#[derive(Deserialize, Default)]
struct CreateForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    scope: Vec<String>,
    #[serde(default)]
    visibility: Option<String>,
    #[serde(default)]
    client_type: Option<String>,
    #[serde(default)]
    require_pkce: Option<String>,
    #[serde(default)]
    access_token_lifetime: Option<String>,
}

async fn render_list(
    state: &AppState,
    s: &ActiveSession,
    status: StatusCode,
    error: Option<String>,
    form: &CreateForm,
) -> Result<Response, PageError> {
    let apps = state.services.list_oauth_apps(&s.account.id).await?;
    let page = ListPage {
        csrf_token: s.session.csrf_token.clone(),
        shell: Shell::new(s, Section::OAuthApps, None),
        error,
        apps: apps
            .into_iter()
            .map(|v| AppRow {
                id: v.app.id,
                name: v.app.name,
                client_id: v.app.client_id,
                kind: v.app.client_type.as_str(),
                scopes: v.app.scopes.to_spaced(),
                created: rfc3339(v.app.created_at),
            })
            .collect(),
        scopes: Scope::ALL
            .iter()
            .filter(|s| s.grantable_to_oauth_app())
            .map(|s| (s.as_str(), s.describe()))
            .collect(),
        form_name: form.name.clone(),
        form_description: form.description.clone(),
        form_redirect_uris: form.redirect_uris.clone(),
    };
    Ok((status, Html(page.render()?)).into_response())
}

async fn list_page(
    State(state): State<AppState>,
    RequireSession(s): RequireSession,
) -> Result<Response, PageError> {
    admin_only(&s)?;
    render_list(&state, &s, StatusCode::OK, None, &CreateForm::default()).await
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    RequireSession(s): RequireSession,
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    admin_only(&s)?;
    check_form(&headers, &state, &s, &form.csrf_token)?;
    let uris: Vec<String> = form
        .redirect_uris
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let parsed = Registration {
        name: &form.name,
        description: &form.description,
        redirect_uris: &uris,
        scopes: &form.scope,
        visibility: form.visibility.as_deref(),
        client_type: form.client_type.as_deref(),
        require_pkce: form.require_pkce.is_some(),
        access_token_lifetime: form.access_token_lifetime.as_deref(),
    }
    .parse();
    let input = match parsed {
        Ok(i) => i,
        Err(e @ Error::Invalid { .. }) => {
            return render_list(
                &state,
                &s,
                StatusCode::BAD_REQUEST,
                Some(e.to_string()),
                &form,
            )
            .await
        }
        Err(e) => return Err(e.into()),
    };
    let actor = format!("user:{}", s.user.id);
    let view = state
        .services
        .create_oauth_app(&s.account.id, &actor, input)
        .await?;
    Ok(Redirect::to(&format!("/settings/oauth-apps/{}", view.app.id)).into_response())
}

fn render_app(state: &AppState, s: &ActiveSession, v: OAuthAppView) -> Result<Response, PageError> {
    let base = format!(
        "{}/services/oauth2/v1",
        state.config.issuer.trim_end_matches('/')
    );
    let a = v.app;
    let page = AppPage {
        csrf_token: s.session.csrf_token.clone(),
        shell: Shell::new(s, Section::OAuthApps, None),
        logo_url: a.logo_id.as_ref().map(|l| format!("/logos/{l}")),
        id: a.id,
        name: a.name,
        client_id: a.client_id,
        client_secret: v.client_secret,
        redirect_uris: a.redirect_uris,
        scopes: a.scopes.to_spaced(),
        visibility: a.visibility.as_str(),
        client_type: a.client_type.as_str(),
        require_pkce: a.require_pkce,
        lifetime: a.access_token_lifetime.as_str(),
        authorize_url: format!("{base}/authorize"),
        token_url: format!("{base}/token"),
    };
    let mut res = Html(page.render()?).into_response();
    // The page shows the client secret.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

async fn app_page(
    State(state): State<AppState>,
    RequireSession(s): RequireSession,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    admin_only(&s)?;
    let view = state.services.get_oauth_app(&s.account.id, &id).await?;
    render_app(&state, &s, view)
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf_token: String,
}

async fn rotate_secret(
    State(state): State<AppState>,
    headers: HeaderMap,
    RequireSession(s): RequireSession,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    admin_only(&s)?;
    check_form(&headers, &state, &s, &form.csrf_token)?;
    let actor = format!("user:{}", s.user.id);
    let view = state
        .services
        .rotate_oauth_app_secret(&s.account.id, &actor, &id)
        .await?;
    render_app(&state, &s, view)
}

async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    RequireSession(s): RequireSession,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    admin_only(&s)?;
    check_form(&headers, &state, &s, &form.csrf_token)?;
    let actor = format!("user:{}", s.user.id);
    state
        .services
        .delete_oauth_app(&s.account.id, &actor, &id)
        .await?;
    Ok(Redirect::to("/settings/oauth-apps").into_response())
}
