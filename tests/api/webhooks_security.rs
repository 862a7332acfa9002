//! Security events (SPEC S9.1) to an `admin.read` subscription: tokens
//! created, rotated, deleted and reported leaked, client secret rotated,
//! user deactivated, repeated failed sign-ins — each naming actor, object
//! and address, and none carrying a token, secret or password.

use crate::helpers::{json_of, oauth_app, Backend, PASSWORD};
use crate::webhook_receiver::{spawn_for_hooks, subscribe, Receiver};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

on_both_backends!(security_events_arrive_without_secrets);

async fn security_events_arrive_without_secrets(backend: Backend) {
    let app = spawn_for_hooks(backend).await;
    let (console, admin) = app
        .account_with_token("Sec Co", &["admin.read", "admin.write"])
        .await;
    let mut rx = Receiver::start().await;
    subscribe(&app, &admin, &rx.url, &["security.*"]).await;
    let mut secrets: Vec<String> = vec![PASSWORD.to_owned(), admin.clone()];

    // A Private App: created, rotated, reported leaked, deleted.
    let created = console.create_private_app("ci", &["contacts.read"]).await;
    let app_id = created["id"].as_str().unwrap().to_owned();
    secrets.push(created["token"].as_str().unwrap().to_owned());
    let (_, _, rotated) = json_of(
        console
            .admin(
                Method::POST,
                &format!("/private-apps/{app_id}/rotate"),
                None,
            )
            .await,
    )
    .await;
    let leaked = rotated["token"].as_str().unwrap().to_owned();
    secrets.push(leaked.clone());
    let res = app
        .api()
        .post(app.url("/services/oauth2/v1/leaked-tokens"))
        .json(&json!({"tokens": [leaked]}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let res = console
        .admin(Method::DELETE, &format!("/private-apps/{app_id}"), None)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // An OAuth app's client secret rotated.
    let oauth = oauth_app(
        &console,
        json!({"name": "crm", "redirectUris": ["https://crm.example/cb"], "scopes": ["contacts.read"],
               "visibility": "private", "clientType": "confidential", "accessTokenLifetime": "1h"}),
    )
    .await;
    secrets.push(oauth["clientSecret"].as_str().unwrap().to_owned());
    let (status, _, rotated) = json_of(
        console
            .admin(
                Method::POST,
                &format!(
                    "/oauth-apps/{}/rotate-secret",
                    oauth["id"].as_str().unwrap()
                ),
                None,
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    secrets.push(rotated["clientSecret"].as_str().unwrap().to_owned());

    // A member: five wrong passwords, then deactivated.
    let email = "member@sec.example";
    let (status, _, member) = json_of(
        console
            .admin(
                Method::POST,
                "/users",
                Some(json!({"email": email, "name": "Mem", "password": "member password 1", "role": "member"})),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{member}");
    secrets.push("member password 1".into());
    let browser = app.browser();
    for _ in 0..5 {
        browser.log_in(email, "wrong password 99", None).await;
    }
    secrets.push("wrong password 99".into());
    let member_id = member["id"].as_str().unwrap();
    let res = console
        .admin(
            Method::PATCH,
            &format!("/users/{member_id}"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let mut kinds = Vec::new();
    let mut bodies = Vec::new();
    while let Some(hit) = rx.next(Duration::from_millis(2500)).await {
        kinds.push(hit.kind().to_owned());
        bodies.push(hit.json.clone());
        for s in &secrets {
            assert!(
                !hit.body.contains(s.as_str()),
                "{} carries a secret",
                hit.body
            );
        }
        assert!(!hit.body.contains("swb_"), "{}", hit.body);
    }
    for want in [
        "security.token_created",
        "security.token_rotated",
        "security.token_leaked",
        "security.token_deleted",
        "security.client_secret_rotated",
        "security.signin_failures",
        "security.user_deactivated",
    ] {
        assert!(kinds.iter().any(|k| k == want), "no {want} in {kinds:?}");
    }
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == "security.signin_failures")
            .count(),
        1
    );
    let rotated = bodies
        .iter()
        .find(|b| b["type"] == "security.token_rotated")
        .unwrap();
    assert_eq!(rotated["data"]["object"]["id"], app_id.as_str());
    assert_eq!(rotated["data"]["actor"]["type"], "user");
    assert_eq!(rotated["data"]["ip"], "127.0.0.1");
    let deactivated = bodies
        .iter()
        .find(|b| b["type"] == "security.user_deactivated")
        .unwrap();
    assert_eq!(deactivated["data"]["object"]["id"], member_id);
}
