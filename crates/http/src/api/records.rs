//! `/services/ccaas/v1/{module}` (SPEC S6): list, get, create, replace, merge,
//! delete, and the change feed, for contacts, tickets and calls.

use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiJson, ApiPath, TokenAuth};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use switchboard_core::records::query::parse_filter;
use switchboard_core::records::{
    BodyMode, ChangeOp, CreateOutcome, CreatedCondition, FieldType, ListQuery, Module, Record,
    RecordWrite,
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
            ErrorCode::NotFound,
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
    for name in raw.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(ApiError::invalid(
                "fields",
                "names no field: give field names separated by commas, e.g. fields=firstName,city",
            ));
        }
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

/// `807.0` is a whole number to JSON Schema (and so to the OpenAPI document):
/// for the integer fields, read it as `807`, as a client generated from the
/// document may send it. Anything with a fraction stays as sent, and is refused.
fn whole_numbers(m: Module, body: &mut Value) {
    let Some(object) = body.as_object_mut() else {
        return;
    };
    for f in m.fields() {
        if !matches!(f.ty, FieldType::Count | FieldType::Flag) {
            continue;
        }
        if let Some(v) = object.get_mut(f.name) {
            if let Some(x) = v.as_f64().filter(|_| v.is_f64()) {
                if x.fract() == 0.0 && x.abs() < 9.0e15 {
                    *v = Value::from(x as i64);
                }
            }
        }
    }
}

fn location(m: Module, id: &str) -> String {
    format!("{BASE}/{}/{id}", m.name())
}

/// List a module's records, newest first (ties broken by `id`, descending).
#[utoipa::path(
    get,
    path = "/services/ccaas/v1/{module}",
    operation_id = "list",
    tag = "records",
    params(
        ("module" = String, Path, description = "Module name."),
        ("offset" = Option<i64>, Query, minimum = 0, maximum = 1_000_000,
            description = "Page index (default 0): records skipped = offset × limit."),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100,
            description = "Page size, 1 to 100 (default 100)."),
        ("createdDate" = Option<i64>, Query,
            description = "Epoch milliseconds, compared with `createdAt` by `condition`."),
        ("condition" = Option<crate::openapi::Condition>, Query,
            description = "How `createdDate` is compared (default `EQ`); needs `createdDate`."),
        ("filter" = Option<String>, Query, max_length = 4096,
            description = "A filter expression (see docs/api.md), e.g. \
                `city = \"Hen\" AND (blockCustomer = 0 OR tags IS NOT NULL)`. \
                Empty means no filter. A bad filter is a 400 `invalid_filter` with `position`."),
        ("fields" = Option<Vec<String>>, Query, style = Form, explode = false,
            description = "Comma-separated projection; `id` is always included."),
    ),
    responses(
        (status = 200, description = "One page of __modules__.",
            body = [crate::openapi::ModuleFields],
            headers(
                ("X-Total-Count" = i64, description = "Matching records across all pages."),
                ("Link" = String, description = "RFC 8288 `<…>; rel=\"next\"` when more pages exist; \
                    keeps the other parameters.")
            )),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 429, response = crate::openapi::TooManyRequests),
    ),
    security(("bearer" = ["__module__.read"]))
)]
pub(crate) async fn list(
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
            let mut err = ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidFilter,
                e.message.clone(),
            );
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

