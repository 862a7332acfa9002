//! `Settings → Integrations → OAuth 2.0` (SPEC S5.1): the list and the
//! "Register a new app" form. The app's own page (client ID, secret,
//! edit, rotate, delete) is `oauth_app_page`. Admins only; the same services
//! as the admin API.

use super::check_form;
use super::flash::{self, Flash};
use super::form::{FieldErrors, FormData};
use super::format::{scope_label, scope_labels, when, When};
use super::private_apps::{initial, logo_url};
use super::shell::{Console, Section, Shell};
use crate::error::PageError;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use switchboard_core::logo::{self, LogoOwner};
use switchboard_core::oauth::app::{
    self as oauth_app, AccessTokenLifetime, ClientType, NewOAuthApp, Visibility,
};
use switchboard_core::private_app;
use switchboard_core::scope::Scope;
use switchboard_core::Error;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/oauth-apps", get(list).post(create))
        .route("/settings/oauth-apps/new", get(new_form))
}

struct AppRow {
    id: String,
    logo_url: Option<String>,
    initial: String,
    name: String,
    client_id: String,
    kind: &'static str,
    visibility: &'static str,
    scopes: Vec<String>,
    created: When,
}

#[derive(Template)]
#[template(path = "console/oauth_apps.html")]
struct ListPage {
    shell: Shell,
    apps: Vec<AppRow>,
}

pub(super) struct ScopeBox {
    pub value: &'static str,
    pub label: String,
    pub help: &'static str,
    pub checked: bool,
}

/// The registration form's fields, as typed.
pub(super) struct OAuthForm {
    pub name: String,
    pub description: String,
    pub redirect_uris: String,
    pub scopes: Vec<ScopeBox>,
    pub visibility: String,
    pub client_type: String,
    pub require_pkce: bool,
    pub lifetime: String,
    pub errors: FieldErrors,
}

impl OAuthForm {
    pub(super) fn blank() -> OAuthForm {
        OAuthForm::with(
            "",
            "",
            String::new(),
            &[],
            "private",
            "confidential",
            false,
            "never",
        )
    }

    #[expect(clippy::too_many_arguments, reason = "one per form field")]
    pub(super) fn with(
        name: &str,
        description: &str,
        redirect_uris: String,
        checked: &[String],
        visibility: &str,
        client_type: &str,
        require_pkce: bool,
        lifetime: &str,
    ) -> OAuthForm {
        OAuthForm {
            name: name.to_owned(),
            description: description.to_owned(),
            redirect_uris,
            scopes: Scope::ALL
                .iter()
                .filter(|s| s.grantable_to_oauth_app())
                .map(|s| ScopeBox {
                    value: s.as_str(),
                    label: scope_label(*s),
                    help: s.describe(),
                    checked: checked.iter().any(|c| c == s.as_str()),
                })
                .collect(),
            visibility: visibility.to_owned(),
            client_type: client_type.to_owned(),
            require_pkce,
            lifetime: lifetime.to_owned(),
            errors: FieldErrors::default(),
        }
    }

