//! OAuth apps in the admin API (SPEC S8.1): registration validated field by
//! field, the client secret and its rotation, tenant isolation, and deleting
//! an app.

use crate::helpers::{
    assert_oauth_error, json_of, oauth_app, string, Backend, OAuthClient, TestApp,
};
use reqwest::header::LOCATION;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    registration_is_validated_field_by_field,
    client_secret_stays_viewable_and_rotation_replaces_it,
    another_accounts_oauth_apps_and_grants_are_404,
    deleting_an_app_ends_its_tokens,
);

const CC: (&str, &str) = ("grant_type", "client_credentials");

/// A minimal valid registration with `fields` on top.
pub(crate) fn registration(fields: Value) -> Value {
    let mut body = json!({
        "name": "Valid",
        "redirectUris": ["https://ok.example/cb"],
        "scopes": ["contacts.read"],
    });
    for (k, v) in fields.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn registration_is_validated_field_by_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Valid Co", "valid@admin.example").await;
    let eleven: Vec<String> = (0..11)
        .map(|i| format!("https://ok.example/cb{i}"))
        .collect();
    let cases = [
        (
            json!({"redirectUris": ["https://ok.example/cb", "http://evil.example/cb"]}),
            "redirectUris[1]",
        ),
        (
            json!({"redirectUris": ["https://ok.example/cb#frag"]}),
            "redirectUris[0]",
        ),
        (
            json!({"redirectUris": ["https://*.example/cb"]}),
            "redirectUris[0]",
        ),
        (json!({"redirectUris": ["/cb"]}), "redirectUris[0]"),
        (
            json!({"redirectUris": ["https://ok.example/a", "https://ok.example/b", "ftp://ok.example/c"]}),
            "redirectUris[2]",
        ),
        (
            json!({"redirectUris": ["javascript:alert(1)"]}),
            "redirectUris[0]",
        ),
        (json!({"redirectUris": []}), "redirectUris"),
        (json!({"redirectUris": eleven}), "redirectUris"),
        (
            json!({"scopes": ["contacts.read", "contacts.delete"]}),
            "scopes",
        ),
        (json!({"scopes": []}), "scopes"),
        (json!({"accessTokenLifetime": "2h"}), "accessTokenLifetime"),
        (json!({"name": ""}), "name"),
        (json!({"visibility": "everyone"}), "visibility"),
        (json!({"clientType": "spa"}), "clientType"),
    ];
    for (fields, field) in cases {
        let res = console
            .admin(
                Method::POST,
                "/oauth-apps",
                Some(registration(fields.clone())),
            )
            .await;
        let (status, _, body) = json_of(res).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{fields}: {body}");
        assert_eq!(body["error"], "invalid_request", "{fields}");
        assert!(body["message"].is_string(), "{fields}");
        if field == "redirectUris" {
            // No single entry is at fault: the list, or an index into it.
            assert!(
                string(&body["field"]).starts_with("redirectUris"),
                "{fields}: {body}"
            );
        } else {
            assert_eq!(body["field"], field, "{fields}");
        }
    }
    let list = json_of(console.admin(Method::GET, "/oauth-apps", None).await)
        .await
        .2;
    assert_eq!(list, json!([]), "nothing was created");

    // Loopback hosts may use http.
    let ok = oauth_app(
        &console,
        registration(json!({"redirectUris": [
            "http://127.0.0.1:9000/cb", "http://[::1]/cb", "http://localhost:3000/cb", "https://ok.example/cb?x=1"
        ]})),
    )
    .await;
    assert_eq!(
        ok["redirectUris"].as_array().unwrap().len(),
        4,
        "kept as registered: {ok}"
    );
}

