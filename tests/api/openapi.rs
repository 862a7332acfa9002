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

/// What schemathesis found (.ci/schemathesis.sh): a PATCH that cleared a
/// field with a default was a 500 (the column is NOT NULL); a JSON array
/// was read as an object with every field left out; `807.0`, a whole number
/// to JSON Schema, was refused for an integer field; `fields=` (no field
/// named) was taken as "only `id`".
#[tokio::test]
async fn schemathesis_findings_stay_fixed() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_console, token) = app
        .account_with_token(
            "Acme",
            &["tickets.read", "tickets.write", "admin.read", "admin.write"],
        )
        .await;
    let api = app.api();
    let created: Value = api
        .post(app.url("/services/ccaas/v1/tickets"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"subject": "Help", "status": "pending"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let res = api
        .patch(app.url(&format!("/services/ccaas/v1/tickets/{id}")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"status": null, "priority": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["status"].as_str(), body["priority"].as_str()),
        (Some("open"), Some("normal"))
    );

    let res = api
        .post(app.url("/services/ccaas/v1/calls"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"direction": "inbound", "durationSeconds": 807.0}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "the token has no calls.write"
    );
    let (_c, calls) = app
        .account_with_token("Calls", &["calls.read", "calls.write"])
        .await;
    for (body, status) in [
        (
            r#"{"direction": "inbound", "durationSeconds": 807.0}"#,
            StatusCode::CREATED,
        ),
        (
            r#"{"direction": "inbound", "durationSeconds": 807.5}"#,
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let res = api
            .post(app.url("/services/ccaas/v1/calls"))
            .bearer_auth(&calls)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{body}");
        if status == StatusCode::CREATED {
            let v: Value = res.json().await.unwrap();
            assert_eq!(v["durationSeconds"], 807);
        }
    }

    // An empty projection names no field: refused, as the document says.
    for fields in ["", "subject,", ",subject"] {
        let res = api
            .get(app.url(&format!("/services/ccaas/v1/tickets/{id}")))
            .query(&[("fields", fields)])
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "fields={fields}");
    }

    let me: Value = api
        .get(app.url("/services/admin/v1/users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap_or_default();
    let user = me[0]["id"].as_str().unwrap_or("0").to_owned();
    let res = api
        .patch(app.url(&format!("/services/admin/v1/users/{user}")))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("[null, null]")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}
