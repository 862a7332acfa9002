//! The admin API with a console session (CSRF header on writes), users,
//! roles, deactivation, and the audit log.

use crate::helpers::Backend;
use crate::helpers::{json_of, oauth_app, string, OAuthClient, TestApp, PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    session_writes_need_the_csrf_header,
    users_roles_and_deactivation,
    deactivated_admins_session_cannot_use_the_admin_api,
    other_accounts_users_are_404,
    audit_log_records_admin_actions_and_filters,
);

async fn session_writes_need_the_csrf_header(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Header Co", "h@header.example").await;
    let url = console.browser.url("/services/admin/v1/private-apps");
    let body = json!({"name": "x", "scopes": ["contacts.read"]});

    for header in [None, Some("wrong")] {
        let mut req = console.browser.client.post(&url).json(&body);
        if let Some(h) = header {
            req = req.header("x-csrf-token", h);
        }
        let (status, _, err) = json_of(req.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(err["error"], "csrf_failed");
        assert!(err["message"].as_str().unwrap().contains("X-CSRF-Token"));
    }
    // Reads need no header; nothing was created by the refused writes.
    let (status, _, list) = json_of(console.browser.client.get(&url).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list, json!([]));
    assert_eq!(
        console
            .admin(Method::POST, "/private-apps", Some(body))
            .await
            .status(),
        StatusCode::CREATED
    );
}

async fn users_roles_and_deactivation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.sign_up("People", "boss@people.example").await;

    // Create a member; emails are unique case-insensitively.
    let res = admin
        .admin(Method::POST, "/users", Some(json!({"email": "mem@people.example", "name": "Mem", "password": PASSWORD, "role": "member"})))
        .await;
    let (status, headers, member) = json_of(res).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(headers.contains_key("location"));
    assert_eq!(member["role"], "member");
    assert_eq!(member["active"], true);
    assert!(member.get("password").is_none() && member.get("passwordHash").is_none());
    let member_id = member["id"].as_str().unwrap().to_owned();
    let dup = admin
        .admin(Method::POST, "/users", Some(json!({"email": "MEM@people.example", "name": "Dup", "password": PASSWORD, "role": "member"})))
        .await;
    assert_eq!(dup.status(), StatusCode::CONFLICT);
    let bad_role = admin
        .admin(Method::POST, "/users", Some(json!({"email": "x@people.example", "name": "X", "password": PASSWORD, "role": "owner"})))
        .await;
    let (status, _, err) = json_of(bad_role).await;
    assert_eq!(
        (status, err["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("role"))
    );

    // The member can sign in but not use the admin API.
    let member_browser = app.browser();
    assert_eq!(
        member_browser
            .log_in("mem@people.example", PASSWORD, None)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let res = member_browser.get("/services/admin/v1/users").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        member_browser.get("/settings").await.status(),
        StatusCode::OK
    );

    // Deactivating ends the member's session and blocks sign-in.
    let res = admin
        .admin(
            Method::PATCH,
            &format!("/users/{member_id}"),
            Some(json!({"active": false})),
        )
        .await;
    let (status, _, updated) = json_of(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["active"], false);
    assert_eq!(
        member_browser.get("/settings").await.status(),
        StatusCode::SEE_OTHER
    );
    let res = app
        .browser()
        .log_in("mem@people.example", PASSWORD, None)
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // The last active admin can be neither demoted nor deactivated.
    let (_, _, users) = json_of(admin.admin(Method::GET, "/users", None).await).await;
    let boss_id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["role"] == "admin")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for patch in [json!({"role": "member"}), json!({"active": false})] {
        let (status, _, err) = json_of(
            admin
                .admin(Method::PATCH, &format!("/users/{boss_id}"), Some(patch))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(err["error"], "last_admin");
    }

    // Reactivate: the member can sign in again.
    admin
        .admin(
            Method::PATCH,
            &format!("/users/{member_id}"),
            Some(json!({"active": true})),
        )
        .await;
    assert_eq!(
        app.browser()
            .log_in("mem@people.example", PASSWORD, None)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

async fn deactivated_admins_session_cannot_use_the_admin_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let boss = app.sign_up("Two Admins", "one@two.example").await;
    boss.admin(Method::POST, "/users", Some(json!({"email": "two@two.example", "name": "Two", "password": PASSWORD, "role": "admin"})))
        .await;
    let second = app.browser();
    assert_eq!(
        second
            .log_in("two@two.example", PASSWORD, None)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let csrf = second.page_csrf("/settings").await;
    let (_, _, users) = json_of(boss.admin(Method::GET, "/users", None).await).await;
    let two_id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "two@two.example")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        second.get("/services/admin/v1/users").await.status(),
        StatusCode::OK
    );

    boss.admin(
        Method::PATCH,
        &format!("/users/{two_id}"),
        Some(json!({"active": false})),
    )
    .await;
    let res = second
        .client
        .post(second.url("/services/admin/v1/private-apps"))
        .header("x-csrf-token", csrf)
        .json(&json!({"name": "late", "scopes": ["contacts.read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn other_accounts_users_are_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = app.sign_up("Users A", "a@users-a.example").await;
    let (_, token_b) = app
        .account_with_token("Users B", &["admin.read", "admin.write"])
        .await;
    let (_, _, users_a) = json_of(a.admin(Method::GET, "/users", None).await).await;
    let a_id = users_a[0]["id"].as_str().unwrap();
    let url = app.url(&format!("/services/admin/v1/users/{a_id}"));
    assert_eq!(
        app.api()
            .get(&url)
            .bearer_auth(&token_b)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let res = app
        .api()
        .patch(&url)
        .bearer_auth(&token_b)
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // A is still active and can sign in.
    assert_eq!(
        app.browser()
            .log_in("a@users-a.example", PASSWORD, None)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

async fn audit_log_records_admin_actions_and_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Audited", "audit@audited.example").await;
    let token = string(
        &console
            .create_private_app("audit reader", &["admin.read"])
            .await["token"],
    );
    // A failed sign-in of a known user, and an app the admin authorizes.
    let res = app
        .browser()
        .log_in("audit@audited.example", "not the password", None)
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let oauth = OAuthClient::of(
        &oauth_app(
            &console,
            json!({"name": "CRM", "redirectUris": ["https://crm.example/cb"], "scopes": ["contacts.read"]}),
        )
        .await,
    );
    app.oauth_tokens(&console.browser, &oauth, "contacts.read")
        .await;
    let created = console
        .create_private_app("audited", &["contacts.read"])
        .await;
    let id = created["id"].as_str().unwrap();
    console
        .admin(Method::POST, &format!("/private-apps/{id}/rotate"), None)
        .await;
    console
        .admin(Method::DELETE, &format!("/private-apps/{id}"), None)
        .await;

    let (status, _, log) = json_of(
        app.get_with_token("/services/admin/v1/audit-log", &token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "account.created",
        "private_app.created",
        "private_app.rotated",
        "private_app.deleted",
        "user.sign_in_failed",
        "oauth_app.created",
        "oauth_grant.authorized",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    // Every entry made over HTTP names the client's address.
    for e in log.as_array().unwrap() {
        assert_eq!(e["ip"], "127.0.0.1", "{e}");
    }
    let (_, _, only) = json_of(
        app.get_with_token(
            "/services/admin/v1/audit-log?action=private_app.rotated",
            &token,
        )
        .await,
    )
    .await;
    assert_eq!(only.as_array().unwrap().len(), 1);
    assert_eq!(only[0]["target"], id);
    let (status, _, err) = json_of(
        app.get_with_token("/services/admin/v1/audit-log?limit=0", &token)
            .await,
    )
    .await;
    assert_eq!(
        (status, err["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("limit"))
    );
    let (status, _, _) = json_of(
        app.get_with_token("/services/admin/v1/audit-log?since=yesterday", &token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
