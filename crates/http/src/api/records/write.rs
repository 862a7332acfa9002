//! Writing records: create (with `Idempotency-Key`), replace, merge and
//! delete, each optionally bound to a version by `If-Match`.

use super::query::module;
use super::{record_response, BASE};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiJson, ApiPath, TokenAuth};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use switchboard_core::records::{BodyMode, CreateOutcome, FieldType, Module, RecordWrite};

const MAX_IDEMPOTENCY_KEY: usize = 255;

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
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 409, response = crate::schemas::Conflict),
        (status = 413, response = crate::schemas::PayloadTooLarge),
        (status = 415, response = crate::schemas::UnsupportedMediaType),
        (status = 429, response = crate::schemas::TooManyRequests),
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
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 409, response = crate::schemas::Conflict),
        (status = 412, response = crate::schemas::PreconditionFailed),
        (status = 413, response = crate::schemas::PayloadTooLarge),
        (status = 415, response = crate::schemas::UnsupportedMediaType),
        (status = 429, response = crate::schemas::TooManyRequests),
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
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 409, response = crate::schemas::Conflict),
        (status = 412, response = crate::schemas::PreconditionFailed),
        (status = 413, response = crate::schemas::PayloadTooLarge),
        (status = 415, response = crate::schemas::UnsupportedMediaType),
        (status = 429, response = crate::schemas::TooManyRequests),
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
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 412, response = crate::schemas::PreconditionFailed),
        (status = 429, response = crate::schemas::TooManyRequests),
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
