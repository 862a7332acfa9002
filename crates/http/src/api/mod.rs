//! `/services/...` endpoints called with tokens.

pub(crate) mod leaked_tokens;
pub(crate) mod me;
pub(crate) mod records;
pub(crate) mod webhooks;

use crate::state::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(me::router())
        .merge(leaked_tokens::router())
        .merge(webhooks::router())
        .merge(records::router())
}

/// RFC 3339, UTC, millisecond precision: the one timestamp format of the APIs.
pub fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
