//! An OAuth app's own page, `/settings/oauth-apps/{id}`: client ID, the
//! secret (masked until revealed), redirect URIs, the authorize and token
//! URLs from the configured issuer; edit; rotate the secret and delete,
//! each after a confirmation step.

use super::check_form;
use super::confirm::{self, Confirm};
use super::flash::{self, Flash};
use super::form::FormData;
use super::format::{scope_labels, when, When};
use super::oauth_apps::OAuthForm;
use super::private_apps::{initial, logo_url};
use super::shell::{Console, Section, Shell};
use crate::error::PageError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use switchboard_core::logo::LogoOwner;
use switchboard_core::oauth::app::{ClientType, OAuthAppPatch, Visibility};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/oauth-apps/{id}", get(page))
        .route(
            "/settings/oauth-apps/{id}/edit",
            get(edit_form).post(update),
        )
        .route(
            "/settings/oauth-apps/{id}/rotate-secret",
            get(ask_rotate).post(rotate),
        )
        .route(
            "/settings/oauth-apps/{id}/delete",
            get(ask_delete).post(remove),
        )
}

#[derive(Template)]
#[template(path = "console/oauth_app.html")]
struct AppPage {
    shell: Shell,
    id: String,
    name: String,
    description: String,
    logo_url: Option<String>,
    initial: String,
    client_id: String,
    client_secret: Option<String>,
    redirect_uris: Vec<String>,
    scopes: Vec<String>,
    visibility: &'static str,
    client_type: &'static str,
    require_pkce: bool,
    lifetime: &'static str,
    created: When,
    authorize_url: String,
    token_url: String,
}

#[derive(Template)]
#[template(path = "console/oauth_app_new.html")]
struct EditPage {
    shell: Shell,
    form: OAuthForm,
    editing: bool,
    id: String,
}

async fn page(
    State(state): State<AppState>,
    mut c: Console,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    let v = state.services.get_oauth_app(&c.s.account.id, &id).await?;
    let base = format!(
        "{}/services/oauth2/v1",
        state.config.issuer.trim_end_matches('/')
    );
    let a = v.app;
    let page = AppPage {
        shell: c.shell(Section::OAuthApps),
        logo_url: logo_url(a.logo_id.as_ref()),
        initial: initial(&a.name),
        id: a.id,
        name: a.name,
        description: a.description,
        client_id: a.client_id,
        client_secret: v.client_secret,
        redirect_uris: a.redirect_uris,
        scopes: scope_labels(&a.scopes),
        visibility: match a.visibility {
            Visibility::Private => "Private: only people in this account can connect it",
            Visibility::Public => "Public: people in any account can connect it",
        },
        client_type: match a.client_type {
            ClientType::Confidential => "Confidential (a server that keeps a secret)",
            ClientType::Public => "Public (native or single-page app, no secret)",
        },
        require_pkce: a.require_pkce,
        lifetime: match a.access_token_lifetime.as_str() {
            "1h" => "1 hour, with refresh tokens",
            "24h" => "24 hours, with refresh tokens",
            _ => "Never expires",
        },
        created: when(a.created_at, c.now),
        authorize_url: format!("{base}/authorize"),
        token_url: format!("{base}/token"),
    };
    let mut res = Html(page.render()?).into_response();
    // The page holds the client secret.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

async fn edit_form(
    State(state): State<AppState>,
    mut c: Console,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    let a = state
        .services
        .get_oauth_app(&c.s.account.id, &id)
        .await?
        .app;
    let form = OAuthForm::with(
        &a.name,
        &a.description,
        a.redirect_uris.join("\n"),
        &a.scopes.to_strings(),
        a.visibility.as_str(),
        a.client_type.as_str(),
        a.require_pkce,
        a.access_token_lifetime.as_str(),
    );
    let page = EditPage {
        shell: c.shell(Section::OAuthApps),
        form,
        editing: true,
        id,
    };
    Ok(Html(page.render()?).into_response())
}

async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut c: Console,
    Path(id): Path<String>,
    mut form: FormData,
) -> Result<Response, PageError> {
    c.admin_only()?;
    check_form(&headers, &state, &c.s, form.get("csrf_token"))?;
    let a = state
        .services
        .get_oauth_app(&c.s.account.id, &id)
        .await?
        .app;
    let logo_bytes = form.take_file("logo");
    let mut view = OAuthForm::from(&form);
    // The client type is fixed at registration; public clients always use PKCE.
    view.client_type = a.client_type.as_str().to_owned();
    view.require_pkce = view.require_pkce || a.client_type == ClientType::Public;
    let Some(input) = view.parse(logo_bytes.as_deref())? else {
        let page = EditPage {
            shell: c.shell(Section::OAuthApps),
            form: view,
            editing: true,
            id,
        };
        return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
    };
    let actor = c.actor();
    let account = c.s.account.id.clone();
    let patch = OAuthAppPatch {
        name: Some(input.name),
        description: Some(input.description),
        redirect_uris: Some(input.redirect_uris),
        scopes: Some(input.scopes),
        visibility: Some(input.visibility),
        require_pkce: Some(input.require_pkce),
        access_token_lifetime: Some(input.access_token_lifetime),
    };
    state
        .services
        .update_oauth_app(&account, &actor, &id, patch)
        .await?;
    if let Some(bytes) = logo_bytes {
        state
            .services
            .set_logo(LogoOwner::OAuthApp, &account, &actor, &id, bytes)
            .await?;
    } else if form.has("remove_logo") && a.logo_id.is_some() {
        state
            .services
            .remove_logo(LogoOwner::OAuthApp, &account, &actor, &id)
            .await?;
    }
    Ok(flash::redirect(
        &state,
        &c.s,
        &format!("/settings/oauth-apps/{id}"),
        Flash::success("Saved."),
    ))
}

