//! The console's Account page: who may change what there.

use crate::console_admin::{admin_and_member, users};
use crate::helpers::{json_of, Backend, Console, TestApp, PASSWORD};
use reqwest::{Method, StatusCode};

on_both_backends!(the_account_page_checks_who_and_what);

async fn the_account_page_checks_who_and_what(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, member, _) = admin_and_member(&app).await;
    // Everyone has the page; only admins rename the company.
    assert_eq!(
        member.browser.get("/settings/account").await.status(),
        StatusCode::OK
    );
    async fn rename(c: &Console, name: &str) -> reqwest::Response {
        let form = [("csrf_token", c.csrf.as_str()), ("company", name)];
        c.browser
            .post_form("/settings/account/company", &form)
            .await
    }
    assert_eq!(
        rename(&member, "Hijacked").await.status(),
        StatusCode::FORBIDDEN
    );
    let res = rename(&admin, "   ").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Company name is required."));
    assert_eq!(
        rename(&admin, "Renamed Co").await.status(),
        StatusCode::SEE_OTHER
    );
    let page = member
        .browser
        .get("/settings/account")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Renamed Co") && !page.contains("Hijacked"));

    // Password changes need the CSRF token and the current password; the
    // other session of the same user ends, this one stays.
    let email = users(&admin)
        .await
        .into_iter()
        .find(|u| u["role"] == "member")
        .unwrap()["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = app.browser();
    other.log_in(&email, PASSWORD, None).await;
    let change = |csrf: &str, current: &str| {
        let form = [
            ("csrf_token", csrf.to_owned()),
            ("current_password", current.to_owned()),
            ("new_password", "a whole new secret".to_owned()),
            ("confirm_password", "a whole new secret".to_owned()),
        ];
        let browser = &member.browser;
        async move {
            browser
                .client
                .post(browser.url("/settings/account/password"))
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        change("nope", PASSWORD).await.status(),
        StatusCode::FORBIDDEN
    );
    let wrong = change(&member.csrf, "not the password").await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert!(wrong
        .text()
        .await
        .unwrap()
        .contains("The current password is not correct."));
    assert_eq!(other.get("/settings").await.status(), StatusCode::OK);
    assert_eq!(
        change(&member.csrf, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(other.get("/settings").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        member.browser.get("/settings").await.status(),
        StatusCode::OK
    );
    let (_, _, log) = json_of(
        admin
            .admin(Method::GET, "/audit-log?action=user.password_changed", None)
            .await,
    )
    .await;
    assert_eq!(log.as_array().unwrap().len(), 1);
}
