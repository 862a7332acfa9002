//! What an OAuth client secret can never become (SPEC S2, S3, S5.3, S8):
//! an admin credential, a pile of permanent tokens, or a secret that still
//! works after it was reported leaked.

use crate::helpers::{
    assert_error_redirect, assert_oauth_error, json_of, oauth_app, scopes_of, sorted, string,
    Backend, OAuthClient, TestApp,
};
use chrono::Duration;
use reqwest::header::WWW_AUTHENTICATE;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    oauth_apps_cannot_register_admin_scopes,
    admin_scopes_left_by_an_older_release_are_refused_and_stripped,
    client_credentials_tokens_always_expire,
    a_reported_client_secret_stops_working_and_is_audited,
);

const CC: (&str, &str) = ("grant_type", "client_credentials");

async fn oauth_apps_cannot_register_admin_scopes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Priv Co", "priv@admin.example").await;
    for scopes in [
        json!(["contacts.read", "admin.read"]),
        json!(["admin.write"]),
    ] {
        let (status, _, body) = json_of(
            console
                .admin(
                    Method::POST,
                    "/oauth-apps",
                    Some(json!({
                        "name": "Greedy",
                        "redirectUris": ["https://client.example/cb"],
                        "scopes": scopes,
                    })),
                )
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"], "invalid_request");
        assert_eq!(body["field"], "scopes");
        assert!(
            string(&body["message"]).contains("Private Apps only"),
            "{body}"
        );
    }
    let list = json_of(console.admin(Method::GET, "/oauth-apps", None).await)
        .await
        .2;
    assert_eq!(list, json!([]), "nothing was created");

    // PATCH cannot add them either; the app keeps what it had.
    let created = oauth_app(
        &console,
        json!({"name": "Modest", "redirectUris": ["https://client.example/cb"], "scopes": ["contacts.read"]}),
    )
    .await;
    let path = format!("/oauth-apps/{}", string(&created["id"]));
    let (status, _, body) = json_of(
        console
            .admin(
                Method::PATCH,
                &path,
                Some(json!({"scopes": ["contacts.read", "admin.write"]})),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "scopes");
    let now = json_of(console.admin(Method::GET, &path, None).await)
        .await
        .2;
    assert_eq!(now["scopes"], json!(["contacts.read"]));

    // Asking for them is invalid_scope at the token endpoint.
    let client = OAuthClient::of(&created);
    for scope in [
        "admin.read",
        "admin.read admin.write",
        "contacts.read admin.write",
    ] {
        let got = app.token(&client, &[CC, ("scope", scope)]).await;
        assert_oauth_error(&got, StatusCode::BAD_REQUEST, "invalid_scope");
    }
}

/// An app, its grant and its tokens as a release before the rule left them:
/// planted with SQL. The running server refuses them; a restart strips them.
async fn admin_scopes_left_by_an_older_release_are_refused_and_stripped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Legacy Co", "legacy@admin.example").await;
    let created = oauth_app(
        &console,
        json!({"name": "Legacy", "redirectUris": ["https://client.example/cb"], "scopes": ["contacts.read"]}),
    )
    .await;
    let client = OAuthClient::of(&created);
    let planted = app
        .sql(&format!(
            "update oauth_apps set scopes = 'admin.read admin.write contacts.read' \
             where client_id = '{}'",
            client.id
        ))
        .await;
    assert_eq!(planted, 1);

    // Asked for by name: refused, here and at authorize.
    let got = app.token(&client, &[CC, ("scope", "admin.read")]).await;
    assert_oauth_error(&got, StatusCode::BAD_REQUEST, "invalid_scope");
    assert_error_redirect(
        &console
            .browser
            .authorize(&client.code_request("contacts.read admin.write"))
            .await,
        "invalid_scope",
        &app.issuer(),
    );
    // By default: the app's registered scopes, less the admin ones.
    let (status, _, body) = app.token(&client, &[CC]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "contacts.read");

    // A token whose stored scopes include admin.* is still no admin credential.
    let access = string(&body["access_token"]);
    app.sql(
        "update tokens set scopes = 'admin.read admin.write contacts.read' \
         where grant_id is not null",
    )
    .await;
    for path in [
        "/services/admin/v1/users",
        "/services/admin/v1/private-apps",
    ] {
        let res = app.get_with_token(path, &access).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        let challenge = res.headers()[WWW_AUTHENTICATE].to_str().unwrap().to_owned();
        assert!(challenge.contains("insufficient_scope"), "{challenge}");
    }
    let res = app
        .api()
        .post(app.url("/services/admin/v1/private-apps"))
        .bearer_auth(&access)
        .json(&json!({"name": "Backdoor", "scopes": ["admin.write"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let me = json_of(app.me(&access).await).await.2;
    assert_eq!(scopes_of(&me["scopes"]), sorted("contacts.read"));

    // A restart (a new node opening the database) strips them everywhere.
    let _restarted = app.spawn_node().await;
    let shown = json_of(
        console
            .admin(
                Method::GET,
                &format!("/oauth-apps/{}", string(&created["id"])),
                None,
            )
            .await,
    )
    .await
    .2;
    assert_eq!(shown["scopes"], json!(["contacts.read"]));
    for table in ["oauth_apps", "oauth_grants", "tokens"] {
        let left = app
            .sql(&format!(
                "update {table} set scopes = scopes where scopes like '%admin.%'"
            ))
            .await;
        assert_eq!(left, 0, "{table} still holds admin scopes");
    }
    // Private Apps keep theirs.
    let (_, token) = app
        .account_with_token("Keeps Co", &["admin.read", "admin.write"])
        .await;
    let _again = app.spawn_node().await;
    let res = app.get_with_token("/services/admin/v1/users", &token).await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn client_credentials_tokens_always_expire(backend: Backend) {
    // Default: one hour, even for an app whose user tokens never expire.
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Cc Co", "cc@admin.example").await;
    let body = json!({"name": "Job", "redirectUris": ["https://client.example/cb"],
        "scopes": ["contacts.read", "offline_access"], "accessTokenLifetime": "never"});
    let client = OAuthClient::of(&oauth_app(&console, body.clone()).await);
    let (status, _, token) = app.token(&client, &[CC]).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["expires_in"], 3600);
    assert!(token.get("refresh_token").is_none(), "{token}");
    let access = string(&token["access_token"]);
    app.clock.advance(Duration::seconds(3599));
    assert_eq!(app.me_status(&access).await, StatusCode::OK);
    app.clock.advance(Duration::seconds(2));
    let (status, _, err) = json_of(app.me(&access).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(string(&err["message"]).contains("expired"), "{err}");

    // Configurable.
    let short = TestApp::spawn_with(backend, |c| c.client_credentials_ttl_secs = 120).await;
    let console = short.sign_up("Short Co", "short@admin.example").await;
    let client = OAuthClient::of(&oauth_app(&console, body).await);
    let (_, _, token) = short.token(&client, &[CC]).await;
    assert_eq!(token["expires_in"], 120);
    let access = string(&token["access_token"]);
    short.clock.advance(Duration::seconds(121));
    assert_eq!(short.me_status(&access).await, StatusCode::UNAUTHORIZED);
}

async fn a_reported_client_secret_stops_working_and_is_audited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Leak Co", "leak@admin.example").await;
    let created = oauth_app(
        &console,
        json!({"name": "Leaky", "redirectUris": ["https://client.example/cb"], "scopes": ["contacts.read"]}),
    )
    .await;
    let client = OAuthClient::of(&created);
    let secret = client.secret.clone().unwrap();
    assert_eq!(app.token(&client, &[CC]).await.0, StatusCode::OK);

    let report = |tokens: Value| {
        let req = app
            .api()
            .post(app.url("/services/oauth2/v1/leaked-tokens"))
            .json(&json!({ "tokens": tokens }));
        async move {
            let res = req.send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    let forged = switchboard_core::token::PlainToken::generate(
        switchboard_core::token::TokenKind::ClientSecret,
    );
    let valid = report(json!([secret])).await;
    let invalid = report(json!([forged.expose(), "swb_cs_junk"])).await;
    assert_eq!(valid, invalid, "the answer never says which were valid");
    assert_eq!(valid.0, StatusCode::ACCEPTED);

    let got = app.token(&client, &[CC]).await;
    assert_oauth_error(&got, StatusCode::UNAUTHORIZED, "invalid_client");

    // The admin sees a new secret, which works; the report is in the audit log.
    let path = format!("/oauth-apps/{}", string(&created["id"]));
    let shown = json_of(console.admin(Method::GET, &path, None).await)
        .await
        .2;
    let fresh = string(&shown["clientSecret"]);
    assert_ne!(fresh, secret);
    let renewed = OAuthClient {
        secret: Some(fresh),
        ..client.clone()
    };
    assert_eq!(app.token(&renewed, &[CC]).await.0, StatusCode::OK);
    let log = json_of(
        console
            .admin(
                Method::GET,
                "/audit-log?action=oauth_app.secret_leak_reported_rotated",
                None,
            )
            .await,
    )
    .await
    .2;
    assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
    assert_eq!(log[0]["actor"], "anonymous");

    // Reporting the dead secret again changes nothing.
    report(json!([secret])).await;
    assert_eq!(app.token(&renewed, &[CC]).await.0, StatusCode::OK);
}
