//! `/services/ccaas/v1/{module}` (SPEC S6): list, get, create, replace, merge,
//! delete, and the change feed, for contacts, tickets and calls.

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, TokenAuth};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::records::query::parse_filter;
use switchboard_core::records::{
    BodyMode, ChangeOp, CreateOutcome, CreatedCondition, ListQuery, Module, Record, RecordWrite,
};

pub const BASE: &str = "/services/ccaas/v1";
const MAX_LIMIT: i64 = 100;
const MAX_CHANGES_LIMIT: i64 = 1000;
const MAX_IDEMPOTENCY_KEY: usize = 255;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/{{module}}"), get(list).post(create))
        .route(&format!("{BASE}/{{module}}/changes"), get(changes))
        .route(
            &format!("{BASE}/{{module}}/{{id}}"),
            get(show).put(replace).patch(merge).delete(remove),
        )
}

fn module(name: &str) -> Result<Module, ApiError> {
    Module::parse(name).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no module named {name:?}; modules: contacts, tickets, calls"),
        )
    })
}

/// Query parameters, each allowed once, only the named ones.
fn params(raw: Option<&str>, allowed: &[&str]) -> Result<HashMap<String, String>, ApiError> {
    let mut out = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if !allowed.contains(&k.as_ref()) {
            return Err(ApiError::invalid(
                k.as_ref(),
                format!(
                    "unknown query parameter; this endpoint takes {}",
                    allowed.join(", ")
                ),
            ));
        }
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(ApiError::invalid(k.as_ref(), "is given more than once"));
        }
    }
    Ok(out)
}

fn int_param(
    p: &HashMap<String, String>,
    name: &str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, ApiError> {
    match p.get(name) {
        None => Ok(default),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(ApiError::invalid(
                name,
                format!(
                    "must be a whole number from {} to {}, got {s:?}",
                    range.start(),
                    range.end()
                ),
            )),
        },
    }
}

/// `fields=a,b`: the projection, always with `id`.
fn projection(
    m: Module,
    p: &HashMap<String, String>,
) -> Result<Option<Vec<&'static str>>, ApiError> {
    let Some(raw) = p.get("fields") else {
        return Ok(None);
    };
    let mut out = vec!["id"];
    for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let known = m
            .fields()
            .iter()
            .map(|f| f.name)
            .chain(["id", "createdAt", "updatedAt"])
            .find(|f| *f == name)
            .ok_or_else(|| {
                ApiError::invalid("fields", format!("{name:?} is not a field of {}", m.name()))
            })?;
        if !out.contains(&known) {
            out.push(known);
        }
    }
    Ok(Some(out))
}

