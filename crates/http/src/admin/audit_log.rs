//! The account's audit log, newest first, filterable by actor, action and time.

use super::BASE;
use crate::api::rfc3339;
use crate::error::ApiError;
use crate::extract::{AdminAuth, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use switchboard_core::audit::{AuditCursor, AuditEntry, AuditQuery};
use switchboard_core::scope::Scope;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new().route(&format!("{BASE}/audit-log"), get(list))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct Params {
    /// Only entries by this actor (as the entries name it).
    actor: Option<String>,
    /// Only entries of this action, e.g. `private_app.created`.
    action: Option<String>,
    /// RFC 3339; entries at or after this time.
    #[param(value_type = Option<String>, format = DateTime)]
    since: Option<DateTime<Utc>>,
    /// RFC 3339; entries before this time.
    #[param(value_type = Option<String>, format = DateTime)]
    until: Option<DateTime<Utc>>,
    /// 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// The next page: entries older than this cursor, as the previous
    /// page's `Link: <…>; rel="next"` gives it.
    #[param(pattern = r"^[0-9]{1,13}\.[0-9A-Za-z-]{1,64}$")]
    before: Option<String>,
}

/// One audit entry.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EntryBody {
    id: String,
    actor: String,
    action: String,
    target: Option<String>,
    /// The client address the change came from (absent for CLI changes).
    ip: Option<String>,
    created_at: String,
}

impl From<AuditEntry> for EntryBody {
    fn from(e: AuditEntry) -> Self {
        EntryBody {
            id: e.id,
            actor: e.actor,
            action: e.action,
            target: e.target,
            ip: e.ip,
            created_at: rfc3339(e.created_at),
        }
    }
}

/// The audit log, newest first.
#[utoipa::path(
    get,
    path = "/services/admin/v1/audit-log",
    operation_id = "list_audit_log",
    tag = "admin",
    params(Params),
    responses(
        (status = 200, description = "Entries, newest first.", body = [EntryBody],
            headers(("Link" = String, description = "`<…?before=…>; rel=\"next\"` when older entries follow."))),
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.read"]), ("consoleSession" = []))
)]
pub(crate) async fn list(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiQuery(q): ApiQuery<Params>,
) -> Result<Response, ApiError> {
    p.require(Scope::AdminRead)?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid("limit", "must be between 1 and 1000"));
    }
    let before = match q.before.as_deref() {
        Some(raw) => Some(AuditCursor::parse(raw).ok_or_else(|| {
            ApiError::invalid(
                "before",
                "is not a cursor this API gave (use the Link header's)",
            )
        })?),
        None => None,
    };
    let query = AuditQuery {
        actor: q.actor.clone(),
        action: q.action.clone(),
        since: q.since,
        until: q.until,
        before,
        limit,
    };
    let (entries, next) = s.services.audit_page(&p.account_id, &query).await?;
    let body = Json(entries.into_iter().map(EntryBody::from).collect::<Vec<_>>());
    let Some(next) = next else {
        return Ok(body.into_response());
    };
    // The same filters, one page further.
    let mut link = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in [("actor", &q.actor), ("action", &q.action)] {
        if let Some(v) = value {
            link.append_pair(name, v);
        }
    }
    for (name, value) in [("since", q.since), ("until", q.until)] {
        if let Some(t) = value {
            link.append_pair(name, &rfc3339(t));
        }
    }
    link.append_pair("limit", &limit.to_string());
    link.append_pair("before", &next.encode());
    let header = format!("<{BASE}/audit-log?{}>; rel=\"next\"", link.finish());
    Ok(([(axum::http::header::LINK, header)], body).into_response())
}