async fn ask_rotate(
    State(state): State<AppState>,
    mut c: Console,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    let a = state
        .services
        .get_oauth_app(&c.s.account.id, &id)
        .await?
        .app;
    confirm::render(
        c.shell(Section::OAuthApps),
        Confirm {
            title: format!("Rotate the client secret of {}?", a.name),
            message: "A new secret is issued and the old one stops working at once: the app \
                      cannot get tokens until it has the new secret."
                .into(),
            action: format!("/settings/oauth-apps/{id}/rotate-secret"),
            button: "Rotate secret",
            cancel: format!("/settings/oauth-apps/{id}"),
            danger: true,
            choice: None,
        },
    )
}

async fn rotate(
    State(state): State<AppState>,
    headers: HeaderMap,
    c: Console,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    c.admin_only()?;
    check_form(&headers, &state, &c.s, form.get("csrf_token"))?;
    state
        .services
        .rotate_oauth_app_secret(&c.s.account.id, &c.actor(), &id)
        .await?;
    Ok(flash::redirect(
        &state,
        &c.s,
        &format!("/settings/oauth-apps/{id}"),
        Flash::success("New client secret issued. The old one no longer works."),
    ))
}

async fn ask_delete(
    State(state): State<AppState>,
    mut c: Console,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    let a = state
        .services
        .get_oauth_app(&c.s.account.id, &id)
        .await?
        .app;
    confirm::render(
        c.shell(Section::OAuthApps),
        Confirm {
            title: format!("Delete {}?", a.name),
            message: "Every connection to it is revoked and its tokens stop working. This cannot \
                      be undone."
                .into(),
            action: format!("/settings/oauth-apps/{id}/delete"),
            button: "Delete app",
            cancel: format!("/settings/oauth-apps/{id}"),
            danger: true,
            choice: None,
        },
    )
}

async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    c: Console,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    c.admin_only()?;
    check_form(&headers, &state, &c.s, form.get("csrf_token"))?;
    let a = state
        .services
        .get_oauth_app(&c.s.account.id, &id)
        .await?
        .app;
    state
        .services
        .delete_oauth_app(&c.s.account.id, &c.actor(), &id)
        .await?;
    Ok(flash::redirect(
        &state,
        &c.s,
        "/settings/oauth-apps",
        Flash::success(format!(
            "{} was deleted and every connection to it revoked.",
            a.name
        )),
    ))
}
