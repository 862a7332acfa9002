//! OAuth across nodes (SPEC S10): codes and revocations hold on every node
//! of one PostgreSQL database.

use crate::backends::postgres_available;
use crate::helpers::{
    assert_oauth_error, json_of, oauth_app, string, Backend, OAuthClient, TestApp, OAUTH,
};
use crate::oauth_admin::registration;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

/// Codes and revocations hold across nodes on one PostgreSQL database.
#[tokio::test]
async fn oauth_codes_and_revocations_hold_across_nodes() {
    if !postgres_available().await {
        return;
    }
    let a = TestApp::spawn(Backend::Postgres).await;
    let b = a.spawn_node().await;
    let console = a.sign_up("Cluster Co", "cluster@admin.example").await;
    let client = OAuthClient::of(&oauth_app(&console, registration(json!({}))).await);
    let secret = client.secret.clone().unwrap();
    let on_b = |endpoint: &str, form: &[(&str, &str)]| {
        a.api()
            .post(b.url(&format!("{OAUTH}/{endpoint}")))
            .basic_auth(&client.id, Some(&secret))
            .form(form)
            .send()
    };
    let me_on_b = |token: &str| {
        a.api()
            .get(b.url(&format!("{OAUTH}/me")))
            .bearer_auth(token)
            .send()
    };

    // A code issued on A is redeemed on B, once.
    let code = console
        .browser
        .authorize_and_allow(&client.code_request("contacts.read"))
        .await
        .code();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", client.redirect_uri.as_str()),
    ];
    let (status, _, tokens) = json_of(on_b("token", &form).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let token = string(&tokens["access_token"]);
    assert_eq!(me_on_b(&token).await.unwrap().status(), StatusCode::OK);
    let again = json_of(a.oauth_post("token", &client, &form).await).await;
    assert_oauth_error(&again, StatusCode::BAD_REQUEST, "invalid_grant");

    // A fresh token revoked on A is refused on B within a second.
    let token = string(
        &a.oauth_tokens(&console.browser, &client, "contacts.read")
            .await["access_token"],
    );
    assert_eq!(me_on_b(&token).await.unwrap().status(), StatusCode::OK);
    let res = a.oauth_post("revoke", &client, &[("token", &token)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let started = Instant::now();
    loop {
        let status = me_on_b(&token).await.unwrap().status();
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "still accepted on B: {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
