//! `GET /openapi.json` (SPEC S10): the OpenAPI 3.1 document of the data API
//! (S6), the admin API (S8) and the OAuth endpoints (S5), generated from the
//! handlers' `#[utoipa::path]` annotations, the bodies' `ToSchema` derives and
//! the module field registry. `docs/openapi.json` is a snapshot of it.
//!
//! The record endpoints are one set of handlers for every module: they are
//! annotated once under `/services/ccaas/v1/{module}` with placeholder schema
//! names (`__Module__`, `__Module__Input`, …) and scopes (`__module__.read`),
//! and [`document`] expands them into one set of paths per module, with the
//! module's own record schemas built from `Module::fields()`.

use crate::error::Envelope;
use crate::state::AppState;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;
use switchboard_core::records::schema::{FieldType, Module};
use switchboard_core::scope::Scope;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{OpenApi, ToResponse};

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(serve))
}

async fn serve() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        document().to_owned(),
    )
        .into_response()
}

/// The document, pretty-printed with a final newline (as `docs/openapi.json`).
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let doc = build();
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    })
}

/// The record value limits of `switchboard_core::records` (not exported
/// there); the schemathesis run in CI fails if they drift.
const MAX_TEXT_CHARS: usize = 10_000;
const MAX_LIST_ITEMS: usize = 100;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard API",
        description = "The data API (`/services/ccaas/v1`), the admin API (`/services/admin/v1`) \
            and the OAuth 2.0 authorization server (`/services/oauth2/v1`) of a Switchboard server. \
            Every response carries `X-Request-Id`. The reference in `docs/api.md` explains the \
            filter language, pagination, the change feed, idempotency, ETags and the token formats.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        crate::api::records::list,
        crate::api::records::create,
        crate::api::records::changes,
        crate::api::records::show,
        crate::api::records::replace,
        crate::api::records::merge,
        crate::api::records::remove,
        crate::api::me::me,
        crate::api::leaked_tokens::report,
        crate::admin::private_apps::list,
        crate::admin::private_apps::create,
        crate::admin::private_apps::show,
        crate::admin::private_apps::update,
        crate::admin::private_apps::remove,
        crate::admin::private_apps::rotate,
        crate::admin::logo::put_private_app_logo,
        crate::admin::logo::delete_private_app_logo,
        crate::admin::oauth_apps::list,
        crate::admin::oauth_apps::create,
        crate::admin::oauth_apps::show,
        crate::admin::oauth_apps::update,
        crate::admin::oauth_apps::remove,
        crate::admin::oauth_apps::rotate_secret,
        crate::admin::logo::put_oauth_app_logo,
        crate::admin::logo::delete_oauth_app_logo,
        crate::admin::users::list,
        crate::admin::users::create,
        crate::admin::users::show,
        crate::admin::users::update,
        crate::admin::password_resets::create,
        crate::admin::grants::list,
        crate::admin::grants::revoke,
        crate::admin::audit_log::list,
        crate::admin::webhooks::list,
        crate::admin::webhooks::show,
        crate::admin::webhooks::remove,
        crate::admin::webhooks::deliveries,
        crate::admin::webhooks::redeliver,
        crate::api::webhooks::create,
        crate::api::webhooks::list,
        crate::api::webhooks::show,
        crate::api::webhooks::remove,
        crate::api::webhooks::deliveries,
        crate::api::webhooks::redeliver,
        crate::oauth::authorize::authorize,
        crate::oauth::authorize::decide,
        crate::oauth::token::token,
        crate::oauth::token::revoke,
        crate::oauth::token::introspect,
        crate::oauth::metadata::metadata,
    ),
    components(schemas(Envelope, Condition), responses(
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        PreconditionFailed,
        PayloadTooLarge,
        UnsupportedMediaType,
        TooManyRequests,
        RequestTimeout,
    )),
    tags(
        (name = "records", description = "The modules' records (SPEC S6): contacts, tickets, calls."),
        (name = "tokens", description = "Who am I, and leaked-token reports."),
        (name = "admin", description = "The admin API (SPEC S8): a Private App token with admin.read / \
            admin.write, or an admin's console session (then X-CSRF-Token on writes)."),
        (name = "oauth", description = "The OAuth 2.0 authorization server (SPEC S5)."),
        (name = "webhooks", description = "REST-hook subscriptions (SPEC S9): events POSTed to a URL, \
            signed with `Switchboard-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>`."),
    ),
)]
struct ApiDoc;

/// `condition` of a list: how `createdDate` is compared.
#[derive(utoipa::ToSchema)]
#[allow(clippy::upper_case_acronyms, dead_code)]
pub enum Condition {
    EQ,
    LT,
    GT,
    GTE,
    LTE,
}

