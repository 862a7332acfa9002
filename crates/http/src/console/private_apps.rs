//! `Settings → Private Apps` (SPEC S4): the list, the "Create a new token"
//! form (name, description, logo, Read/Write per module, expiry), and the
//! page that shows a new token once (see `reveal`). The app's own page
//! (edit, rotate, delete) is `private_app_edit`. Admins only; the same
//! services as the admin API.

use super::check_form;
use super::form::{FieldErrors, FormData};
use super::format::{scope_labels, when, When};
use super::reveal;
use super::shell::{Console, Section, Shell};
use crate::error::PageError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use switchboard_core::logo::{self, LogoOwner};
use switchboard_core::private_app::{self, NewPrivateApp};
use switchboard_core::scope::ScopeSet;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/private-apps", get(list).post(create))
        .route("/settings/private-apps/new", get(new_form))
        .route("/settings/private-apps/{id}/token", get(show_token))
}

struct AppRow {
    id: String,
    logo_url: Option<String>,
    initial: String,
    name: String,
    description: String,
    scopes: Vec<String>,
    created: When,
    last_used: Option<When>,
    expires: Option<When>,
    /// After a rotation with a grace period: when the old token stops.
    old_until: Option<When>,
}

#[derive(Template)]
#[template(path = "console/private_apps.html")]
struct ListPage {
    shell: Shell,
    apps: Vec<AppRow>,
}

/// One module's row in the Read/Write grid.
pub(super) struct PermRow {
    pub label: &'static str,
    pub help: &'static str,
    pub read: &'static str,
    pub write: &'static str,
    pub read_on: bool,
    pub write_on: bool,
}

/// The fields shared by the create and edit forms.
pub(super) struct AppForm {
    pub name: String,
    pub description: String,
    pub perms: Vec<PermRow>,
    pub expires: String,
    pub errors: FieldErrors,
}

impl AppForm {
    pub(super) fn new(name: &str, description: &str, checked: &[String]) -> AppForm {
        let on = |s: &str| checked.iter().any(|c| c == s);
        let rows = [
            ("Contacts", "", "contacts.read", "contacts.write"),
            ("Tickets", "", "tickets.read", "tickets.write"),
            ("Calls", "", "calls.read", "calls.write"),
            (
                "Admin",
                "Apps, users and the audit log",
                "admin.read",
                "admin.write",
            ),
        ];
        AppForm {
            name: name.to_owned(),
            description: description.to_owned(),
            perms: rows
                .into_iter()
                .map(|(label, help, read, write)| PermRow {
                    label,
                    help,
                    read,
                    write,
                    read_on: on(read),
                    write_on: on(write),
                })
                .collect(),
            expires: String::new(),
            errors: FieldErrors::default(),
        }
    }

    /// Check the fields the create and edit forms share, noting every
    /// problem at its field.
    pub(super) fn parse(
        &mut self,
        form: &FormData,
        logo_bytes: Option<&[u8]>,
    ) -> Result<Option<(String, String, ScopeSet)>, switchboard_core::Error> {
        let name = private_app::parse_app_name(form.get("name"));
        let description = private_app::parse_description(form.get("description"));
        let checked = form.all("scope");
        let scopes = if checked.is_empty() {
            self.errors.add(
                "scope",
                "Choose at least one permission: tick Read or Write for a module.",
            );
            None
        } else {
            self.keep(private_app::parse_scopes(&checked))?
        };
        if let Some(bytes) = logo_bytes {
            self.keep(logo::validate(bytes))?;
        }
        let name = self.keep(name)?;
        let description = self.keep(description)?;
        Ok(match (name, description, scopes) {
            (Some(n), Some(d), Some(s)) if self.errors.is_empty() => Some((n, d, s)),
            _ => None,
        })
    }

    /// A value, or its validation error noted at its field.
    pub(super) fn keep<T>(
        &mut self,
        r: Result<T, switchboard_core::Error>,
    ) -> Result<Option<T>, switchboard_core::Error> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(e) => self.errors.take(e, FIELDS).map(|()| None),
        }
    }
}

/// (service field, form field, label) for error messages.
const FIELDS: &[(&str, &str, &str)] = &[
    ("name", "name", "Name"),
    ("description", "description", "Description"),
    ("scopes", "scope", "Permissions"),
    ("expiresInDays", "expires_in_days", "Expiry"),
    ("expires", "expires_in_days", "Expiry"),
    ("logo", "logo", "The logo"),
];

