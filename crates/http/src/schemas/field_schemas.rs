//! Field schemas for `#[schema(schema_with = …)]`: the rules of the admin
//! API's body fields (names, descriptions, scopes, expiries, redirect URIs)
//! that a Rust type alone does not say.

use serde_json::{json, Value};
use switchboard_core::scope::Scope;

/// A schema written as JSON Schema, for `#[schema(schema_with = …)]` where a
/// field's rules are more than a Rust type says.
fn schema_of(v: Value) -> utoipa::openapi::schema::Schema {
    serde_json::from_value(v).unwrap_or_default()
}

fn scope_names(grantable: fn(Scope) -> bool) -> Vec<&'static str> {
    Scope::ALL
        .iter()
        .filter(|s| grantable(**s))
        .map(|s| s.as_str())
        .collect()
}

/// A display name: 1 to `max` characters once trimmed, no control characters.
fn name_schema(max: usize) -> Value {
    json!({
        "type": "string",
        "maxLength": max,
        "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$",
    })
}

pub(crate) fn app_name() -> utoipa::openapi::schema::Schema {
    schema_of(name_schema(80))
}

pub(crate) fn user_name() -> utoipa::openapi::schema::Schema {
    schema_of(name_schema(100))
}

pub(crate) fn description() -> utoipa::openapi::schema::Schema {
    schema_of(json!({"type": ["string", "null"], "maxLength": 500}))
}

/// The same schema, or null (an `Option` field: null means "not given").
fn or_null(schema: utoipa::openapi::schema::Schema) -> utoipa::openapi::schema::Schema {
    let mut v = serde_json::to_value(schema).unwrap_or_default();
    if let Some(t) = v["type"].as_str() {
        v["type"] = json!([t, "null"]);
    }
    schema_of(v)
}

pub(crate) fn app_name_or_null() -> utoipa::openapi::schema::Schema {
    or_null(app_name())
}

pub(crate) fn private_app_scopes_or_null() -> utoipa::openapi::schema::Schema {
    or_null(private_app_scopes())
}

pub(crate) fn oauth_app_scopes_or_null() -> utoipa::openapi::schema::Schema {
    or_null(oauth_app_scopes())
}

pub(crate) fn redirect_uris_or_null() -> utoipa::openapi::schema::Schema {
    or_null(redirect_uris())
}

pub(crate) fn private_app_scopes() -> utoipa::openapi::schema::Schema {
    schema_of(json!({
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "enum": scope_names(Scope::grantable_to_private_app)},
    }))
}

pub(crate) fn oauth_app_scopes() -> utoipa::openapi::schema::Schema {
    schema_of(json!({
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "enum": scope_names(Scope::grantable_to_oauth_app)},
    }))
}

pub(crate) fn expires_in_days() -> utoipa::openapi::schema::Schema {
    schema_of(json!({
        "type": ["integer", "null"],
        "enum": [30, 90, 365, null],
        "description": "Days until the token expires; absent or null: never.",
    }))
}

pub(crate) fn redirect_uris() -> utoipa::openapi::schema::Schema {
    schema_of(json!({
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "string",
            "description": "An absolute https URL, or http for a loopback host \
                (127.0.0.1, [::1], localhost); no fragment. Matched exactly.",
        },
    }))
}
