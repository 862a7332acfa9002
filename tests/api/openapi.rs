//! `GET /openapi.json` is the contract: a change to it must be a visible diff.
//! The served document must equal `docs/openapi.json`, byte for byte; after
//! an intended change, regenerate the file with
//!
//!     SWITCHBOARD_UPDATE_SNAPSHOT=1 cargo test --test api openapi
//!
//! and commit it with the change.

use crate::helpers::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");

#[tokio::test]
async fn served_document_matches_the_committed_snapshot() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let res = app
        .api()
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let served = res.text().await.unwrap();
    if std::env::var_os("SWITCHBOARD_UPDATE_SNAPSHOT").is_some() {
        std::fs::write(SNAPSHOT, &served).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        served == committed,
        "GET /openapi.json differs from docs/openapi.json. If the change to the API \
         contract is intended, regenerate the snapshot and commit it:\n\n    \
         SWITCHBOARD_UPDATE_SNAPSHOT=1 cargo test --test api openapi\n\nthen review \
         `git diff docs/openapi.json`."
    );
}

/// The document holds what the contract promises: OpenAPI 3.1, one path set
/// per module, every operation with its security and error responses, and
/// one closed enum of error codes.
#[tokio::test]
async fn document_covers_the_contract() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc: Value = app
        .api()
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/services/ccaas/v1/contacts",
        "/services/ccaas/v1/tickets/{id}",
        "/services/ccaas/v1/calls/changes",
        "/services/oauth2/v1/me",
        "/services/oauth2/v1/token",
        "/services/oauth2/v1/introspect",
        "/services/admin/v1/private-apps/{id}/rotate",
        "/services/admin/v1/oauth-apps/{id}/rotate-secret",
        "/services/admin/v1/users/{id}",
        "/services/admin/v1/grants/{id}",
        "/services/admin/v1/audit-log",
        "/.well-known/oauth-authorization-server",
    ] {
        assert!(paths.contains_key(path), "{path} is not in the document");
    }
    assert!(!paths.keys().any(|p| p.contains("{module}")));
    let schemas = &doc["components"]["schemas"];
    let codes: Vec<&str> = schemas["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for code in [
        "invalid_request",
        "invalid_token",
        "insufficient_scope",
        "csrf_failed",
        "not_found",
        "precondition_failed",
        "rate_limited",
        "invalid_filter",
    ] {
        assert!(codes.contains(&code), "{code} missing from ErrorCode");
    }
    // The module field lists come from the registry.
    assert_eq!(
        schemas["TicketInput"]["required"],
        serde_json::json!(["subject"])
    );
    assert!(schemas["Contact"]["properties"]["primaryPhoneNumber"].is_object());
    // Every token-authenticated operation documents 401 with WWW-Authenticate.
    let unauthorized = &doc["components"]["responses"]["Unauthorized"];
    assert!(unauthorized["headers"]["WWW-Authenticate"].is_object());
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            if secured && !path.ends_with("/introspect") {
                assert_eq!(
                    op["responses"]["401"]["$ref"], "#/components/responses/Unauthorized",
                    "{method} {path}"
                );
            }
        }
    }
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    for s in ["bearer", "clientBasic", "consoleSession", "csrfToken"] {
        assert!(schemes.contains_key(s), "{s}");
    }
}
