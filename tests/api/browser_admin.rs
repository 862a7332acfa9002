//! Users, Audit log and Account in headless Chromium, clicked as a person
//! would: add a member and hand them a one-time link, sign in as them and
//! meet only member pages; change a password and watch another session end;
//! the last admin stays an admin; filter the audit log. Every page is
//! screenshotted at 1280 and 390 px and checked by axe-core.

use crate::browser::sign_up_in_browser;
use crate::browser_support::{check_page, click, submit};
use crate::helpers::{fill, webdriver, Backend, TestApp, PASSWORD};
use fantoccini::{Client, Locator};
use reqwest::StatusCode;

const NEW_PASSWORD: &str = "a brand new passphrase";

pub async fn text_of(c: &Client, selector: &str) -> String {
    c.wait()
        .for_element(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("no {selector}: {e}"))
        .text()
        .await
        .unwrap()
}

async fn go(c: &Client, app: &TestApp, path: &str) {
    c.goto(&app.url(path)).await.unwrap();
}

/// Add a user through the form; returns the one-time link the page shows.
async fn add_user(c: &Client, app: &TestApp, name: &str, email: &str, role: &str) -> String {
    go(c, app, "/settings/users").await;
    fill(c, "#add-name", name).await;
    fill(c, "#add-email", email).await;
    click(c, &format!("#add-user input[name=role][value={role}]")).await;
    submit(c, "#add-user button[type=submit]").await;
    let link = c
        .wait()
        .for_element(Locator::Id("reset-link"))
        .await
        .unwrap();
    link.text().await.unwrap()
}

pub async fn sign_in(c: &Client, app: &TestApp, email: &str, password: &str) {
    go(c, app, "/login").await;
    fill(c, "input[name=email]", email).await;
    fill(c, "input[name=password]", password).await;
    submit(c, "form button[type=submit]").await;
    c.wait()
        .for_url(&url::Url::parse(&app.url("/settings")).unwrap())
        .await
        .unwrap();
}

async fn sign_out(c: &Client) {
    submit(c, "header form.signout button").await;
}