async fn client_secret_stays_viewable_and_rotation_replaces_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Secret Co", "secret@admin.example").await;
    let res = console
        .admin(
            Method::POST,
            "/oauth-apps",
            Some(registration(json!({"description": "d"}))),
        )
        .await;
    let (status, headers, created) = json_of(res).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = string(&created["id"]);
    assert_eq!(
        headers[LOCATION],
        format!("/services/admin/v1/oauth-apps/{id}")
    );
    for (key, value) in [
        ("name", json!("Valid")),
        ("description", json!("d")),
        ("redirectUris", json!(["https://ok.example/cb"])),
        ("scopes", json!(["contacts.read"])),
        ("visibility", json!("private")),
        ("clientType", json!("confidential")),
        ("requirePkce", json!(false)),
        ("accessTokenLifetime", json!("never")),
        ("logoUrl", Value::Null),
    ] {
        assert_eq!(created[key], value, "{key}: {created}");
    }
    assert!(created["createdAt"].is_string());
    let old = string(&created["clientSecret"]);
    assert!(old.starts_with("swb_cs_"));

    // Viewable to admins afterwards.
    let path = format!("/oauth-apps/{id}");
    let shown = json_of(console.admin(Method::GET, &path, None).await)
        .await
        .2;
    assert_eq!(shown["clientSecret"], old.as_str());
    let list = json_of(console.admin(Method::GET, "/oauth-apps", None).await)
        .await
        .2;
    assert_eq!(list[0]["clientId"], created["clientId"]);

    let client = OAuthClient::of(&created);
    assert_eq!(app.token(&client, &[CC]).await.0, StatusCode::OK);

    // Rotate: the old secret stops working at once, the new one works.
    let res = console
        .admin(Method::POST, &format!("{path}/rotate-secret"), None)
        .await;
    let (status, _, rotated) = json_of(res).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new = string(&rotated["clientSecret"]);
    assert_ne!(new, old);
    assert!(new.starts_with("swb_cs_"));
    assert_eq!(rotated["clientId"], created["clientId"], "same client id");
    let got = app.token(&client, &[CC]).await;
    assert_oauth_error(&got, StatusCode::UNAUTHORIZED, "invalid_client");
    let renewed = OAuthClient {
        secret: Some(new.clone()),
        ..client
    };
    assert_eq!(app.token(&renewed, &[CC]).await.0, StatusCode::OK);
    let shown = json_of(console.admin(Method::GET, &path, None).await)
        .await
        .2;
    assert_eq!(shown["clientSecret"], new.as_str());

    // A public client has no secret and always requires PKCE.
    let public = oauth_app(
        &console,
        registration(json!({"clientType": "public", "redirectUris": ["http://127.0.0.1/cb"]})),
    )
    .await;
    assert_eq!(public["clientSecret"], Value::Null);
    assert_eq!(public["requirePkce"], true);
    assert_eq!(public["clientType"], "public");
}

async fn another_accounts_oauth_apps_and_grants_are_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.sign_up("Mine Co", "mine@admin.example").await;
    let other = app.sign_up("Theirs Co", "theirs@admin.example").await;
    let created = oauth_app(&owner, registration(json!({}))).await;
    let client = OAuthClient::of(&created);
    let token = string(
        &app.oauth_tokens(&owner.browser, &client, "contacts.read")
            .await["access_token"],
    );
    let grants = json_of(owner.admin(Method::GET, "/grants", None).await)
        .await
        .2;
    let grant_id = string(&grants[0]["id"]);

    let path = format!("/oauth-apps/{}", string(&created["id"]));
    for (method, p, body) in [
        (Method::GET, path.clone(), None),
        (Method::PATCH, path.clone(), Some(json!({"name": "Stolen"}))),
        (Method::POST, format!("{path}/rotate-secret"), None),
        (Method::DELETE, path.clone(), None),
        (Method::DELETE, format!("/grants/{grant_id}"), None),
    ] {
        let res = other.admin(method.clone(), &p, body).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {p}");
    }
    assert_eq!(
        json_of(other.admin(Method::GET, "/oauth-apps", None).await)
            .await
            .2,
        json!([])
    );
    assert_eq!(
        json_of(other.admin(Method::GET, "/grants", None).await)
            .await
            .2,
        json!([])
    );
    // Nothing changed.
    let shown = json_of(owner.admin(Method::GET, &path, None).await).await.2;
    assert_eq!(shown["name"], "Valid");
    assert_eq!(shown["clientSecret"], created["clientSecret"]);
    assert_eq!(app.me_status(&token).await, StatusCode::OK);
}

async fn deleting_an_app_ends_its_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Delete Co", "delete@admin.example").await;
    let created = oauth_app(&console, registration(json!({}))).await;
    let client = OAuthClient::of(&created);
    let token = string(
        &app.oauth_tokens(&console.browser, &client, "contacts.read")
            .await["access_token"],
    );
    let path = format!("/oauth-apps/{}", string(&created["id"]));
    let res = console.admin(Method::DELETE, &path, None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.me_status(&token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        console.admin(Method::GET, &path, None).await.status(),
        StatusCode::NOT_FOUND
    );
    let got = app.token(&client, &[CC]).await;
    assert_oauth_error(&got, StatusCode::UNAUTHORIZED, "invalid_client");
    assert_eq!(
        json_of(console.admin(Method::GET, "/grants", None).await)
            .await
            .2,
        json!([])
    );
}
