//! Private apps in the console: created, rotated and deleted through the
//! real forms, each token shown once.

use crate::helpers::{meta_csrf, Backend, TestApp, PASSWORD};
use reqwest::header::LOCATION;
use reqwest::StatusCode;

on_both_backends!(private_apps_console_creates_rotates_and_deletes);

fn token_in(html: &str) -> String {
    let start = html.find("swb_pat_").expect("the page shows a token");
    html[start..].split('<').next().unwrap().to_owned()
}

/// A create or rotate answers 303 to the page that shows the token once,
/// never cached; a second visit shows none.
async fn token_after(b: &crate::helpers::Browser, res: reqwest::Response) -> (String, String) {
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = res.headers()[LOCATION].to_str().unwrap().to_owned();
    let id = page
        .split('?')
        .next()
        .unwrap()
        .trim_start_matches("/settings/private-apps/")
        .trim_end_matches("/token")
        .to_owned();
    let shown = b.get(&page).await;
    assert_eq!(shown.headers()["cache-control"], "no-store");
    let token = token_in(&shown.text().await.unwrap());
    let again = b.get(&page).await.text().await.unwrap();
    assert!(!again.contains("swb_pat_") && again.contains("already shown"));
    (id, token)
}

async fn private_apps_console_creates_rotates_and_deletes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app
        .sign_up("Console Apps", "admin@console-apps.example")
        .await;
    let b = &admin.browser;
    let page = b.get("/settings/private-apps").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Create a new token"));
    let html = b
        .get("/settings/private-apps/new")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"value="contacts.write""#));
    let csrf = meta_csrf(&html);

    // Create: the token is shown once, on a page that is not cached.
    let res = b
        .post_form(
            "/settings/private-apps",
            &[
                ("csrf_token", &csrf),
                ("name", "Zapier"),
                ("description", "sync"),
                ("scope", "contacts.read"),
                ("scope", "tickets.write"),
                ("expires_in_days", "90"),
            ],
        )
        .await;
    let (id, token) = token_after(b, res).await;
    let me = crate::helpers::json_of(app.me(&token).await).await.2;
    assert_eq!(
        me["scopes"],
        serde_json::json!(["contacts.read", "tickets.write"])
    );
    assert!(me["expiresAt"].is_string());
    let list = b.get("/settings/private-apps").await.text().await.unwrap();
    assert!(
        list.contains("Zapier") && !list.contains(&token),
        "the list never shows the token"
    );

    // Bad input re-renders the form with the problem; nothing is created.
    let res = b
        .post_form(
            "/settings/private-apps",
            &[("csrf_token", &csrf), ("name", "No scopes")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Choose at least one permission") && html.contains(r#"value="No scopes""#)
    );
    let res = b
        .post_form(
            "/settings/private-apps",
            &[("name", "x"), ("scope", "contacts.read")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no CSRF token");

    // Rotate without grace: the old token dies, the new one works.
    let res = b
        .post_form(
            &format!("/settings/private-apps/{id}/rotate"),
            &[("csrf_token", &csrf), ("grace_seconds", "0")],
        )
        .await;
    let rotated = token_after(b, res).await.1;
    assert_eq!(app.me(&token).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.me(&rotated).await.status(), StatusCode::OK);

    // Delete.
    let res = b
        .post_form(
            &format!("/settings/private-apps/{id}/delete"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.me(&rotated).await.status(), StatusCode::UNAUTHORIZED);

    // Members may not manage Private Apps.
    admin
        .admin(
            reqwest::Method::POST,
            "/users",
            Some(serde_json::json!({"email": "m@console-apps.example", "name": "M", "password": PASSWORD, "role": "member"})),
        )
        .await;
    let member = app.browser();
    member
        .log_in("m@console-apps.example", PASSWORD, None)
        .await;
    assert_eq!(
        member.get("/settings/private-apps").await.status(),
        StatusCode::FORBIDDEN
    );
}
