//! `/services/admin/v1/...` (SPEC S8): the same services the console uses,
//! for an `admin.*` Private App token or an admin's console session.

pub(crate) mod audit_log;
pub(crate) mod grants;
pub(crate) mod logo;
pub(crate) mod oauth_apps;
pub(crate) mod password_resets;
pub(crate) mod private_apps;
pub(crate) mod users;
pub(crate) mod webhooks;

use crate::state::AppState;
use axum::Router;

pub const BASE: &str = "/services/admin/v1";

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(private_apps::router())
        .merge(users::router())
        .merge(password_resets::router())
        .merge(audit_log::router())
        .merge(oauth_apps::router())
        .merge(grants::router())
        .merge(logo::router())
        .merge(webhooks::router())
}