    /// The form as submitted, to show again.
    pub(super) fn from(form: &FormData) -> OAuthForm {
        let or = |v: &str, d: &'static str| {
            if v.is_empty() {
                d.to_owned()
            } else {
                v.to_owned()
            }
        };
        OAuthForm::with(
            form.get("name"),
            form.get("description"),
            form.get("redirect_uris").to_owned(),
            &form.all("scope"),
            &or(form.get("visibility"), "private"),
            &or(form.get("client_type"), "confidential"),
            form.has("require_pkce"),
            &or(form.get("access_token_lifetime"), "never"),
        )
    }

    fn keep<T>(&mut self, r: Result<T, Error>) -> Result<Option<T>, Error> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(Error::Invalid { field, message }) if field.starts_with("redirectUris[") => {
                let line = field
                    .trim_start_matches("redirectUris[")
                    .trim_end_matches(']')
                    .parse::<usize>()
                    .map_or(1, |i| i + 1);
                let why = message
                    .split_once("\" ")
                    .map_or(message.as_str(), |(_, w)| w);
                self.errors.add(
                    "redirect_uris",
                    format!("The redirect URI on line {line} {why}."),
                );
                Ok(None)
            }
            Err(e) => self.errors.take(e, FIELDS).map(|()| None),
        }
    }

    /// Check every field, noting each problem at its field.
    pub(super) fn parse(
        &mut self,
        logo_bytes: Option<&[u8]>,
    ) -> Result<Option<NewOAuthApp>, Error> {
        let name = private_app::parse_app_name(&self.name);
        let name = self.keep(name)?;
        let description = private_app::parse_description(&self.description);
        let description = self.keep(description)?;
        let uris: Vec<String> = self
            .redirect_uris
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        let redirect_uris = if uris.is_empty() {
            self.errors
                .add("redirect_uris", "Add at least one redirect URI.");
            None
        } else {
            self.keep(oauth_app::parse_redirect_uris(&uris))?
        };
        let checked: Vec<String> = self
            .scopes
            .iter()
            .filter(|s| s.checked)
            .map(|s| s.value.to_owned())
            .collect();
        let scopes = if checked.is_empty() {
            self.errors
                .add("scope", "Choose at least one scope the app may ask for.");
            None
        } else {
            self.keep(oauth_app::parse_scopes(&checked))?
        };
        let visibility = self.keep(Visibility::parse(&self.visibility.clone()))?;
        let client_type = self.keep(ClientType::parse(&self.client_type.clone()))?;
        let lifetime = self.keep(AccessTokenLifetime::parse(&self.lifetime.clone()))?;
        if let Some(bytes) = logo_bytes {
            self.keep(logo::validate(bytes))?;
        }
        Ok(
            match (
                name,
                description,
                redirect_uris,
                scopes,
                visibility,
                client_type,
                lifetime,
            ) {
                (Some(n), Some(d), Some(r), Some(s), Some(v), Some(c), Some(l))
                    if self.errors.is_empty() =>
                {
                    Some(NewOAuthApp {
                        name: n,
                        description: d,
                        redirect_uris: r,
                        scopes: s,
                        visibility: v,
                        client_type: c,
                        require_pkce: self.require_pkce,
                        access_token_lifetime: l,
                    })
                }
                _ => None,
            },
        )
    }
}

const FIELDS: &[(&str, &str, &str)] = &[
    ("name", "name", "Name"),
    ("description", "description", "Description"),
    ("redirectUris", "redirect_uris", "Redirect URIs"),
    ("scopes", "scope", "Scopes"),
    ("visibility", "visibility", "Visibility"),
    ("clientType", "client_type", "Client type"),
    ("requirePkce", "require_pkce", "PKCE"),
    (
        "accessTokenLifetime",
        "access_token_lifetime",
        "Access-token lifetime",
    ),
    ("logo", "logo", "The logo"),
];

#[derive(Template)]
#[template(path = "console/oauth_app_new.html")]
struct NewPage {
    shell: Shell,
    form: OAuthForm,
    editing: bool,
    id: String,
}

async fn list(State(state): State<AppState>, mut c: Console) -> Result<Response, PageError> {
    c.admin_only()?;
    let apps = state.services.list_oauth_apps(&c.s.account.id).await?;
    let now = c.now;
    let page = ListPage {
        shell: c.shell(Section::OAuthApps),
        apps: apps
            .into_iter()
            .map(|v| AppRow {
                logo_url: logo_url(v.app.logo_id.as_ref()),
                initial: initial(&v.app.name),
                id: v.app.id,
                name: v.app.name,
                client_id: v.app.client_id,
                kind: match v.app.client_type {
                    ClientType::Confidential => "Confidential",
                    ClientType::Public => "Public client",
                },
                visibility: match v.app.visibility {
                    Visibility::Private => "This account only",
                    Visibility::Public => "Any account",
                },
                scopes: scope_labels(&v.app.scopes),
                created: when(v.app.created_at, now),
            })
            .collect(),
    };
    Ok(Html(page.render()?).into_response())
}

async fn new_form(mut c: Console) -> Result<Response, PageError> {
    c.admin_only()?;
    let page = NewPage {
        shell: c.shell(Section::OAuthApps),
        form: OAuthForm::blank(),
        editing: false,
        id: String::new(),
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
    let mut view = OAuthForm::from(&form);
    let Some(input) = view.parse(logo_bytes.as_deref())? else {
        let page = NewPage {
            shell: c.shell(Section::OAuthApps),
            form: view,
            editing: false,
            id: String::new(),
        };
        return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
    };
    let actor = c.actor();
    let created = state
        .services
        .create_oauth_app(&c.s.account.id, &actor, input)
        .await?;
    let id = created.app.id;
    if let Some(bytes) = logo_bytes {
        state
            .services
            .set_logo(LogoOwner::OAuthApp, &c.s.account.id, &actor, &id, bytes)
            .await?;
    }
    Ok(flash::redirect(
        &state,
        &c.s,
        &format!("/settings/oauth-apps/{id}"),
        Flash::success("App registered. Give its client ID and secret to the app's developer."),
    ))
}
