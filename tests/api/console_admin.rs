//! The console's Users page over plain HTTP: who may open and post the admin
//! pages, field errors when adding a user, and the one-time links that set a
//! password.

use crate::helpers::{json_of, Backend, Console, TestApp, PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    members_get_403_on_admin_pages_and_posts,
    the_add_user_form_reports_errors_at_the_field,
    an_admins_reset_link_signs_the_user_out_and_works_once,
);

/// An admin and a signed-in member of the same account.
pub(crate) async fn admin_and_member(app: &TestApp) -> (Console, Console, String) {
    let admin = app
        .sign_up(
            "People Co",
            &format!("boss{}@people.example", crate::helpers::uuid_like()),
        )
        .await;
    let email = format!("mem{}@people.example", crate::helpers::uuid_like());
    let res = admin
        .admin(
            Method::POST,
            "/users",
            Some(json!({"email": email, "name": "Mem", "password": PASSWORD, "role": "member"})),
        )
        .await;
    let (status, _, member) = json_of(res).await;
    assert_eq!(status, StatusCode::CREATED);
    let browser = app.browser();
    assert_eq!(
        browser.log_in(&email, PASSWORD, None).await.status(),
        StatusCode::SEE_OTHER
    );
    let csrf = browser.page_csrf("/settings").await;
    let id = member["id"].as_str().unwrap().to_owned();
    (admin, Console { browser, csrf }, id)
}

pub async fn users(admin: &Console) -> Vec<Value> {
    let (_, _, list) = json_of(admin.admin(Method::GET, "/users", None).await).await;
    list.as_array().unwrap().clone()
}

