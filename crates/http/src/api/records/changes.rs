//! The change feed (`GET /{module}/changes`): every create, update and
//! delete in commit order, paged by opaque cursors.

use super::query::{int_param, module, params};
use crate::error::ApiError;
use crate::extract::{ApiPath, TokenAuth};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::Json;
use serde::Serialize;
use serde_json::Value;
use switchboard_core::records::ChangeOp;

const MAX_CHANGES_LIMIT: i64 = 1000;

/// `GET /M/changes`: the page of changes and where to go on from.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChangesBody {
    changes: Vec<ChangeEntry>,
    next_cursor: String,
}

#[derive(Serialize)]
pub(crate) struct ChangeEntry {
    op: &'static str,
    id: String,
    /// The record as of this change; upserts only.
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<Value>,
    cursor: String,
}

/// The change feed: every create, update and delete in commit order. Store
/// `nextCursor` and pass it as `since` to see each change exactly once.
#[utoipa::path(
    get,
    path = "/services/ccaas/v1/{module}/changes",
    operation_id = "changes",
    tag = "records",
    params(
        ("module" = String, Path, description = "Module name."),
        ("since" = Option<String>, Query, pattern = "^c[0-9]{1,18}$",
            description = "A `cursor` or `nextCursor` from this feed; absent: from the beginning."),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000,
            description = "Most changes to return, 1 to 1000 (default 100)."),
    ),
    responses(
        (status = 200, description = "The next changes.", body = ref("#/components/schemas/__Module__Changes")),
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["__module__.read"]))
)]
pub(crate) async fn changes(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiPath(name): ApiPath<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<ChangesBody>, ApiError> {
    let m = module(&name)?;
    p.require(m.read_scope())?;
    let q = params(raw.as_deref(), &["since", "limit"])?;
    let limit = int_param(&q, "limit", 100, 1..=MAX_CHANGES_LIMIT)?;
    let since = match q.get("since") {
        None => 0,
        Some(c) => parse_cursor(c)
            .ok_or_else(|| ApiError::invalid("since", "is not a cursor returned by this feed"))?,
    };
    let list = s
        .services
        .list_changes(m, &p.account_id, since, limit)
        .await?;
    let next = list.last().map_or(since, |c| c.seq);
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        let record = if c.op == ChangeOp::Upsert {
            let record: Value = c
                .record
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| crate::error::internal(&e))?
                .unwrap_or(Value::Null);
            Some(record)
        } else {
            None
        };
        out.push(ChangeEntry {
            op: c.op.as_str(),
            id: c.record_id,
            record,
            cursor: cursor(c.seq),
        });
    }
    Ok(Json(ChangesBody {
        changes: out,
        next_cursor: cursor(next),
    }))
}

/// Cursors are opaque to clients; inside they are the change's sequence number.
fn cursor(seq: i64) -> String {
    format!("c{seq}")
}

fn parse_cursor(s: &str) -> Option<i64> {
    s.strip_prefix('c')?.parse().ok().filter(|n: &i64| *n >= 0)
}
