//! Reading records: a module's list (paged, filtered, by creation time,
//! projected, with `X-Total-Count` and a `Link` to the next page) and one
//! record with its `ETag`.

use super::query::{int_param, module, params, projection};
use super::{record_response, BASE};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{ApiPath, TokenAuth};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use switchboard_core::records::query::parse_filter;
use switchboard_core::records::{CreatedCondition, ListQuery};

const MAX_LIMIT: i64 = 100;

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
        ("condition" = Option<crate::schemas::Condition>, Query,
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
            body = [crate::schemas::ModuleFields],
            headers(
                ("X-Total-Count" = i64, description = "Matching records across all pages."),
                ("Link" = String, description = "RFC 8288 `<…>; rel=\"next\"` when more pages exist; \
                    keeps the other parameters.")
            )),
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 429, response = crate::schemas::TooManyRequests),
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
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 429, response = crate::schemas::TooManyRequests),
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