/// Who may authorize an OAuth app: users of its account only, or anyone.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum Visibility {
    Private,
    Public,
}

/// `confidential` clients have a secret; `public` ones (native apps, SPAs) use PKCE.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ClientType {
    Confidential,
    Public,
}

/// How long the app's access tokens live; with `1h` or `24h`, refresh tokens are issued.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub enum AccessTokenLifetime {
    #[schema(rename = "never")]
    Never,
    #[schema(rename = "1h")]
    OneHour,
    #[schema(rename = "24h")]
    OneDay,
}

/// A user's role.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum Role {
    Admin,
    Member,
}

/// A placeholder for the list answer's items, `{Module}Fields` once expanded.
pub struct ModuleFields;

impl utoipa::PartialSchema for ModuleFields {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::Object::new().into()
    }
}

impl utoipa::ToSchema for ModuleFields {
    fn name() -> std::borrow::Cow<'static, str> {
        "__Module__Fields".into()
    }
}

/// A response component: the S7 envelope, with these headers.
fn error_response(description: &str, headers: &[(&str, &str)]) -> RefOr<utoipa::openapi::Response> {
    let mut b = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Error")))
            .build(),
    );
    for (name, desc) in headers {
        b = b.header(*name, HeaderBuilder::new().description(Some(*desc)).build());
    }
    b.build().into()
}

const WWW_AUTH_401: &str = "RFC 6750 §3: `Bearer realm=\"switchboard\"` when no token was sent; \
    `Bearer realm=\"switchboard\", error=\"invalid_token\"` for a malformed, unknown, revoked or \
    expired one.";
const WWW_AUTH_403: &str = "RFC 6750 §3.1, with `error=\"insufficient_scope\"`: \
    `Bearer error=\"insufficient_scope\", scope=\"<the scope needed>\"`. Absent for `csrf_failed` \
    and `forbidden`.";

macro_rules! error_responses {
    ($($name:ident => $description:expr, [$(($h:expr, $d:expr)),*];)*) => {$(
        pub struct $name;
        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
                (stringify!($name), error_response($description, &[$(($h, $d)),*]))
            }
        }
    )*};
}

error_responses! {
    BadRequest => "`invalid_request` (with `field` naming the parameter, header or body field), \
        `invalid_json`, or `invalid_filter` (with `position`).", [];
    Unauthorized => "`unauthorized` (no credentials) or `invalid_token`.",
        [("WWW-Authenticate", WWW_AUTH_401)];
    Forbidden => "`insufficient_scope`; on the admin API also `csrf_failed` (a console-session \
        write without a valid `X-CSRF-Token`) and `forbidden`.",
        [("WWW-Authenticate", WWW_AUTH_403)];
    NotFound => "`not_found`: no such object in this account (another account's id is also 404).", [];
    Conflict => "`email_taken`, `last_admin`, `idempotency_key_reused`, `write_conflict` or \
        `public_client`.", [];
    PreconditionFailed => "`precondition_failed`: `If-Match` does not name the current version.", [];
    PayloadTooLarge => "`payload_too_large`: the body is over the endpoint's limit \
        (1 MiB; 256 KiB for logos).", [];
    RequestTimeout => "`request_timeout`: the request, its body included, took longer than the \
        server's request timeout (default 30 s); the connection is closed.", [];
    UnsupportedMediaType => "`unsupported_media_type`: send `Content-Type: application/json`.", [];
    TooManyRequests => "`rate_limited`: the token's rate limit (default 100 requests per 10 s) \
        is spent.", [
            ("Retry-After", "Seconds until a request may succeed."),
            ("RateLimit-Limit", "Requests allowed per window."),
            ("RateLimit-Remaining", "Requests left in this window (0)."),
            ("RateLimit-Reset", "Seconds until the window resets.")
        ];
}

fn build() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    // Generated from this crate's metadata; the document is the contract, not the build.
    doc["info"]["version"] = json!("1");
    doc["components"]["securitySchemes"] = security_schemes();
    expand_modules(&mut doc);
    add_request_timeout(&mut doc);
    // utoipa marks every request body required; this one may be left out.
    let rotate = &mut doc["paths"]["/services/admin/v1/private-apps/{id}/rotate"]["post"];
    if rotate.is_object() {
        rotate["requestBody"]["required"] = json!(false);
    }
    for m in Module::ALL {
        let schemas = &mut doc["components"]["schemas"];
        for (name, schema) in record_schemas(m) {
            schemas[name] = schema;
        }
    }
    doc
}

