//! Who may touch which records on the data API (SPEC S6): module scopes, and
//! another account's records, which are 404 everywhere.

use crate::helpers::{json_of, Backend, TestApp};
use crate::records::{data_api, Api, ALL_DATA};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    module_scopes_are_enforced,
    other_accounts_records_are_404_everywhere,
);

async fn module_scopes_are_enforced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer = data_api(&app, "Scoped Data", ALL_DATA).await;
    let id = writer.create("contacts", json!({"firstName": "A"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, token) = app
        .account_with_token("Scoped Reader", &["contacts.read"])
        .await;
    let reader = Api { app: &app, token };
    let write_only = Api {
        app: &app,
        token: app
            .account_with_token("Write Only", &["contacts.write"])
            .await
            .1,
    };

    let (status, headers, err) = json_of(
        reader
            .call(Method::POST, "/contacts", Some(json!({"firstName": "x"})))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        headers["www-authenticate"],
        r#"Bearer error="insufficient_scope", scope="contacts.write""#
    );
    assert_eq!(err["error"], "insufficient_scope");
    for (method, path) in [(Method::GET, "/tickets"), (Method::GET, "/calls/changes")] {
        let res = reader.call(method, path, None).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let res = write_only.call(Method::GET, "/contacts", None).await;
    assert_eq!(
        res.headers()["www-authenticate"],
        r#"Bearer error="insufficient_scope", scope="contacts.read""#,
        "write does not imply read"
    );
    // Scope checks come before existence checks: no probing of ids without the scope.
    assert_eq!(
        reader
            .call(Method::DELETE, &format!("/contacts/{id}"), None)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // No token at all: 401.
    let res = app
        .api()
        .get(app.url("/services/ccaas/v1/contacts"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn other_accounts_records_are_404_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = data_api(&app, "Data A", ALL_DATA).await;
    let b = data_api(&app, "Data B", ALL_DATA).await;
    let id = a
        .create("contacts", json!({"firstName": "Secret", "city": "Hen"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/contacts/{id}");
    for (method, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({"firstName": "pwned"}))),
        (Method::PUT, Some(json!({"firstName": "pwned"}))),
        (Method::DELETE, None),
    ] {
        let (status, _, err) = json_of(b.call(method.clone(), &path, body).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method}");
        assert!(!err.to_string().contains("Secret"));
    }
    let (_, headers, list) = b.list("/contacts?filter=city%20%3D%20%22Hen%22").await;
    assert_eq!(
        (headers["x-total-count"].to_str().unwrap(), list),
        ("0", json!([]))
    );
    let (_, _, feed) = b.list("/contacts/changes").await;
    assert_eq!(feed["changes"], json!([]));
    let (_, _, mine) = json_of(a.call(Method::GET, &path, None).await).await;
    assert_eq!(mine["firstName"], "Secret", "untouched by B");
}
