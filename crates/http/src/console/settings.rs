//! `/settings`: the console home. Always has the sign-out form.

use crate::api::rfc3339;
use crate::error::PageError;
use crate::extract::RequireSession;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new().route("/settings", get(home))
}

struct AppRow {
    name: String,
    scopes: String,
    created: String,
    last_used: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage {
    csrf_token: String,
    account_name: String,
    user_name: String,
    user_email: String,
    role: &'static str,
    apps: Vec<AppRow>,
}

async fn home(
    State(state): State<AppState>,
    RequireSession(s): RequireSession,
) -> Result<Html<String>, PageError> {
    let apps = state.services.list_private_apps(&s.account.id).await?;
    let apps = apps
        .into_iter()
        .map(|v| AppRow {
            name: v.app.name,
            scopes: v.app.scopes.to_spaced(),
            created: rfc3339(v.app.created_at),
            last_used: v.last_used_at.map_or_else(|| "never".to_owned(), rfc3339),
            expires: v.expires_at.map_or_else(|| "never".to_owned(), rfc3339),
        })
        .collect();
    let page = SettingsPage {
        csrf_token: s.session.csrf_token,
        account_name: s.account.name,
        user_name: s.user.name,
        user_email: s.user.email,
        role: s.user.role.as_str(),
        apps,
    };
    Ok(Html(page.render()?))
}