fn security_schemes() -> Value {
    json!({
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "A Private App token (`swb_pat_…`) or an OAuth access token (`swb_at_…`) \
                in `Authorization: Bearer <token>`; the bare `Authorization: <token>` is accepted \
                too. The scopes listed on an operation are the ones the token needs."
        },
        "clientBasic": {
            "type": "http",
            "scheme": "basic",
            "description": "OAuth client authentication (`client_secret_basic`): the client id and \
                secret, each form-urlencoded, joined by `:` and Base64-encoded. The same endpoints \
                also take `client_id` + `client_secret` in the form body (`client_secret_post`), \
                and public clients send only `client_id`."
        },
        "consoleSession": {
            "type": "apiKey",
            "in": "cookie",
            "name": "swb_session",
            "description": "An admin's console session (`__Host-swb_session` when served over \
                https). Writes must also carry `X-CSRF-Token` (the `csrfToken` scheme)."
        },
        "csrfToken": {
            "type": "apiKey",
            "in": "header",
            "name": "X-CSRF-Token",
            "description": "The session's CSRF token, from the console pages' \
                `<meta name=\"csrf-token\">`. Required with `consoleSession` on every write."
        }
    })
}

/// The request timeout and the header-size cap apply to every operation
/// (the HTTP layer, not a handler, answers them), so every operation
/// documents its 408 and its 431.
fn add_request_timeout(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for op in ops.values_mut() {
            if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                responses.insert(
                    "408".to_owned(),
                    json!({"$ref": "#/components/responses/RequestTimeout"}),
                );
                responses.insert(
                    "431".to_owned(),
                    json!({"description": "The request line and headers are larger than \
                        --max-header-bytes (16 KiB by default): answered by the HTTP layer before \
                        routing, with an empty body, and the connection is closed."}),
                );
            }
        }
    }
}

/// Each `/services/ccaas/v1/{module}…` path becomes one path per module.
fn expand_modules(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object().cloned() else {
        return;
    };
    let mut out = Map::new();
    for (path, item) in paths {
        if !path.contains("{module}") {
            out.insert(path, item);
            continue;
        }
        for m in Module::ALL {
            let text = serde_json::to_string(&item)
                .unwrap_or_default()
                .replace("__Module__", schema_name(m))
                .replace("__module__", m.name())
                .replace("__modules__", m.name())
                .replace("__record__", m.singular());
            let Ok(mut item) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if let Some(ops) = item.as_object_mut() {
                for op in ops.values_mut() {
                    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                        params.retain(|p| p["name"] != "module");
                        for p in params.iter_mut().filter(|p| p["name"] == "fields") {
                            p["schema"] = json!({
                                "type": "array",
                                "minItems": 1,
                                "items": {"$ref": format!("#/components/schemas/{}Field", schema_name(m))},
                            });
                        }
                        if params.is_empty() {
                            op.as_object_mut().map(|o| o.remove("parameters"));
                        }
                    }
                    if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                        op["operationId"] = json!(format!("{id}_{}", m.name()));
                    }
                    op["tags"] = json!([m.name()]);
                }
            }
            out.insert(path.replace("{module}", m.name()), item);
        }
    }
    doc["paths"] = Value::Object(out);
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        schemas.retain(|name, _| !name.starts_with("__Module__"));
    }
    if let Some(tags) = doc["tags"].as_array_mut() {
        tags.retain(|t| t["name"] != "records");
        for (i, m) in Module::ALL.into_iter().enumerate() {
            tags.insert(
                i,
                json!({"name": m.name(), "description": format!("The {} module (SPEC S6).", m.name())}),
            );
        }
    }
}

fn schema_name(m: Module) -> &'static str {
    match m {
        Module::Contacts => "Contact",
        Module::Tickets => "Ticket",
        Module::Calls => "Call",
    }
}

/// The JSON Schema of one field's value (without null).
fn field_schema(ty: FieldType) -> Value {
    match ty {
        FieldType::Text => json!({"type": "string", "maxLength": MAX_TEXT_CHARS}),
        FieldType::TextList => json!({
            "type": "array",
            "items": {"type": "string"},
            "maxItems": MAX_LIST_ITEMS,
        }),
        FieldType::Flag => json!({"type": "integer", "enum": [0, 1]}),
        FieldType::Count => json!({
            "type": "integer",
            "format": "int64",
            "minimum": 0,
            "maximum": i64::MAX,
        }),
        FieldType::Enum(values) => json!({"type": "string", "enum": values}),
        FieldType::Timestamp => json!({"type": "string", "format": "date-time"}),
        FieldType::Url => json!({
            "type": "string",
            "format": "uri",
            "pattern": "^https?://[^\\s]+$",
            "maxLength": MAX_TEXT_CHARS,
        }),
    }
}

