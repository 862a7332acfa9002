//! `/services/ccaas/v1/{module}` (SPEC S6): list, get, create, replace, merge,
//! delete, and the change feed, for contacts, tickets and calls.
//!
//! This file holds the routes and what every endpoint shares (a record as
//! an answer); reading, writing, the change feed and the parsing of the
//! path's module and the query string live in the modules below.

pub(crate) mod changes;
mod query;
pub(crate) mod read;
pub(crate) mod write;

use crate::state::AppState;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use changes::changes;
use read::{list, show};
use switchboard_core::records::Record;
use write::{create, merge, remove, replace};

pub const BASE: &str = "/services/ccaas/v1";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/{{module}}"), get(list).post(create))
        .route(&format!("{BASE}/{{module}}/changes"), get(changes))
        .route(
            &format!("{BASE}/{{module}}/{{id}}"),
            get(show).put(replace).patch(merge).delete(remove),
        )
}

fn record_response(status: StatusCode, record: &Record, only: Option<&[&'static str]>) -> Response {
    let mut res = (status, Json(record.to_json(only))).into_response();
    if let Ok(v) = HeaderValue::from_str(&record.etag()) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}
