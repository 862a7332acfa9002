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
//!
//! This file holds the list of documented paths and the assembly of the
//! document; the schemas and responses it and the handlers refer to live in
//! `crate::schemas`, which imports no handler.

use crate::error::Envelope;
use crate::schemas::modules::{expand_modules, record_schemas};
use crate::schemas::{
    BadRequest, Condition, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed,
    RequestTimeout, TooManyRequests, Unauthorized, UnsupportedMediaType,
};
use crate::state::AppState;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use std::sync::OnceLock;
use switchboard_core::records::schema::Module;
use utoipa::OpenApi;

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
        crate::api::records::read::list,
        crate::api::records::write::create,
        crate::api::records::changes::changes,
        crate::api::records::read::show,
        crate::api::records::write::replace,
        crate::api::records::write::merge,
        crate::api::records::write::remove,
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
