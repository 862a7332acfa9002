//! The record endpoints' requests: the path's module, and query strings
//! with each parameter allowed once and only where named, whole-number
//! parameters in range, and `fields=`.

use crate::error::{ApiError, ErrorCode};
use axum::http::StatusCode;
use std::collections::HashMap;
use switchboard_core::records::Module;

/// Query parameters, each allowed once, only the named ones.
pub(super) fn params(
    raw: Option<&str>,
    allowed: &[&str],
) -> Result<HashMap<String, String>, ApiError> {
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

pub(super) fn int_param(
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
pub(super) fn projection(
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

/// The `{module}` path segment: a module this server has, or a 404.
pub(super) fn module(name: &str) -> Result<Module, ApiError> {
    Module::parse(name).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("no module named {name:?}; modules: contacts, tickets, calls"),
        )
    })
}