/// One record.
#[utoipa::path(
    get,
    path = "/services/ccaas/v1/{module}/{id}",
    operation_id = "get",
    tag = "records",
    params(
        ("module" = String, Path, description = "Module name."),
        ("id" = String, Path, description = "The record's id."),
        ("fields" = Option<Vec<String>>, Query, style = Form, explode = false,
            description = "Comma-separated projection; `id` is always included."),
    ),
    responses(
        (status = 200, description = "The __record__.", body = ref("#/components/schemas/__Module__Fields"),
            headers(("ETag" = String, description = "The record's version, `\"v<n>\"`."))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 429, response = crate::openapi::TooManyRequests),
    ),
    security(("bearer" = ["__module__.read"]))
)]
pub(crate) async fn show(
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

/// Create a record. With `Idempotency-Key`, a retried request (same key, same
/// body, within 24 h) returns the first response and creates nothing.
#[utoipa::path(
    post,
    path = "/services/ccaas/v1/{module}",
    operation_id = "create",
    tag = "records",
    params(
        ("module" = String, Path, description = "Module name."),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255,
            pattern = "^[\\t -~]+$",
            description = "1 to 255 visible ASCII characters; remembered for 24 hours."),
    ),
    request_body = ref("#/components/schemas/__Module__Input"),
    responses(
        (status = 201, description = "Created: the whole __record__.",
            body = ref("#/components/schemas/__Module__"),
            headers(
                ("Location" = String, description = "The new record's URL."),
                ("ETag" = String, description = "The record's version (absent on a replay)."),
                ("Idempotent-Replayed" = String, description = "`true` when this is the stored \
                    answer to an earlier request with the same `Idempotency-Key`.")
            )),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 429, response = crate::openapi::TooManyRequests),
    ),
    security(("bearer" = ["__module__.write"]))
)]
pub(crate) async fn create(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiPath(name): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(mut body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let m = module(&name)?;
    p.require(m.write_scope())?;
    whole_numbers(m, &mut body);
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
                ErrorCode::PreconditionFailed,
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
    mut body: Value,
    mode: BodyMode,
) -> Result<Response, ApiError> {
    let m = module(&name)?;
    p.require(m.write_scope())?;
    whole_numbers(m, &mut body);
    let w = RecordWrite {
        id: &id,
        body: &body,
        mode,
        if_match: if_match(&headers)?,
    };
    let record = s.services.write_record(m, &p.account_id, w).await?;
    Ok(record_response(StatusCode::OK, &record, None))
}

/// Replace a record: fields left out become null (or their default).
#[utoipa::path(
    put,
    path = "/services/ccaas/v1/{module}/{id}",
    operation_id = "replace",
    tag = "records",
    params(
        ("module" = String, Path, description = "Module name."),
        ("id" = String, Path, description = "The record's id."),
        ("If-Match" = Option<String>, Header, pattern = "^(\\*|(W/)?\"v[0-9]{1,18}\")$",
            description = "Only if the record is still at this version (its `ETag`); else 412."),
    ),
    request_body = ref("#/components/schemas/__Module__Input"),
    responses(
        (status = 200, description = "The whole updated __record__.",
            body = ref("#/components/schemas/__Module__"),
            headers(("ETag" = String, description = "The record's new version."))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 429, response = crate::openapi::TooManyRequests),
    ),
    security(("bearer" = ["__module__.write"]))
)]
pub(crate) async fn replace(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiPath((name, id)): ApiPath<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    write(s, p, name, id, headers, body, BodyMode::Replace).await
}

/// Merge into a record: only the fields given change; null clears one (or,
/// for a field with a default, sets the default).
#[utoipa::path(
    patch,
    path = "/services/ccaas/v1/{module}/{id}",
    operation_id = "update",
    tag = "records",
    params(
        ("module" = String, Path, description = "Module name."),
        ("id" = String, Path, description = "The record's id."),
        ("If-Match" = Option<String>, Header, pattern = "^(\\*|(W/)?\"v[0-9]{1,18}\")$",
            description = "Only if the record is still at this version (its `ETag`); else 412."),
    ),
    request_body = ref("#/components/schemas/__Module__Patch"),
    responses(
        (status = 200, description = "The whole updated __record__.",
            body = ref("#/components/schemas/__Module__"),
            headers(("ETag" = String, description = "The record's new version."))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 429, response = crate::openapi::TooManyRequests),
    ),
    security(("bearer" = ["__module__.write"]))
)]
pub(crate) async fn merge(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiPath((name, id)): ApiPath<(String, String)>,
    headers: HeaderMap,
    ApiJson(mut body): ApiJson<Value>,
) -> Result<Response, ApiError> {
    // A field with a default always has a value (as after PUT): clearing it
    // with null sets it back to its default.
    if let (Some(m), Some(object)) = (Module::parse(&name), body.as_object_mut()) {
        for f in m.fields() {
            if let (Some(default), Some(v)) = (f.default, object.get_mut(f.name)) {
                if v.is_null() {
                    *v = Value::String(default.to_owned());
                }
            }
        }
    }
    write(s, p, name, id, headers, body, BodyMode::Merge).await
}

/// Delete a record.
#[utoipa::path(
    delete,
    path = "/services/ccaas/v1/{module}/{id}",
    operation_id = "delete",
    tag = "records",
    params(
        ("module" = String, Path, description = "Module name."),
        ("id" = String, Path, description = "The record's id."),
        ("If-Match" = Option<String>, Header, pattern = "^(\\*|(W/)?\"v[0-9]{1,18}\")$",
            description = "Only if the record is still at this version (its `ETag`); else 412."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 429, response = crate::openapi::TooManyRequests),
    ),
    security(("bearer" = ["__module__.write"]))
)]
pub(crate) async fn remove(
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
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 429, response = crate::openapi::TooManyRequests),
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
