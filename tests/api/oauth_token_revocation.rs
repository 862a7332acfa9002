//! Token revocation and introspection (SPEC S5.5): of access and refresh
//! tokens, by clients and by admin tokens.

use crate::helpers::{
    assert_oauth_error, json_of, scopes_of, sorted, string, Backend, OAuthClient, TestApp, OAUTH,
};
use crate::oauth_token::register;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    revocation_of_access_and_refresh_tokens,
    introspection_by_clients_and_by_admin_tokens,
);

async fn revocation_of_access_and_refresh_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Revoke Co", "revoke@token.example").await;
    let client = register(&console, json!({})).await;
    let other_client = register(&console, json!({"name": "Other"})).await;
    let browser = &console.browser;
    let revoke = |c: &OAuthClient, token: &str| post_revoke(&app, c.clone(), token.to_owned());

    // An access token.
    let access = string(&app.oauth_tokens(browser, &client, "contacts.read").await["access_token"]);
    assert_eq!(revoke(&client, &access).await, StatusCode::OK);
    assert_eq!(app.me_status(&access).await, StatusCode::UNAUTHORIZED);
    // Unknown tokens: 200 all the same.
    for unknown in ["swb_at_doesnotexist", "nonsense", &access] {
        assert_eq!(revoke(&client, unknown).await, StatusCode::OK, "{unknown}");
    }
    // Another client's token: 200, and untouched.
    let live = string(&app.oauth_tokens(browser, &client, "contacts.read").await["access_token"]);
    assert_eq!(revoke(&other_client, &live).await, StatusCode::OK);
    assert_eq!(app.me_status(&live).await, StatusCode::OK);
    // Client authentication is required.
    let res = app
        .api()
        .post(app.url(&format!("{OAUTH}/revoke")))
        .form(&[("token", live.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.me_status(&live).await, StatusCode::OK);

    // A refresh token: its access tokens die with it.
    let tokens = app
        .oauth_tokens(browser, &client, "contacts.read offline_access")
        .await;
    let (access, refresh) = (
        string(&tokens["access_token"]),
        string(&tokens["refresh_token"]),
    );
    let res = app
        .oauth_post(
            "revoke",
            &client,
            &[("token", &refresh), ("token_type_hint", "refresh_token")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.me_status(&access).await, StatusCode::UNAUTHORIZED);
    let got = app.refresh(&client, &refresh, &[]).await;
    assert_oauth_error(&got, StatusCode::BAD_REQUEST, "invalid_grant");
}

async fn post_revoke(app: &TestApp, client: OAuthClient, token: String) -> StatusCode {
    app.oauth_post("revoke", &client, &[("token", &token)])
        .await
        .status()
}

async fn post_introspect(
    app: &TestApp,
    client: OAuthClient,
    token: String,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    json_of(
        app.oauth_post("introspect", &client, &[("token", &token)])
            .await,
    )
    .await
}

async fn introspection_by_clients_and_by_admin_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Intro Co", "intro@token.example").await;
    let admin_token = string(
        &console
            .create_private_app("introspector", &["admin.read"])
            .await["token"],
    );
    let data_token = string(
        &console
            .create_private_app("data only", &["contacts.read"])
            .await["token"],
    );
    let (_, stranger_token) = app
        .account_with_token("Elsewhere Co", &["admin.read"])
        .await;
    let client = register(&console, json!({})).await;
    let other_client = register(&console, json!({"name": "Other"})).await;
    let introspect =
        |c: &OAuthClient, token: &str| post_introspect(&app, c.clone(), token.to_owned());
    let by_bearer = |bearer: &str, token: &str| {
        let req = app
            .api()
            .post(app.url(&format!("{OAUTH}/introspect")))
            .bearer_auth(bearer)
            .form(&[("token", token)]);
        async move { req.send().await.unwrap() }
    };

    let tokens = app
        .oauth_tokens(&console.browser, &client, "contacts.read offline_access")
        .await;
    let (access, refresh) = (
        string(&tokens["access_token"]),
        string(&tokens["refresh_token"]),
    );
    let me = json_of(app.me(&access).await).await.2;

    // An active access token, by its own client.
    let (status, headers, i) = introspect(&client, &access).await;
    assert_eq!(status, StatusCode::OK, "{i}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(i["active"], true);
    assert_eq!(
        scopes_of(&i["scope"]),
        sorted("contacts.read offline_access")
    );
    assert_eq!(i["client_id"], client.id.as_str());
    assert_eq!(i["username"], "intro@token.example");
    assert_eq!(i["sub"], me["user"]["id"]);
    assert_eq!(i["token_type"], "Bearer");
    assert_eq!(i["iss"], app.issuer().as_str());
    let now = app.clock_ms() / 1000;
    assert!((i["iat"].as_i64().unwrap() - now).abs() <= 5, "{i}");
    assert!(
        i.get("exp").is_none(),
        "a never-expiring token has no exp: {i}"
    );

    // The refresh token.
    let (_, _, r) = introspect(&client, &refresh).await;
    assert_eq!(r["active"], true);
    assert_eq!(r["token_type"], "refresh_token");
    assert!(r["exp"].as_i64().unwrap() > now, "{r}");

    // An expiring access token has exp = iat + lifetime.
    let hourly = register(
        &console,
        json!({"name": "Hourly", "accessTokenLifetime": "1h"}),
    )
    .await;
    let hourly_access = string(
        &app.oauth_tokens(&console.browser, &hourly, "contacts.read")
            .await["access_token"],
    );
    let (_, _, h) = introspect(&hourly, &hourly_access).await;
    assert_eq!(
        h["exp"].as_i64().unwrap() - h["iat"].as_i64().unwrap(),
        3600,
        "{h}"
    );

    // A client_credentials token acts as the app: no username, sub is the client.
    let (_, _, cc) = app
        .token(&client, &[("grant_type", "client_credentials")])
        .await;
    let (_, _, c) = introspect(&client, &string(&cc["access_token"])).await;
    assert_eq!(c["active"], true);
    assert!(c.get("username").is_none(), "{c}");
    assert_eq!(c["sub"], client.id.as_str());

    // Another client learns nothing; a Private App token with admin.read of
    // the same account may look; one without admin.read, or of another account, may not.
    assert_eq!(
        introspect(&other_client, &access).await.2,
        json!({"active": false})
    );
    let (status, _, a) = json_of(by_bearer(&admin_token, &access).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(a["active"], true);
    assert_eq!(a["client_id"], client.id.as_str());
    assert_eq!(
        by_bearer(&data_token, &access).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        json_of(by_bearer(&stranger_token, &access).await).await.2,
        json!({"active": false})
    );
    let res = app
        .api()
        .post(app.url(&format!("{OAUTH}/introspect")))
        .form(&[("token", access.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // Revoked, unknown: only {"active": false}.
    let res = app
        .oauth_post("revoke", &client, &[("token", &access)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        introspect(&client, &access).await.2,
        json!({"active": false})
    );
    assert_eq!(
        introspect(&client, "swb_at_unknown").await.2,
        json!({"active": false})
    );
}
