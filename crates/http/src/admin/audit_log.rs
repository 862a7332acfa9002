//! The account's audit log, newest first, filterable by actor, action and time.

use super::BASE;
use crate::api::rfc3339;
use crate::error::ApiError;
use crate::extract::{AdminAuth, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use switchboard_core::audit::{AuditEntry, AuditQuery};
use switchboard_core::scope::Scope;

pub fn router() -> Router<AppState> {
    Router::new().route(&format!("{BASE}/audit-log"), get(list))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    actor: Option<String>,
    action: Option<String>,
    /// RFC 3339 bounds: `since` inclusive, `until` exclusive.
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    limit: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EntryBody {
    id: String,
    actor: String,
    action: String,
    target: Option<String>,
    created_at: String,
}

impl From<AuditEntry> for EntryBody {
    fn from(e: AuditEntry) -> Self {
        EntryBody {
            id: e.id,
            actor: e.actor,
            action: e.action,
            target: e.target,
            created_at: rfc3339(e.created_at),
        }
    }
}

async fn list(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiQuery(q): ApiQuery<Params>,
) -> Result<Json<Vec<EntryBody>>, ApiError> {
    p.require(Scope::AdminRead)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 1000"));
    }
    let query = AuditQuery {
        actor: q.actor,
        action: q.action,
        since: q.since,
        until: q.until,
        limit,
    };
    let entries = s.services.list_audit(&p.account_id, &query).await?;
    Ok(Json(entries.into_iter().map(EntryBody::from).collect()))
}
