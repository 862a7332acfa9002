//! The one-time view of a new Private App token, after POST/redirect/GET.
//!
//! The create or rotate request stashes the token server-side (a short-lived
//! row, sealed with the server key and bound to the session: see
//! `switchboard_core::console_reveal`) and answers `303` to
//! `/settings/private-apps/{id}/token?reveal=<row id>`. That page takes the
//! row, deleting it, and shows the token once; a reload finds nothing and
//! says "already shown". Works on every node; the token is never in a URL,
//! a cookie or a log.

use crate::error::PageError;
use crate::state::AppState;
use secrecy::{ExposeSecret, SecretString};
use switchboard_core::session::ActiveSession;
use switchboard_core::token::PlainToken;

/// Stash `token` for one view; returns the page to redirect to.
pub(crate) async fn stash(
    state: &AppState,
    s: &ActiveSession,
    app_id: &str,
    token: &PlainToken,
) -> Result<String, PageError> {
    let id = state
        .services
        .stash_token_reveal(&s.account.id, &s.session.id_hash, app_id, token)
        .await?;
    Ok(format!("/settings/private-apps/{app_id}/token?reveal={id}"))
}

/// The stashed token, if this session has not seen it yet.
pub(crate) async fn take(
    state: &AppState,
    s: &ActiveSession,
    app_id: &str,
    reveal_id: Option<&str>,
) -> Result<Option<SecretString>, PageError> {
    let Some(id) = reveal_id.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    Ok(state
        .services
        .take_token_reveal(id, &s.session.id_hash, app_id)
        .await?)
}

/// The token text for the template.
pub(crate) fn expose(token: &SecretString) -> String {
    token.expose_secret().to_owned()
}
