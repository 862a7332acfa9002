//! OAuth grants (SPEC S8.1, S5.7): listed and revoked in the admin API,
//! revoked with a deactivated user, and on the console's connected-apps page.

use crate::helpers::{
    assert_oauth_error, json_of, oauth_app, string, Backend, Browser, Console, OAuthClient,
    TestApp, PASSWORD,
};
use crate::oauth_admin::registration;
use reqwest::header::LOCATION;
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    admin_grants_list_and_revoke,
    deactivating_a_user_revokes_their_oauth_tokens,
    connected_apps_page_lists_and_revokes_grants,
);

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