fn nullable(mut schema: Value) -> Value {
    if let Some(t) = schema["type"].as_str() {
        schema["type"] = json!([t, "null"]);
    }
    if let Some(values) = schema.get_mut("enum").and_then(Value::as_array_mut) {
        values.push(Value::Null);
    }
    schema
}

/// `Contact` (a whole record, as every write answers), `ContactFields` (a
/// record as reads answer: with `fields=`, only those and `id`),
/// `ContactInput` (POST and PUT bodies) and `ContactPatch` (PATCH bodies).
fn record_schemas(m: Module) -> Vec<(String, Value)> {
    let name = schema_name(m);
    let mut props = Map::new();
    props.insert(
        "id".into(),
        json!({"type": "string", "description": "Opaque, server-set."}),
    );
    let mut input = Map::new();
    let mut patch = Map::new();
    let mut required_in = Vec::new();
    for f in m.fields() {
        let mut value = field_schema(f.ty);
        if let Some(d) = f.default {
            value["default"] = json!(d);
        }
        props.insert(f.name.into(), nullable(value.clone()));
        if f.required {
            required_in.push(f.name);
            input.insert(f.name.into(), value.clone());
            patch.insert(f.name.into(), value);
        } else {
            input.insert(f.name.into(), nullable(value.clone()));
            patch.insert(f.name.into(), nullable(value));
        }
    }
    for ts in ["createdAt", "updatedAt"] {
        props.insert(
            ts.into(),
            json!({"type": "string", "format": "date-time",
                   "description": "RFC 3339, UTC, millisecond precision; server-set."}),
        );
    }
    let all: Vec<&String> = props.keys().collect();
    let singular = m.singular();
    let field_names: Vec<&String> = props.keys().collect();
    vec![
        (
            format!("{name}Field"),
            json!({
                "type": "string",
                "description": format!("A field of a {singular}."),
                "enum": field_names,
            }),
        ),
        (
            format!("{name}Changes"),
            json!({
                "type": "object",
                "description": "A page of the change feed, in commit order.",
                "properties": {
                    "changes": {"type": "array", "items": {
                        "type": "object",
                        "properties": {
                            "op": {"type": "string", "enum": ["upsert", "delete"]},
                            "id": {"type": "string", "description": format!("The {singular}'s id.")},
                            "record": {
                                "$ref": format!("#/components/schemas/{name}"),
                                "description": "The record as of this change; on every upsert, never on a delete."
                            },
                            "cursor": {"type": "string", "description": "This change's position in the feed."},
                        },
                        "required": ["op", "id", "cursor"],
                        "additionalProperties": false,
                    }},
                    "nextCursor": {"type": "string", "description": "Pass as `since` to go on after \
                        this page (the `since` given, when the page is empty)."},
                },
                "required": ["changes", "nextCursor"],
                "additionalProperties": false,
            }),
        ),
        (
            name.to_owned(),
            json!({
                "type": "object",
                "description": format!("A {singular}: every field, null when unset."),
                "properties": props,
                "required": all,
                "additionalProperties": false,
            }),
        ),
        (
            format!("{name}Fields"),
            json!({
                "type": "object",
                "description": format!("A {singular} as reads return it: every field (null when \
                    unset), or only `id` and the fields named in `fields`."),
                "properties": props,
                "required": ["id"],
                "additionalProperties": false,
            }),
        ),
        (
            format!("{name}Input"),
            json!({
                "type": "object",
                "description": format!("A whole {singular} (POST, PUT): fields left out are null \
                    or take their default. Unknown and server-set fields are refused."),
                "properties": input,
                "required": required_in,
                "additionalProperties": false,
            }),
        ),
        (
            format!("{name}Patch"),
            json!({
                "type": "object",
                "description": format!("A merge patch of a {singular} (PATCH): only the fields \
                    given change; null clears one (a field with a default goes back to it)."),
                "properties": patch,
                "additionalProperties": false,
            }),
        ),
    ]
}

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

/// `token_type` of a token response.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub enum Bearer {
    Bearer,
}

/// What introspection says a token is.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub enum IntrospectedType {
    Bearer,
    #[schema(rename = "refresh_token")]
    RefreshToken,
}

/// `grant_type` at the token endpoint (`authorisation_code` is an alias of
/// `authorization_code`).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum GrantType {
    AuthorizationCode,
    AuthorisationCode,
    RefreshToken,
    ClientCredentials,
}

/// RFC 6749 §5.2 and §4.1.2.1 error codes, as this server uses them.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    ServerError,
    TemporarilyUnavailable,
}