fn record_response(status: StatusCode, record: &Record, only: Option<&[&'static str]>) -> Response {
    let mut res = (status, Json(record.to_json(only))).into_response();
    if let Ok(v) = HeaderValue::from_str(&record.etag()) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

fn location(m: Module, id: &str) -> String {
    format!("{BASE}/{}/{id}", m.name())
}

async fn list(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiPath(name): ApiPath<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let m = module(&name)?;
    p.require(m.read_scope())?;
    let q = params(
        raw.as_deref(),
        &[
            "offset",
            "limit",
            "createdDate",
            "condition",
            "filter",
            "fields",
        ],
    )?;
    let page = int_param(&q, "offset", 0, 0..=1_000_000)?;
    let limit = int_param(&q, "limit", MAX_LIMIT, 1..=MAX_LIMIT)?;
    let created = match (q.get("createdDate"), q.get("condition")) {
        (None, None) => None,
        (None, Some(_)) => return Err(ApiError::invalid("condition", "needs createdDate")),
        (Some(date), cond) => {
            let at = date.parse::<i64>().map_err(|_| {
                ApiError::invalid(
                    "createdDate",
                    "must be epoch milliseconds, e.g. 1767225600000",
                )
            })?;
            let cond = match cond {
                None => CreatedCondition::Eq,
                Some(c) => CreatedCondition::parse(c).ok_or_else(|| {
                    ApiError::invalid("condition", "must be one of EQ, LT, GT, GTE, LTE")
                })?,
            };
            Some((cond, at))
        }
    };
    let filter = match q.get("filter") {
        // An empty `filter=` (as form-built URLs send) means no filter.
        Some(text) if text.trim().is_empty() => None,
        Some(text) => Some(parse_filter(m, text).map_err(|e| {
            let mut err =
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_filter", e.message.clone());
            err.position = Some(e.position);
            err
        })?),
        None => None,
    };
    let only = projection(m, &q)?;
    let result = s
        .services
        .list_records(
            m,
            &p.account_id,
            ListQuery {
                page,
                limit,
                created,
                filter,
            },
        )
        .await?;
    let body: Vec<Value> = result
        .records
        .iter()
        .map(|r| r.to_json(only.as_deref()))
        .collect();
    let mut res = Json(body).into_response();
    let h = res.headers_mut();
    h.insert("x-total-count", HeaderValue::from(result.total));
    if (page + 1) * limit < result.total {
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
            if k != "offset" {
                next.append_pair(&k, &v);
            }
        }
        next.append_pair("offset", &(page + 1).to_string());
        let link = format!("<{BASE}/{}?{}>; rel=\"next\"", m.name(), next.finish());
        if let Ok(v) = HeaderValue::from_str(&link) {
            h.insert(header::LINK, v);
        }
    }
    Ok(res)
}

async fn show(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiPath((name, id)): ApiPath<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let m = module(&name)?;
    p.require(m.read_scope())?;
    let q = params(raw.as_deref(), &["fields"])?;
    let only = projection(m, &q)?;
    let record = s.services.get_record(m, &p.account_id, &id).await?;
    Ok(record_response(StatusCode::OK, &record, only.as_deref()))
}

async fn create(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiPath(name): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let m = module(&name)?;
    p.require(m.write_scope())?;
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => {
            let k = v
                .to_str()
                .ok()
                .filter(|k| !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY);
            Some(k.ok_or_else(|| {
                ApiError::invalid(
                    "Idempotency-Key",
                    format!("must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"),
                )
            })?)
        }
    };
    match s
        .services
        .create_record(m, &p.account_id, &body, key)
        .await?
    {
        CreateOutcome::Created(record) => {
            let mut res = record_response(StatusCode::CREATED, &record, None);
            if let Ok(v) = HeaderValue::from_str(&location(m, &record.id)) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            Ok(res)
        }
        CreateOutcome::Replayed(first) => {
            let id = first["id"].as_str().unwrap_or_default().to_owned();
            let mut res = (StatusCode::CREATED, Json(first)).into_response();
            let h = res.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&location(m, &id)) {
                h.insert(header::LOCATION, v);
            }
            h.insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(res)
        }
    }
}

/// `If-Match: "v3"` → Some(3). `*` or absent → None. Anything else can match
/// no version: 412.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let s = v.to_str().unwrap_or("").trim();
    if s == "*" {
        return Ok(None);
    }
    s.trim_start_matches("W/")
        .strip_prefix("\"v")
        .and_then(|r| r.strip_suffix('"'))
        .and_then(|n| n.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                "If-Match does not name a version of this record",
            )
        })
}

async fn write(
    s: AppState,
    p: switchboard_core::principal::Principal,
    name: String,
    id: String,
    headers: HeaderMap,
    body: Value,
    mode: BodyMode,
) -> Result<Response, ApiError> {
    let m = module(&name)?;
    p.require(m.write_scope())?;
    let w = RecordWrite {
        id: &id,
        body: &body,
        mode,
        if_match: if_match(&headers)?,
    };
    let record = s.services.write_record(m, &p.account_id, w).await?;
    Ok(record_response(StatusCode::OK, &record, None))
}

async fn replace(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiPath((name, id)): ApiPath<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    write(s, p, name, id, headers, body, BodyMode::Replace).await
}

async fn merge(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiPath((name, id)): ApiPath<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    write(s, p, name, id, headers, body, BodyMode::Merge).await
}

async fn remove(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiPath((name, id)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let m = module(&name)?;
    p.require(m.write_scope())?;
    s.services
        .delete_record(m, &p.account_id, &id, if_match(&headers)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn changes(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiPath(name): ApiPath<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
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
        let mut entry = json!({"op": c.op.as_str(), "id": c.record_id, "cursor": cursor(c.seq)});
        if c.op == ChangeOp::Upsert {
            let record: Value = c
                .record
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| crate::error::internal(&e))?
                .unwrap_or(Value::Null);
            entry["record"] = record;
        }
        out.push(entry);
    }
    Ok(Json(json!({"changes": out, "nextCursor": cursor(next)})))
}

/// Cursors are opaque to clients; inside they are the change's sequence number.
fn cursor(seq: i64) -> String {
    format!("c{seq}")
}

fn parse_cursor(s: &str) -> Option<i64> {
    s.strip_prefix('c')?.parse().ok().filter(|n: &i64| *n >= 0)
}
