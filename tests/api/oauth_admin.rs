//! OAuth apps and grants in the admin API (SPEC S8.1), user deactivation,
//! the console's connected-apps page (S5.7), and OAuth across nodes (S10).

use crate::backends::postgres_available;
use crate::helpers::{
    assert_oauth_error, json_of, oauth_app, string, Backend, Browser, Console, OAuthClient,
    TestApp, OAUTH, PASSWORD,
};
use reqwest::header::LOCATION;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

on_both_backends!(
    registration_is_validated_field_by_field,
    client_secret_stays_viewable_and_rotation_replaces_it,
    another_accounts_oauth_apps_and_grants_are_404,
    deleting_an_app_ends_its_tokens,
    admin_grants_list_and_revoke,
    deactivating_a_user_revokes_their_oauth_tokens,
    connected_apps_page_lists_and_revokes_grants,
);

const CC: (&str, &str) = ("grant_type", "client_credentials");

/// A minimal valid registration with `fields` on top.
fn registration(fields: Value) -> Value {
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

async fn admin_grants_list_and_revoke(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Grants Co", "grants@admin.example").await;
    let created = oauth_app(
        &console,
        registration(json!({"name": "Granted App", "scopes": ["contacts.read", "tickets.read"]})),
    )
    .await;
    let client = OAuthClient::of(&created);
    let token = string(
        &app.oauth_tokens(&console.browser, &client, "contacts.read tickets.read")
            .await["access_token"],
    );
    let me = json_of(app.me(&token).await).await.2;

    let (status, _, grants) = json_of(console.admin(Method::GET, "/grants", None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(grants.as_array().unwrap().len(), 1, "{grants}");
    let g = &grants[0];
    assert_eq!(g["appId"], created["id"]);
    assert_eq!(g["appName"], "Granted App");
    assert_eq!(g["clientId"], client.id.as_str());
    assert_eq!(g["userId"], me["user"]["id"]);
    assert_eq!(g["userEmail"], "grants@admin.example");
    assert_eq!(
        crate::helpers::scopes_of(&g["scopes"]),
        crate::helpers::sorted("contacts.read tickets.read")
    );
    assert!(g["createdAt"].is_string());
    assert!(g.get("lastUsedAt").is_some());

    let path = format!("/grants/{}", string(&g["id"]));
    let res = console.admin(Method::DELETE, &path, None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.me_status(&token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        console.admin(Method::DELETE, &path, None).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        json_of(console.admin(Method::GET, "/grants", None).await)
            .await
            .2,
        json!([])
    );
    // With the grant gone, the user is asked again.
    crate::helpers::consent_page(
        console
            .browser
            .authorize(&client.code_request("contacts.read"))
            .await,
    )
    .await;
}

/// An admin creates a member; returns the member's id and signed-in browser.
async fn member(app: &TestApp, admin: &Console, email: &str) -> (String, Browser) {
    let res = admin
        .admin(
            Method::POST,
            "/users",
            Some(json!({"email": email, "name": "Mem", "password": PASSWORD, "role": "member"})),
        )
        .await;
    let (status, _, user) = json_of(res).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let browser = app.browser();
    let res = browser.log_in(email, PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    (string(&user["id"]), browser)
}

async fn deactivating_a_user_revokes_their_oauth_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.sign_up("Staff Co", "boss@staff.example").await;
    let client = OAuthClient::of(
        &oauth_app(
            &admin,
            registration(json!({"scopes": ["contacts.read", "offline_access"]})),
        )
        .await,
    );
    let (member_id, browser) = member(&app, &admin, "leaver@staff.example").await;
    let tokens = app
        .oauth_tokens(&browser, &client, "contacts.read offline_access")
        .await;
    let access = string(&tokens["access_token"]);
    let me = json_of(app.me(&access).await).await.2;
    assert_eq!(me["user"]["email"], "leaver@staff.example");
    let admin_token = string(
        &app.oauth_tokens(&admin.browser, &client, "contacts.read")
            .await["access_token"],
    );

    let res = admin
        .admin(
            Method::PATCH,
            &format!("/users/{member_id}"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.me_status(&access).await, StatusCode::UNAUTHORIZED);
    let got = app
        .refresh(&client, &string(&tokens["refresh_token"]), &[])
        .await;
    assert_oauth_error(&got, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(
        app.me_status(&admin_token).await,
        StatusCode::OK,
        "other users' grants are untouched"
    );
}

/// The grant ids in the revoke forms of a connected-apps page.
fn revoke_forms(html: &str) -> Vec<String> {
    let marker = r#"action="/settings/connected-apps/"#;
    html.match_indices(marker)
        .map(|(i, _)| {
            let rest = &html[i + marker.len()..];
            rest[..rest.find("/revoke\"").unwrap()].to_owned()
        })
        .collect()
}

async fn connected_apps_page_lists_and_revokes_grants(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.sign_up("Console Co", "boss@console.example").await;
    let client =
        OAuthClient::of(&oauth_app(&admin, registration(json!({"name": "Helpdesk Sync"}))).await);
    let (_, member_browser) = member(&app, &admin, "mem@console.example").await;
    let member_token = string(
        &app.oauth_tokens(&member_browser, &client, "contacts.read")
            .await["access_token"],
    );
    let admin_token = string(
        &app.oauth_tokens(&admin.browser, &client, "contacts.read")
            .await["access_token"],
    );

    // A member sees their own grant; an admin sees every grant in the account.
    let res = member_browser.get("/settings/connected-apps").await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("Helpdesk Sync"));
    let mine = revoke_forms(&html);
    assert_eq!(mine.len(), 1, "{html}");
    let csrf = crate::helpers::meta_csrf(&html);
    let admin_html = admin
        .browser
        .get("/settings/connected-apps")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(revoke_forms(&admin_html).len(), 2, "{admin_html}");

    // A revoke without the CSRF token does nothing.
    let action = format!("/settings/connected-apps/{}/revoke", mine[0]);
    let res = member_browser
        .post_form(&action, &[("csrf_token", "forged")])
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    assert_eq!(app.me_status(&member_token).await, StatusCode::OK);

    // The member revokes: 303 back, the token is dead, the admin's is not.
    let res = member_browser
        .post_form(&action, &[("csrf_token", &csrf)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/settings/connected-apps");
    assert_eq!(app.me_status(&member_token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.me_status(&admin_token).await, StatusCode::OK);
    let html = member_browser
        .get("/settings/connected-apps")
        .await
        .text()
        .await
        .unwrap();
    assert!(revoke_forms(&html).is_empty(), "{html}");
}

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
