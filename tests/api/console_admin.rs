//! The console's Users, Audit log, Account and Webhooks pages over plain
//! HTTP: who may open and post them, field errors, the last-admin rule under
//! races, and what a failed webhook delivery says about its next try.

use crate::helpers::{json_of, Backend, Console, TestApp, PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    members_get_403_on_admin_pages_and_posts,
    the_add_user_form_reports_errors_at_the_field,
    the_last_admin_cannot_be_demoted_or_deactivated,
    two_admins_demoting_each_other_leave_one_admin,
    an_admins_reset_link_signs_the_user_out_and_works_once,
    the_audit_log_page_filters_and_pages,
    the_account_page_checks_who_and_what,
    the_webhooks_page_says_when_a_failed_delivery_is_tried_again,
);

/// An admin and a signed-in member of the same account.
async fn admin_and_member(app: &TestApp) -> (Console, Console, String) {
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

async fn the_last_admin_cannot_be_demoted_or_deactivated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _member, _) = admin_and_member(&app).await;
    let me = users(&admin)
        .await
        .into_iter()
        .find(|u| u["role"] == "admin")
        .unwrap();
    let me = me["id"].as_str().unwrap();

    for action in ["demote", "deactivate"] {
        let path = format!("/settings/users/{me}/{action}");
        // The confirmation step first, then the refusal, with a message on the page.
        let ask = admin.browser.get(&path).await;
        assert_eq!(ask.status(), StatusCode::OK);
        let res = admin
            .browser
            .post_form(&path, &[("csrf_token", &admin.csrf)])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{action}");
        let page = admin
            .browser
            .get("/settings/users")
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("last active admin"), "{action}: {page}");
    }
    let after = users(&admin)
        .await
        .into_iter()
        .find(|u| u["id"] == me)
        .unwrap();
    assert_eq!(
        (after["role"].as_str(), after["active"].as_bool()),
        (Some("admin"), Some(true))
    );
    // The admin API refuses the same changes.
    for patch in [json!({"role": "member"}), json!({"active": false})] {
        let (status, _, err) = json_of(
            admin
                .admin(Method::PATCH, &format!("/users/{me}"), Some(patch))
                .await,
        )
        .await;
        assert_eq!(
            (status, err["error"].as_str()),
            (StatusCode::CONFLICT, Some("last_admin"))
        );
    }
}

/// Two admins each demote the other at the same moment: one change must
/// lose, or the account would be left with no admin at all.
async fn two_admins_demoting_each_other_leave_one_admin(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (a, b, b_id) = admin_and_member(&app).await;
    let a_id = users(&a)
        .await
        .into_iter()
        .find(|u| u["id"] != b_id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for round in 0..10 {
        app.sql(&format!(
            "update users set role = 'admin' where id in ('{a_id}', '{b_id}')"
        ))
        .await;
        let (pa, pb) = (format!("/users/{b_id}"), format!("/users/{a_id}"));
        let demote = json!({"role": "member"});
        let (ra, rb) = tokio::join!(
            a.admin(Method::PATCH, &pa, Some(demote.clone())),
            b.admin(Method::PATCH, &pb, Some(demote.clone())),
        );
        let statuses = [ra.status(), rb.status()];
        assert!(
            statuses.contains(&StatusCode::OK),
            "round {round}: {statuses:?}"
        );
        assert_eq!(active_admins(&app).await, 1, "round {round}: {statuses:?}");
    }
}

/// How many active admins the database holds (the rows a no-op update touches).
async fn active_admins(app: &TestApp) -> u64 {
    app.sql("update users set updated_at = updated_at where role = 'admin' and active = 1")
        .await
}

async fn the_audit_log_page_filters_and_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, member, _) = admin_and_member(&app).await;
    assert_eq!(
        member.browser.get("/settings/audit-log").await.status(),
        StatusCode::FORBIDDEN
    );
    // 60 Private Apps: more entries than one page holds.
    for i in 0..60 {
        admin
            .create_private_app(&format!("app {i}"), &["contacts.read"])
            .await;
    }
    let rows = |html: &str| html.matches("<td data-label=\"When\">").count();
    let first = admin
        .browser
        .get("/settings/audit-log?action=private_app.created")
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let html = first.text().await.unwrap();
    assert_eq!(rows(&html), 50);
    assert!(
        html.contains("<td data-label=\"What\">Private App created")
            && !html.contains("<td data-label=\"What\">User added")
    );
    let marker = "href=\"/settings/audit-log?";
    let older = html[html.rfind(marker).unwrap() + 6..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(older.contains("before="), "{older}");
    let html = admin.browser.get(&older).await.text().await.unwrap();
    assert_eq!(rows(&html), 10, "the rest, none twice");
    assert!(html.contains("Newest") && !html.contains("Older entries"));
    // Filters by actor and day; a range that ends before it starts is refused at the field.
    let res = admin
        .browser
        .get("/settings/audit-log?from=2020-01-02&to=2020-01-01")
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("id=\"f-to-error\""));
    let res = admin
        .browser
        .get("/settings/audit-log?from=yesterday")
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = admin
        .browser
        .get("/settings/audit-log?from=2020-01-01&to=2020-12-31")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(rows(&html), 0);
    assert!(html.contains("No entries match."));
    let bad = admin.browser.get("/settings/audit-log?before=1.x%27").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

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

/// The Webhooks page once `hook` has logged at least `n` deliveries.
async fn webhooks_page(console: &Console, hook: &str, n: usize) -> String {
    let started = std::time::Instant::now();
    loop {
        let (_, _, log) = json_of(
            console
                .admin(Method::GET, &format!("/webhooks/{hook}/deliveries"), None)
                .await,
        )
        .await;
        if log.as_array().unwrap().len() >= n {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{log}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let res = console.browser.get("/settings/webhooks").await;
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

async fn the_webhooks_page_says_when_a_failed_delivery_is_tried_again(backend: Backend) {
    use crate::webhook_receiver::{create, subscribe, Receiver, Reply, RW};
    // The first retry comes 2 to 4 minutes after a failure.
    let app = TestApp::spawn_with(backend, |c| {
        c.webhooks.allow_private = true;
        c.webhooks.timeout_ms = 500;
        c.webhooks.retry_base_ms = 240_000;
    })
    .await;
    let (console, token) = app.account_with_token("Retry Page Co", RW).await;
    let mut rx = Receiver::start().await;
    rx.script([Reply::Status(500)]);
    let (hook, _) = subscribe(&app, &token, &rx.url, &["contacts.created"]).await;
    create(&app, &token, "contacts", json!({"firstName": "Later"})).await;
    rx.expect().await;
    let html = webhooks_page(&console, &hook, 1).await;
    assert!(html.contains(r#"status status-failed">500<"#), "{html}");
    let next = html
        .split("Next try ")
        .nth(1)
        .unwrap_or_else(|| panic!("no next try: {html}"));
    assert!(
        ["in 2 minutes", "in 3 minutes", "in 4 minutes"]
            .iter()
            .any(|t| next.contains(&format!(">{t}</time>"))),
        "{next}"
    );

    // Its time comes: the retry succeeds, and the failed row says it was retried.
    app.clock.advance(chrono::Duration::minutes(5));
    rx.expect().await;
    let html = webhooks_page(&console, &hook, 2).await;
    assert!(html.contains(r#"status status-ok">200<"#), "{html}");
    assert!(html.contains(r#"class="delivery-note">Retried<"#), "{html}");
    assert!(!html.contains("Next try"), "{html}");
}
