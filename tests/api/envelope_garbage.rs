//! SPEC S7: malformed bodies, trailing garbage included, write nothing, on
//! the data API and the admin API, by token and by console session.

use crate::envelope::{assert_envelope, json_body, send, ADMIN, DATA};
use crate::helpers::{json_of, Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(trailing_garbage_writes_nothing);

async fn trailing_garbage_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (console, token) = app
        .account_with_token(
            "Garbage",
            &[
                "contacts.read",
                "contacts.write",
                "admin.read",
                "admin.write",
            ],
        )
        .await;

    // Data API: no record created, none changed.
    let contacts = format!("{DATA}/contacts");
    let (status, _, ada) = json_of(
        send(
            &app,
            &token,
            Method::POST,
            &contacts,
            json_body(r#"{"firstName":"Ada"}"#),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{ada}");
    let ada_path = format!("{contacts}/{}", ada["id"].as_str().unwrap());
    for (method, path, body) in [
        (Method::POST, &contacts, r#"{"firstName":"a"} trailing"#),
        (
            Method::POST,
            &contacts,
            r#"{"firstName":"a"},{"firstName":"b"}"#,
        ),
        (Method::PUT, &ada_path, r#"{"firstName":"Eve"} }"#),
        (Method::PATCH, &ada_path, r#"{"firstName":"Eve"} null"#),
    ] {
        let res = send(&app, &token, method.clone(), path, json_body(body)).await;
        assert_envelope(
            &format!("{method} {body}"),
            res,
            StatusCode::BAD_REQUEST,
            "invalid_json",
        )
        .await;
    }
    let (status, headers, list) =
        json_of(send(&app, &token, Method::GET, &contacts, None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-total-count"], "1", "{list}");
    let (_, _, shown) = json_of(send(&app, &token, Method::GET, &ada_path, None).await).await;
    assert_eq!(shown["firstName"], "Ada");
    assert_eq!(shown["updatedAt"], ada["updatedAt"]);

    // Admin API: no token issued, no user created, nothing renamed.
    let private_apps = format!("{ADMIN}/private-apps");
    let (_, _, before) = json_of(send(&app, &token, Method::GET, &private_apps, None).await).await;
    let before = before.as_array().unwrap().clone();
    assert_eq!(before.len(), 1);
    let app_id = before[0]["id"].as_str().unwrap().to_owned();
    let (_, _, users_before) =
        json_of(send(&app, &token, Method::GET, &format!("{ADMIN}/users"), None).await).await;
    let body = json!({"email": "new@garbage.example", "name": "New", "password": crate::helpers::PASSWORD, "role": "member"});
    for (method, path, body) in [
        (
            Method::POST,
            private_apps.clone(),
            r#"{"name":"x","scopes":["contacts.read"]} }}trailing"#.to_owned(),
        ),
        (
            Method::PATCH,
            format!("{private_apps}/{app_id}"),
            r#"{"name":"renamed"} x"#.to_owned(),
        ),
        (
            Method::POST,
            format!("{private_apps}/{app_id}/rotate"),
            r#"{"graceSeconds":0} x"#.to_owned(),
        ),
        (
            Method::POST,
            format!("{ADMIN}/users"),
            format!("{body} trailing"),
        ),
    ] {
        let res = send(&app, &token, method.clone(), &path, json_body(&body)).await;
        assert_envelope(
            &format!("{method} {path}"),
            res,
            StatusCode::BAD_REQUEST,
            "invalid_json",
        )
        .await;
    }
    // The same through a console session.
    let res = console
        .browser
        .client
        .post(console.browser.url(&private_apps))
        .header("x-csrf-token", &console.csrf)
        .header("content-type", "application/json")
        .body(r#"{"name":"x","scopes":["contacts.read"]} }}trailing"#)
        .send()
        .await
        .unwrap();
    assert_envelope("session POST", res, StatusCode::BAD_REQUEST, "invalid_json").await;

    let (_, _, after) = json_of(send(&app, &token, Method::GET, &private_apps, None).await).await;
    assert_eq!(
        after.as_array().unwrap(),
        &before,
        "no app created, renamed or rotated"
    );
    let (_, _, users_after) =
        json_of(send(&app, &token, Method::GET, &format!("{ADMIN}/users"), None).await).await;
    assert_eq!(users_after, users_before, "no user created");
    // The token was not rotated away: it still works.
    assert_eq!(
        send(&app, &token, Method::GET, &contacts, None)
            .await
            .status(),
        StatusCode::OK
    );
}
