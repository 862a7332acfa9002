//! Limits under abuse (issue 11): how deep a JSON body may nest, how large
//! and how slow a request head may be.

use crate::helpers::{json_of, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    json_nested_deeper_than_the_limit_is_refused_on_the_data_api,
    json_nesting_limit_is_configurable_and_holds_on_the_admin_api,
);

/// `{"a":{"a":…{"b":1}…}}`: `levels` objects, one inside the other.
fn nested(levels: usize) -> String {
    format!(
        "{}{{\"b\":1}}{}",
        "{\"a\":".repeat(levels - 1),
        "}".repeat(levels - 1)
    )
}

async fn post_raw(app: &TestApp, path: &str, token: &str, body: String) -> (StatusCode, Value) {
    let res = app
        .api()
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, _, body) = json_of(res).await;
    (status, body)
}

async fn json_nested_deeper_than_the_limit_is_refused_on_the_data_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app.account_with_token("Deep Co", &["contacts.write"]).await;
    let contacts = "/services/ccaas/v1/contacts";

    // 33 levels (the contact object and 32 inside it): refused before any field is read.
    let body = format!("{{\"firstName\":\"Ada\",\"x\":{}}}", nested(32));
    let (status, err) = post_raw(&app, contacts, &token, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"], "invalid_json", "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("33 levels deep"), "{message}");
    assert!(message.contains("limit is 32"), "{message}");

    // 32 levels is within the limit: the body is read, and the unknown field is named.
    let body = format!("{{\"firstName\":\"Ada\",\"x\":{}}}", nested(31));
    let (status, err) = post_raw(&app, contacts, &token, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"], "invalid_request", "{err}");

    // A thousand levels (past serde_json's own limit): the same answer, no 500.
    let (status, err) = post_raw(&app, contacts, &token, nested(1000)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("1000 levels"),
        "{err}"
    );
}

async fn json_nesting_limit_is_configurable_and_holds_on_the_admin_api(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.max_json_depth = 2).await;
    let (_, admin) = app
        .account_with_token("Shallow Co", &["admin.write", "contacts.write"])
        .await;

    // Two levels (an object holding an array) is the limit: created.
    let ok = json!({"name": "sync", "scopes": ["contacts.read"]}).to_string();
    let (status, body) = post_raw(&app, "/services/admin/v1/private-apps", &admin, ok).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Three levels: refused on the admin API …
    let deep = json!({"name": "sync", "scopes": [["contacts.read"]]}).to_string();
    let (status, err) = post_raw(&app, "/services/admin/v1/private-apps", &admin, deep).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"], "invalid_json", "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("3 levels deep; the limit is 2 levels"),
        "{err}"
    );

    // … and on the data API, where the default would have allowed it.
    let deep = json!({"firstName": "Ada", "tags": [["x"]]}).to_string();
    let (status, err) = post_raw(&app, "/services/ccaas/v1/contacts", &admin, deep).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"], "invalid_json", "{err}");
}