#[derive(Template)]
#[template(path = "console/private_app_new.html")]
struct NewPage {
    shell: Shell,
    form: AppForm,
}

#[derive(Template)]
#[template(path = "console/private_app_token.html")]
struct TokenPage {
    shell: Shell,
    id: String,
    app_name: String,
    token: Option<String>,
}

pub(super) fn logo_url(id: Option<&String>) -> Option<String> {
    id.map(|l| format!("/logos/{l}"))
}

/// The first letter of a name, for an app without a logo.
pub(super) fn initial(name: &str) -> String {
    name.chars()
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default()
}

async fn list(State(state): State<AppState>, mut c: Console) -> Result<Response, PageError> {
    c.admin_only()?;
    let apps = state.services.list_private_apps(&c.s.account.id).await?;
    let now = c.now;
    let mut rows = Vec::with_capacity(apps.len());
    for v in apps {
        let old_until = state
            .services
            .old_private_app_token_valid_until(&c.s.account.id, &v.app.id)
            .await?;
        rows.push(AppRow {
            old_until: old_until.map(|t| when(t, now)),
            logo_url: logo_url(v.app.logo_id.as_ref()),
            initial: initial(&v.app.name),
            id: v.app.id,
            name: v.app.name,
            description: v.app.description,
            scopes: scope_labels(&v.app.scopes),
            created: when(v.app.created_at, now),
            last_used: v.last_used_at.map(|t| when(t, now)),
            expires: v.expires_at.map(|t| when(t, now)),
        });
    }
    let page = ListPage {
        shell: c.shell(Section::PrivateApps),
        apps: rows,
    };
    Ok(Html(page.render()?).into_response())
}

async fn new_form(mut c: Console) -> Result<Response, PageError> {
    c.admin_only()?;
    let page = NewPage {
        shell: c.shell(Section::PrivateApps),
        form: AppForm::new("", "", &[]),
    };
    Ok(Html(page.render()?).into_response())
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut c: Console,
    mut form: FormData,
) -> Result<Response, PageError> {
    c.admin_only()?;
    check_form(&headers, &state, &c.s, form.get("csrf_token"))?;
    let logo_bytes = form.take_file("logo");
    let mut view = AppForm::new(
        form.get("name"),
        form.get("description"),
        &form.all("scope"),
    );
    view.expires = form.get("expires_in_days").to_owned();
    let expiry = match form.get("expires_in_days").trim() {
        "" => Ok(None),
        d => d.parse::<u32>().map(Some).map_err(|_| {
            switchboard_core::Error::invalid("expiresInDays", "choose an expiry from the list")
        }),
    }
    .and_then(private_app::parse_expiry);
    let expiry = view.keep(expiry)?;
    let parsed = view.parse(&form, logo_bytes.as_deref())?;
    let (Some((name, description, scopes)), Some(expires_in_days)) = (parsed, expiry) else {
        let page = NewPage {
            shell: c.shell(Section::PrivateApps),
            form: view,
        };
        return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
    };
    let input = NewPrivateApp {
        name,
        description,
        scopes,
        expires_in_days,
    };
    let actor = c.actor();
    let (created, token) = state
        .services
        .create_private_app(&c.s.account.id, &actor, input)
        .await?;
    let id = created.app.id;
    if let Some(bytes) = logo_bytes {
        state
            .services
            .set_logo(LogoOwner::PrivateApp, &c.s.account.id, &actor, &id, bytes)
            .await?;
    }
    let page = reveal::stash(&state, &c.s, &id, &token).await?;
    Ok(Redirect::to(&page).into_response())
}

#[derive(serde::Deserialize)]
struct RevealQuery {
    reveal: Option<String>,
}

/// The new token, once. Never cached; a reload says it was already shown.
async fn show_token(
    State(state): State<AppState>,
    mut c: Console,
    Path(id): Path<String>,
    Query(q): Query<RevealQuery>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    let view = state.services.get_private_app(&c.s.account.id, &id).await?;
    let token = reveal::take(&state, &c.s, &id, q.reveal.as_deref()).await?;
    let page = TokenPage {
        shell: c.shell(Section::PrivateApps),
        id,
        app_name: view.app.name,
        token: token.as_ref().map(reveal::expose),
    };
    let mut res = Html(page.render()?).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
