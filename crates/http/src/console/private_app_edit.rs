//! A Private App's own page, `/settings/private-apps/{id}`: edit its name,
//! description, logo and permissions (they apply to the existing token at
//! once), rotate its token with a grace period, delete it. Rotate and
//! delete ask first (`confirm`).

use super::check_form;
use super::confirm::{self, Choice, Confirm};
use super::flash::{self, Flash};
use super::form::FormData;
use super::format::{when, When};
use super::private_apps::{initial, logo_url, AppForm};
use super::reveal;
use super::shell::{Console, Section, Shell};
use crate::error::PageError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use switchboard_core::logo::LogoOwner;
use switchboard_core::private_app::{self, PrivateAppPatch};
use switchboard_core::store::PrivateAppView;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/private-apps/{id}", get(page).post(update))
        .route(
            "/settings/private-apps/{id}/rotate",
            get(ask_rotate).post(rotate),
        )
        .route(
            "/settings/private-apps/{id}/delete",
            get(ask_delete).post(remove),
        )
}

#[derive(Template)]
#[template(path = "console/private_app.html")]
struct EditPage {
    shell: Shell,
    id: String,
    title: String,
    logo_url: Option<String>,
    initial: String,
    created: When,
    last_used: Option<When>,
    expires: Option<When>,
    old_until: Option<When>,
    form: AppForm,
}

fn edit_page(
    shell: Shell,
    v: PrivateAppView,
    form: AppForm,
    now: chrono::DateTime<chrono::Utc>,
    old_until: Option<chrono::DateTime<chrono::Utc>>,
) -> EditPage {
    EditPage {
        old_until: old_until.map(|t| when(t, now)),
        shell,
        logo_url: logo_url(v.app.logo_id.as_ref()),
        initial: initial(&v.app.name),
        id: v.app.id,
        title: v.app.name,
        created: when(v.app.created_at, now),
        last_used: v.last_used_at.map(|t| when(t, now)),
        expires: v.expires_at.map(|t| when(t, now)),
        form,
    }
}

async fn page(
    State(state): State<AppState>,
    mut c: Console,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    let v = state.services.get_private_app(&c.s.account.id, &id).await?;
    let form = AppForm::new(&v.app.name, &v.app.description, &v.app.scopes.to_strings());
    let old = state
        .services
        .old_private_app_token_valid_until(&c.s.account.id, &id)
        .await?;
    let page = edit_page(c.shell(Section::PrivateApps), v, form, c.now, old);
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
    let v = state.services.get_private_app(&c.s.account.id, &id).await?;
    let logo_bytes = form.take_file("logo");
    let mut view = AppForm::new(
        form.get("name"),
        form.get("description"),
        &form.all("scope"),
    );
    let Some((name, description, scopes)) = view.parse(&form, logo_bytes.as_deref())? else {
        let page = edit_page(c.shell(Section::PrivateApps), v, view, c.now, None);
        return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
    };
    let actor = c.actor();
    let account = c.s.account.id.clone();
    state
        .services
        .update_private_app(
            &account,
            &actor,
            &id,
            PrivateAppPatch {
                name: Some(name),
                description: Some(description),
                scopes: Some(scopes),
            },
        )
        .await?;
    if let Some(bytes) = logo_bytes {
        state
            .services
            .set_logo(LogoOwner::PrivateApp, &account, &actor, &id, bytes)
            .await?;
    } else if form.has("remove_logo") && v.app.logo_id.is_some() {
        state
            .services
            .remove_logo(LogoOwner::PrivateApp, &account, &actor, &id)
            .await?;
    }
    Ok(flash::redirect(
        &state,
        &c.s,
        &format!("/settings/private-apps/{id}"),
        Flash::success("Saved. The token has the new permissions now."),
    ))
}

async fn ask_rotate(
    State(state): State<AppState>,
    mut c: Console,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    let v = state.services.get_private_app(&c.s.account.id, &id).await?;
    confirm::render(
        c.shell(Section::PrivateApps),
        Confirm {
            title: format!("Rotate the token of {}?", v.app.name),
            message: "A new token is made and shown once. Update every tool that uses the old \
                      one before it stops working."
                .into(),
            action: format!("/settings/private-apps/{id}/rotate"),
            button: "Rotate token",
            cancel: format!("/settings/private-apps/{id}"),
            danger: false,
            choice: Some(Choice {
                name: "grace_seconds",
                label: "Keep the old token working for",
                help: "A grace period lets you switch tools over without downtime.",
                options: vec![
                    ("0", "No time: it stops now"),
                    ("3600", "1 hour"),
                    ("86400", "1 day"),
                    ("259200", "3 days"),
                    ("604800", "7 days"),
                ],
            }),
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
    let raw = form.get("grace_seconds");
    let secs = if raw.is_empty() {
        None
    } else {
        Some(raw.parse::<i64>().map_err(|_| {
            PageError::new(
                StatusCode::BAD_REQUEST,
                "Choose a grace period from the list.",
            )
        })?)
    };
    let grace = private_app::parse_grace(secs)?;
    let (_, token) = state
        .services
        .rotate_private_app(&c.s.account.id, &c.actor(), &id, grace)
        .await?;
    let page = reveal::stash(&state, &c.s, &id, &token).await?;
    let mut res = Redirect::to(&page).into_response();
    let message = if grace > 0 {
        let until = when(c.now + chrono::Duration::seconds(i64::from(grace)), c.now);
        format!("Token rotated. The old token works until {}.", until.text)
    } else {
        "Token rotated. The old token stopped working.".to_owned()
    };
    if let Some(v) = flash::set_cookie(&state, &c.s, &Flash::success(message)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

async fn ask_delete(
    State(state): State<AppState>,
    mut c: Console,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    let v = state.services.get_private_app(&c.s.account.id, &id).await?;
    confirm::render(
        c.shell(Section::PrivateApps),
        Confirm {
            title: format!("Delete {}?", v.app.name),
            message: "Its token stops working at once, for every tool that uses it. This cannot \
                      be undone."
                .into(),
            action: format!("/settings/private-apps/{id}/delete"),
            button: "Delete Private App",
            cancel: format!("/settings/private-apps/{id}"),
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
    let v = state.services.get_private_app(&c.s.account.id, &id).await?;
    state
        .services
        .delete_private_app(&c.s.account.id, &c.actor(), &id)
        .await?;
    Ok(flash::redirect(
        &state,
        &c.s,
        "/settings/private-apps",
        Flash::success(format!(
            "{} was deleted. Its token no longer works.",
            v.app.name
        )),
    ))
}
