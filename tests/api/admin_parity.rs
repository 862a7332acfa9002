//! What the console's Users and Audit log pages do, the admin API does too
//! (SPEC S8): one-time password-reset links, and the audit log paged by a
//! cursor in the `Link` header.

use crate::helpers::{json_of, string, Backend, TestApp, PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::json;

crate::on_both_backends!(
    an_admin_token_creates_a_one_time_reset_link,
    the_audit_log_pages_by_its_link_header,
);

async fn an_admin_token_creates_a_one_time_reset_link(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Links", "boss@links.example").await;
    let writer = string(&console.create_private_app("w", &["admin.write"]).await["token"]);
    let reader = string(&console.create_private_app("r", &["admin.read"]).await["token"]);
    let res = console
        .admin(Method::POST, "/users", Some(json!({"email": "mem@links.example", "name": "Mem", "password": PASSWORD, "role": "member"})))
        .await;
    let member = string(&json_of(res).await.2["id"]);
    let path = format!("/services/admin/v1/users/{member}/password-reset");

    let post = |token: String, path: String| {
        let req = app.api().post(app.url(&path)).bearer_auth(token);
        async move { json_of(req.send().await.unwrap()).await }
    };
    let (status, _, err) = post(reader.clone(), path.clone()).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("insufficient_scope"))
    );
    let (status, _, link) = post(writer.clone(), path.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    assert_eq!(link["userId"], member.as_str());
    let url = string(&link["url"]);
    let prefix = format!("{}/reset-password/", app.issuer());
    assert!(url.starts_with(&prefix), "{url}");
    let page = app.api().get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    // A newer link replaces the first; unknown and other accounts' users are 404.
    let (_, _, newer) = post(writer.clone(), path.clone()).await;
    assert_ne!(newer["url"], link["url"]);
    assert_eq!(
        app.api().get(&url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let (status, _, _) = post(
        writer.clone(),
        "/services/admin/v1/users/nope/password-reset".into(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let other = app.sign_up("Other", "boss@other.example").await;
    let other_token = string(&other.create_private_app("w", &["admin.write"]).await["token"]);
    let (status, _, _) = post(other_token, path.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn the_audit_log_pages_by_its_link_header(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Paged", "boss@paged.example").await;
    for i in 0..4 {
        console
            .create_private_app(&format!("app {i}"), &["contacts.read"])
            .await;
    }
    let token = string(&console.create_private_app("reader", &["admin.read"]).await["token"]);
    let (_, _, all) = json_of(
        app.get_with_token("/services/admin/v1/audit-log", &token)
            .await,
    )
    .await;
    let all: Vec<String> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| string(&e["id"]))
        .collect();
    assert!(all.len() >= 6, "{all:?}");

    let mut next = Some("/services/admin/v1/audit-log?limit=2".to_owned());
    let mut seen = Vec::new();
    while let Some(path) = next {
        let res = app.get_with_token(&path, &token).await;
        next = res.headers().get("link").map(|l| {
            let l = l.to_str().unwrap();
            assert!(l.ends_with(r#">; rel="next""#), "{l}");
            l[1..l.find('>').unwrap()].to_owned()
        });
        let (status, _, page) = json_of(res).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.as_array().unwrap().len() <= 2);
        seen.extend(page.as_array().unwrap().iter().map(|e| string(&e["id"])));
    }
    assert_eq!(seen, all, "every entry once, newest first");

    // Filters travel with the cursor; a made-up cursor is refused.
    let first = app
        .get_with_token(
            "/services/admin/v1/audit-log?limit=1&action=private_app.created",
            &token,
        )
        .await;
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    assert!(
        link.contains("action=private_app.created") && link.contains("before="),
        "{link}"
    );
    let (status, _, err) = json_of(
        app.get_with_token("/services/admin/v1/audit-log?before=yesterday", &token)
            .await,
    )
    .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("before"))
    );
}