async fn members_get_403_on_admin_pages_and_posts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, member, member_id) = admin_and_member(&app).await;
    let admin_id = users(&admin)
        .await
        .iter()
        .find(|u| u["role"] == "admin")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let home = member.browser.get("/settings").await.text().await.unwrap();
    assert!(
        !home.contains("href=\"/settings/users\""),
        "no Users link for members"
    );
    for path in [
        "/settings/users",
        &format!("/settings/users/{admin_id}/deactivate"),
    ] {
        let res = member.browser.get(path).await;
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, StatusCode::FORBIDDEN, "GET {path}: {body}");
        assert!(body.contains("Sign out"), "403 keeps the header");
    }
    for action in ["promote", "demote", "deactivate", "reactivate"] {
        let path = format!("/settings/users/{admin_id}/{action}");
        let res = member
            .browser
            .post_form(&path, &[("csrf_token", &member.csrf)])
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "POST {path}");
    }
    let add = [
        ("csrf_token", member.csrf.as_str()),
        ("name", "Eve"),
        ("email", "eve@people.example"),
        ("password", PASSWORD),
        ("role", "admin"),
    ];
    assert_eq!(
        member
            .browser
            .post_form("/settings/users", &add)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // Nothing changed: the member is still a member, the admin still an admin, no Eve.
    let list = users(&admin).await;
    assert_eq!(list.len(), 2);
    assert!(list
        .iter()
        .any(|u| u["id"] == member_id.as_str() && u["role"] == "member"));

    // An admin's form without the CSRF token is refused too.
    let res = admin
        .browser
        .post_form(
            &format!("/settings/users/{member_id}/promote"),
            &[("csrf_token", "nope")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // With it: promoted, and the page says so.
    let res = admin
        .browser
        .post_form(
            &format!("/settings/users/{member_id}/promote"),
            &[("csrf_token", &admin.csrf)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = admin
        .browser
        .get("/settings/users")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Mem is now an admin."), "{page}");
}

async fn the_add_user_form_reports_errors_at_the_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.sign_up("Form Co", "boss@form.example").await;
    let post = |name: &'static str, email: &'static str| {
        let csrf = admin.csrf.clone();
        let browser = &admin.browser;
        async move {
            let form = [
                ("csrf_token", csrf.as_str()),
                ("name", name),
                ("email", email),
                ("role", "admin"),
            ];
            browser.post_form("/settings/users", &form).await
        }
    };

    let res = post("", "not-an-email").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"add-name-error\">Name is required."),
        "{html}"
    );
    assert!(
        html.contains("id=\"add-email-error\">Email must be an email address"),
        "{html}"
    );
    assert!(
        html.contains("value=\"not-an-email\""),
        "keeps what was typed"
    );
    assert!(html.contains("value=\"admin\" checked"), "keeps the role");

    // Added: the answer leads to the page that shows the one-time link.
    let res = post("Ann", "ann@form.example").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let link = one_time_link(&admin, &res).await;
    let res = post("Ann again", "ANN@form.example").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("A user with this email already exists."));
    let ann = users(&admin)
        .await
        .into_iter()
        .find(|u| u["email"] == "ann@form.example")
        .unwrap();
    assert_eq!(ann["role"], "admin");

    // Ann sets her password through the link, once.
    set_password_through(&app, &link, StatusCode::OK).await;
    set_password_through(&app, &link, StatusCode::NOT_FOUND).await;
    let res = app
        .browser()
        .log_in("ann@form.example", PASSWORD, None)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

/// Follow the redirect after "add user" / "reset password": the page shows
/// the link once; a second look shows none.
async fn one_time_link(admin: &Console, res: &reqwest::Response) -> String {
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    let page = admin.browser.get(&to).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    let link = reset_link_in(&html);
    assert!(link.contains("/reset-password/"), "{link}");
    let again = admin.browser.get(&to).await.text().await.unwrap();
    assert!(!again.contains(&link) && again.contains("already shown"));
    link
}

fn reset_link_in(html: &str) -> String {
    let marker = r#"id="reset-link" class="secret" aria-labelledby="reset-link-label">"#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no link in {html}"))
        + marker.len();
    html[start..].split('<').next().unwrap().to_owned()
}

async fn an_admins_reset_link_signs_the_user_out_and_works_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, member, member_id) = admin_and_member(&app).await;
    let path = format!("/settings/users/{member_id}/reset-password");
    // Members may not ask for links, nor without the CSRF token.
    let res = member
        .browser
        .post_form(&path, &[("csrf_token", &member.csrf)])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = admin
        .browser
        .post_form(&path, &[("csrf_token", "nope")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = admin
        .browser
        .post_form(&path, &[("csrf_token", &admin.csrf)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let first = one_time_link(&admin, &res).await;
    // A newer link replaces it.
    let res = admin
        .browser
        .post_form(&path, &[("csrf_token", &admin.csrf)])
        .await;
    let link = one_time_link(&admin, &res).await;
    assert_ne!(first, link);
    set_password_through(&app, &first, StatusCode::NOT_FOUND).await;
    // Opening the link changes nothing; setting the password ends the member's session.
    assert_eq!(
        member.browser.get("/settings").await.status(),
        StatusCode::OK
    );
    set_password_through(&app, &link, StatusCode::OK).await;
    assert_eq!(
        member.browser.get("/settings").await.status(),
        StatusCode::SEE_OTHER
    );
    set_password_through(&app, &link, StatusCode::NOT_FOUND).await;
    // The link's secret is stored only as a hash, and the log says what happened.
    let (_, _, log) = json_of(admin.admin(Method::GET, "/audit-log", None).await).await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"user.password_reset_link_created")
            && actions.contains(&"user.password_reset"),
        "{actions:?}"
    );
    let secret = &link[link.rfind('/').unwrap() + 1..];
    assert_eq!(
        app.sql(&format!(
            "update password_resets set used_at = used_at where token_hash = '{secret}'"
        ))
        .await,
        0
    );
}

/// Open the link in a fresh browser and set `PASSWORD`; expect `status`.
async fn set_password_through(app: &TestApp, link: &str, status: StatusCode) {
    let path = &link[link.find("/reset-password/").unwrap()..];
    let browser = app.browser();
    let page = browser.get(path).await;
    assert_eq!(page.status(), status, "GET {path}");
    if status != StatusCode::OK {
        return;
    }
    let csrf = crate::helpers::meta_csrf(&page.text().await.unwrap());
    let mismatch = [
        ("csrf_token", csrf.as_str()),
        ("new_password", PASSWORD),
        ("confirm_password", "something else"),
    ];
    let res = browser.post_form(path, &mismatch).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("do not match"));
    let form = [
        ("csrf_token", csrf.as_str()),
        ("new_password", PASSWORD),
        ("confirm_password", PASSWORD),
    ];
    let res = browser.post_form(path, &form).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Password set"));
}
