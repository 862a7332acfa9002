//! Refresh tokens at the token endpoint (SPEC S5.4): rotation and reuse of a
//! rotated token, scopes that only narrow, offline_access for tokens that
//! never expire, and expiry after thirty idle days.

use crate::helpers::{
    assert_oauth_error, json_of, scopes_of, sorted, string, Backend, Console, OAuthClient, TestApp,
};
use crate::oauth_token::register;
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    refresh_tokens_rotate_and_a_late_reuse_revokes_the_family,
    refresh_grace_zero_makes_any_reuse_fatal,
    refresh_scope_can_only_narrow_and_tokens_stay_with_their_client,
    never_expiring_tokens_get_refresh_tokens_only_with_offline_access,
    refresh_tokens_expire_after_thirty_idle_days,
);

/// An app whose access tokens live an hour, and a first token pair from it.
async fn hour_app(app: &TestApp, console: &Console, scopes: Value) -> (OAuthClient, Value) {
    let client = register(
        console,
        json!({"accessTokenLifetime": "1h", "scopes": scopes}),
    )
    .await;
    let tokens = app
        .oauth_tokens(&console.browser, &client, "contacts.read contacts.write")
        .await;
    (client, tokens)
}

async fn refresh_tokens_rotate_and_a_late_reuse_revokes_the_family(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Rotate Co", "rotate@token.example").await;
    let (client, first) =
        hour_app(&app, &console, json!(["contacts.read", "contacts.write"])).await;
    assert_eq!(first["expires_in"], 3600);
    let (access1, refresh1) = (
        string(&first["access_token"]),
        string(&first["refresh_token"]),
    );
    assert!(refresh1.starts_with("swb_rt_"));
    let me = json_of(app.me(&access1).await).await.2;
    assert!(me["expiresAt"].is_string(), "{me}");

    // The access token expires after an hour.
    app.clock.advance(Duration::minutes(61));
    assert_eq!(app.me_status(&access1).await, StatusCode::UNAUTHORIZED);

    // Refresh: a new pair, the refresh token rotated.
    let (status, headers, second) = app.refresh(&client, &refresh1, &[]).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(second["expires_in"], 3600);
    let (access2, refresh2) = (
        string(&second["access_token"]),
        string(&second["refresh_token"]),
    );
    assert_ne!(access2, access1);
    assert_ne!(refresh2, refresh1);
    assert_eq!(
        scopes_of(&second["scope"]),
        sorted("contacts.read contacts.write")
    );
    assert_eq!(app.me_status(&access2).await, StatusCode::OK);

    // The old one again at once (a retry): inside the grace window, a valid pair.
    let (status, _, retried) = app.refresh(&client, &refresh1, &[]).await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    let access3 = string(&retried["access_token"]);
    assert_eq!(app.me_status(&access3).await, StatusCode::OK);

    // After the grace window: reuse of a rotated token kills the whole family.
    app.clock.advance(Duration::seconds(11));
    let reused = app.refresh(&client, &refresh1, &[]).await;
    assert_oauth_error(&reused, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(app.me_status(&access2).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.me_status(&access3).await, StatusCode::UNAUTHORIZED);
    let newest = app.refresh(&client, &refresh2, &[]).await;
    assert_oauth_error(&newest, StatusCode::BAD_REQUEST, "invalid_grant");
}

async fn refresh_grace_zero_makes_any_reuse_fatal(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.refresh_grace_secs = 0).await;
    let console = app.sign_up("Strict Co", "nograce@token.example").await;
    let (client, first) =
        hour_app(&app, &console, json!(["contacts.read", "contacts.write"])).await;
    let refresh1 = string(&first["refresh_token"]);
    let (status, _, second) = app.refresh(&client, &refresh1, &[]).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let reused = app.refresh(&client, &refresh1, &[]).await;
    assert_oauth_error(&reused, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(
        app.me_status(&string(&second["access_token"])).await,
        StatusCode::UNAUTHORIZED
    );
}

async fn refresh_scope_can_only_narrow_and_tokens_stay_with_their_client(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Narrow Co", "narrow@token.example").await;
    let (client, first) = hour_app(
        &app,
        &console,
        json!(["contacts.read", "contacts.write", "tickets.read"]),
    )
    .await;
    let other_client = register(&console, json!({"name": "Other"})).await;

    let (status, _, narrowed) = app
        .refresh(
            &client,
            &string(&first["refresh_token"]),
            &[("scope", "contacts.read")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{narrowed}");
    assert_eq!(narrowed["scope"], "contacts.read");
    let me = json_of(app.me(&string(&narrowed["access_token"])).await)
        .await
        .2;
    assert_eq!(scopes_of(&me["scopes"]), sorted("contacts.read"));

    // Registered for the app but never granted: not by refreshing.
    let refresh = string(&narrowed["refresh_token"]);
    for scope in ["contacts.read tickets.read", "contacts.delete"] {
        let wider = app.refresh(&client, &refresh, &[("scope", scope)]).await;
        assert_oauth_error(&wider, StatusCode::BAD_REQUEST, "invalid_scope");
    }
    // Another client cannot use it.
    let stolen = app.refresh(&other_client, &refresh, &[]).await;
    assert_oauth_error(&stolen, StatusCode::BAD_REQUEST, "invalid_grant");
    // An access token is not a refresh token.
    let wrong_kind = app
        .refresh(&client, &string(&narrowed["access_token"]), &[])
        .await;
    assert_oauth_error(&wrong_kind, StatusCode::BAD_REQUEST, "invalid_grant");
}

async fn never_expiring_tokens_get_refresh_tokens_only_with_offline_access(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Never Co", "never@token.example").await;
    let client = register(&console, json!({"accessTokenLifetime": "never"})).await;

    let plain = app
        .oauth_tokens(&console.browser, &client, "contacts.read")
        .await;
    assert!(plain.get("refresh_token").is_none(), "{plain}");
    assert!(plain.get("expires_in").is_none(), "{plain}");
    let me = json_of(app.me(&string(&plain["access_token"])).await)
        .await
        .2;
    assert_eq!(me["expiresAt"], Value::Null);

    let offline = app
        .oauth_tokens(&console.browser, &client, "contacts.read offline_access")
        .await;
    assert!(offline.get("expires_in").is_none(), "{offline}");
    let refresh = string(&offline["refresh_token"]);
    assert!(refresh.starts_with("swb_rt_"));
    let (status, _, refreshed) = app.refresh(&client, &refresh, &[]).await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert!(refreshed["refresh_token"].is_string());

    // "Permanent" means it: still good after a year and more.
    app.clock.advance(Duration::days(400));
    assert_eq!(
        app.me_status(&string(&plain["access_token"])).await,
        StatusCode::OK
    );
}

async fn refresh_tokens_expire_after_thirty_idle_days(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Idle Co", "idle@token.example").await;
    let (client, first) =
        hour_app(&app, &console, json!(["contacts.read", "contacts.write"])).await;

    // Used every 29 days, it keeps working …
    let mut refresh = string(&first["refresh_token"]);
    for _ in 0..2 {
        app.clock.advance(Duration::days(29));
        let (status, _, next) = app.refresh(&client, &refresh, &[]).await;
        assert_eq!(status, StatusCode::OK, "{next}");
        refresh = string(&next["refresh_token"]);
    }
    // … left unused for 31, it is gone.
    app.clock.advance(Duration::days(31));
    let idle = app.refresh(&client, &refresh, &[]).await;
    assert_oauth_error(&idle, StatusCode::BAD_REQUEST, "invalid_grant");
}