#[tokio::test]
async fn a_member_added_with_a_one_time_link_sees_only_member_pages() {
    let Some(driver) = webdriver().await else {
        return;
    };
    let c = &driver.client;
    let app = TestApp::spawn(Backend::Sqlite).await;
    sign_up_in_browser(c, &app, "Team Co", "Ada Admin", "ada@team.example").await;
    go(c, &app, "/settings/users").await;
    check_page(c, "users").await;

    // Errors at the field, what was typed kept.
    fill(c, "#add-email", "not an email").await;
    submit(c, "#add-user button[type=submit]").await;
    assert!(text_of(c, "#add-name-error")
        .await
        .contains("Name is required"));
    assert!(text_of(c, "#add-email-error")
        .await
        .contains("email address"));
    check_page(c, "users-add-errors").await;

    let link = add_user(c, &app, "Mo Member", "mo@team.example", "member").await;
    assert!(link.starts_with(&app.url("/reset-password/")), "{link}");
    check_page(c, "users-reset-link").await;
    // Shown once: a reload says so and shows no link.
    c.refresh().await.unwrap();
    assert!(c.find(Locator::Id("reset-link")).await.is_err());
    assert!(c.source().await.unwrap().contains("already shown"));
    sign_out(c).await;

    // The member sets a password through the link …
    c.goto(&link).await.unwrap();
    check_page(c, "reset-password").await;
    fill(c, "#new-password", NEW_PASSWORD).await;
    fill(c, "#confirm-password", NEW_PASSWORD).await;
    submit(c, "#reset button[type=submit]").await;
    assert!(text_of(c, "h1").await.contains("Password set"));
    // … which works once.
    c.goto(&link).await.unwrap();
    assert!(text_of(c, "h1").await.contains("cannot be used"));
    check_page(c, "reset-password-used").await;

    sign_in(c, &app, "mo@team.example", NEW_PASSWORD).await;
    let nav = text_of(c, "nav.side").await;
    for hidden in ["Private Apps", "OAuth 2.0 apps", "Users", "Audit log"] {
        assert!(!nav.contains(hidden), "member nav shows {hidden}: {nav}");
    }
    assert!(
        nav.contains("Connected apps") && nav.contains("Account"),
        "{nav}"
    );
    for path in [
        "/settings/users",
        "/settings/audit-log",
        "/settings/private-apps",
    ] {
        go(c, &app, path).await;
        let html = c.source().await.unwrap();
        assert!(html.contains("Not allowed"), "{path} for a member: {html}");
    }
    check_page(c, "member-403").await;
    go(c, &app, "/settings/account").await;
    assert!(
        c.find(Locator::Id("company")).await.is_err(),
        "members cannot rename"
    );
    check_page(c, "account-member").await;
    driver.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn changing_the_password_signs_out_the_other_sessions_only() {
    let Some(driver) = webdriver().await else {
        return;
    };
    let c = &driver.client;
    let app = TestApp::spawn(Backend::Sqlite).await;
    sign_up_in_browser(c, &app, "Pass Co", "Pat", "pat@pass.example").await;
    // A second device, signed in as the same person.
    let other = app.browser();
    let res = other.log_in("pat@pass.example", PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(other.get("/settings").await.status(), StatusCode::OK);

    go(c, &app, "/settings/account").await;
    assert_eq!(
        c.find_all(Locator::Css("table.sessions tbody tr"))
            .await
            .unwrap()
            .len(),
        2
    );
    check_page(c, "account").await;
    // A wrong current password is refused at the field.
    fill(c, "#current-password", "not my password").await;
    fill(c, "#new-password", NEW_PASSWORD).await;
    fill(c, "#confirm-password", NEW_PASSWORD).await;
    submit(c, "#password button[type=submit]").await;
    assert!(text_of(c, "#current-password-error")
        .await
        .contains("not correct"));
    assert_eq!(other.get("/settings").await.status(), StatusCode::OK);

    fill(c, "#current-password", PASSWORD).await;
    fill(c, "#new-password", NEW_PASSWORD).await;
    fill(c, "#confirm-password", NEW_PASSWORD).await;
    submit(c, "#password button[type=submit]").await;
    assert!(text_of(c, "#flash").await.contains("Password changed"));
    assert_eq!(
        other.get("/settings").await.status(),
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    assert_eq!(
        c.find_all(Locator::Css("table.sessions tbody tr"))
            .await
            .unwrap()
            .len(),
        1,
        "this one stays"
    );
    let old = app
        .browser()
        .log_in("pat@pass.example", PASSWORD, None)
        .await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);

    // Sign out everywhere else.
    let third = app.browser();
    third.log_in("pat@pass.example", NEW_PASSWORD, None).await;
    c.refresh().await.unwrap();
    submit(c, "#end-others button").await;
    assert!(text_of(c, "#flash")
        .await
        .contains("Signed out of 1 other session"));
    assert_eq!(third.get("/settings").await.status(), StatusCode::SEE_OTHER);

    // An admin renames the company; the header follows.
    let company = c.find(Locator::Id("company-name")).await.unwrap();
    company.clear().await.unwrap();
    company.send_keys("Pass Company Ltd").await.unwrap();
    submit(c, "#company button[type=submit]").await;
    assert!(text_of(c, "header.top").await.contains("Pass Company Ltd"));
    driver.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn the_last_admin_stays_and_the_audit_log_filters() {
    let Some(driver) = webdriver().await else {
        return;
    };
    let c = &driver.client;
    let app = TestApp::spawn(Backend::Sqlite).await;
    sign_up_in_browser(c, &app, "Audit Co", "Al Admin", "al@audit.example").await;
    add_user(c, &app, "Bo", "bo@audit.example", "member").await;

    // Demoting oneself, the only admin: asked first, then refused with a message.
    go(c, &app, "/settings/users").await;
    let me = c
        .find(Locator::XPath(
            "//tr[contains(., 'al@audit.example')]//a[contains(., 'Make member')]",
        ))
        .await
        .unwrap();
    me.click().await.unwrap();
    assert!(text_of(c, "#confirm-title")
        .await
        .contains("Make Al Admin a member?"));
    check_page(c, "users-confirm-demote").await;
    submit(c, "#confirm").await;
    assert!(text_of(c, "#flash").await.contains("last active admin"));
    let row = text_of(c, "table.users").await;
    assert!(row.contains("Admin"), "{row}");
    check_page(c, "users-last-admin").await;

    // Deactivate Bo: confirmation, then done.
    c.find(Locator::XPath(
        "//tr[contains(., 'bo@audit.example')]//a[contains(., 'Deactivate')]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    submit(c, "#confirm").await;
    assert!(text_of(c, "#flash").await.contains("Bo was deactivated"));

    go(c, &app, "/settings/audit-log").await;
    check_page(c, "audit-log").await;
    let all = c
        .find_all(Locator::Css("table.audit tbody tr"))
        .await
        .unwrap()
        .len();
    assert!(
        all >= 4,
        "account created, user added, link created, deactivated: {all}"
    );
    c.find(Locator::Id("f-action"))
        .await
        .unwrap()
        .select_by_value("user.deactivated")
        .await
        .unwrap();
    submit(c, "#audit-filter button[type=submit]").await;
    let rows = c
        .find_all(Locator::Css("table.audit tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let text = rows[0].text().await.unwrap();
    assert!(
        text.contains("User deactivated") && text.contains("Al Admin") && text.contains("Bo"),
        "{text}"
    );
    assert!(c
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains("action=user.deactivated"));
    // A day range that ends before it starts is refused at the field.
    // Date inputs take keystrokes per locale; set their values as a picker would.
    c.execute(
        "document.getElementById('f-from').value = '2030-01-02';
         document.getElementById('f-to').value = '2030-01-01';",
        vec![],
    )
    .await
    .unwrap();
    submit(c, "#audit-filter button[type=submit]").await;
    assert!(text_of(c, "#f-to-error").await.contains("end date"));
    check_page(c, "audit-log-filtered").await;
    driver.client.clone().close().await.unwrap();
}
