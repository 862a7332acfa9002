//! The console in a real browser: headless Chromium driven through
//! chromedriver (WebDriver). Needs `chromium` and `chromium-driver`; without
//! them the test says SKIPPED on stderr, and with
//! `SWITCHBOARD_TEST_BROWSER=require` (set by CI) it fails instead.

use crate::browser_support::{check_page, click, flash_text, logo_files, wait_for_path};
use crate::helpers::{fill, json_of, webdriver, Backend, TestApp, PASSWORD};
use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn an_admin_creates_edits_and_deletes_a_private_app_in_the_browser() {
    let Some(driver) = webdriver().await else {
        return;
    };
    let c = &driver.client;
    let app = TestApp::spawn(Backend::Sqlite).await;
    sign_up_in_browser(c, &app, "Browser Co", "Bea Browser", "bea@browser.example").await;
    let (png, svg) = logo_files();

    // Create: name, description, logo, two modules' permissions, Save.
    c.goto(&app.url("/settings/private-apps")).await.unwrap();
    check_page(c, "private-apps-empty").await;
    click(c, "#new-app").await;
    wait_for_path(c, "/settings/private-apps/new").await;
    fill(c, "#create input[name=name]", "From the browser").await;
    fill(
        c,
        "#create input[name=description]",
        "Syncs contacts to the CRM",
    )
    .await;
    c.find(Locator::Css("#create input[name=logo]"))
        .await
        .unwrap()
        .send_keys(png.to_str().unwrap())
        .await
        .unwrap();
    click(c, "input[value='contacts.read']").await;
    click(c, "input[value='tickets.write']").await;
    check_page(c, "private-app-new").await;
    click(c, "#create button[type=submit]").await;

    // The token, once, legible, on its own page after a redirect.
    let token_el = c.wait().for_element(Locator::Id("token")).await.unwrap();
    let token = token_el.text().await.unwrap();
    assert!(token.starts_with("swb_pat_") && token.len() > 50, "{token}");
    // The Copy button works: the Clipboard API, or the text selected to copy by hand.
    click(c, "button[data-copy=token]").await;
    let label = c
        .find(Locator::Css("button[data-copy=token]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(label == "Copied" || label.contains("Ctrl+C"), "{label}");
    let token_url = c.current_url().await.unwrap();
    assert!(token_url.path().ends_with("/token"), "{token_url}");
    check_page(c, "private-app-token").await;
    let me = json_of(app.me(&token).await).await.2;
    assert_eq!(me["scopes"], json!(["contacts.read", "tickets.write"]));
    assert_eq!(me["app"]["name"], "From the browser");

    // A reload shows no token, ever again.
    c.refresh().await.unwrap();
    c.wait()
        .for_element(Locator::Id("already-shown"))
        .await
        .unwrap();
    assert!(!c.source().await.unwrap().contains("swb_pat_"));

    // The list: logo, readable permissions, never the token.
    c.goto(&app.url("/settings/private-apps")).await.unwrap();
    let html = c.source().await.unwrap();
    assert!(html.contains("From the browser") && !html.contains(&token));
    assert!(html.contains("Contacts: read") && html.contains("Tickets: write"));
    let logo = c.find(Locator::Css("img.logo")).await.unwrap();
    assert!(logo
        .attr("src")
        .await
        .unwrap()
        .unwrap()
        .starts_with("/logos/"));
    check_page(c, "private-apps-list").await;

    // Edit the permissions: the API follows at once.
    click(c, "td a[href^='/settings/private-apps/']").await;
    c.wait().for_element(Locator::Id("edit")).await.unwrap();
    check_page(c, "private-app-edit").await;
    click(c, "#edit input[value='tickets.write']").await;
    click(c, "#edit input[value='calls.read']").await;
    click(c, "#edit button[type=submit]").await;
    c.wait().for_element(Locator::Id("flash")).await.unwrap();
    assert!(flash_text(c).await.contains("Saved"));
    let me = json_of(app.me(&token).await).await.2;
    assert_eq!(me["scopes"], json!(["contacts.read", "calls.read"]));

    // Rotate with a day's grace: a new token, once; the old one still works
    // and the list says until when.
    click(c, "a[href$='/rotate']").await;
    c.wait().for_element(Locator::Id("confirm")).await.unwrap();
    c.find(Locator::Css("#choice option[value='86400']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    check_page(c, "private-app-confirm-rotate").await;
    click(c, "#confirm").await;
    let rotated = c
        .wait()
        .for_element(Locator::Id("token"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(rotated.starts_with("swb_pat_") && rotated != token);
    assert!(flash_text(c).await.contains("old token works until"));
    assert_eq!(
        app.me(&token).await.status(),
        StatusCode::OK,
        "in its grace period"
    );
    assert_eq!(app.me(&rotated).await.status(), StatusCode::OK);
    c.goto(&app.url("/settings/private-apps")).await.unwrap();
    let old = c
        .find(Locator::Css(".old-token"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(old.starts_with("Old token valid until"), "{old}");
    check_page(c, "private-apps-list-grace").await;
    click(c, "td a[href^='/settings/private-apps/']").await;
    c.wait().for_element(Locator::Id("edit")).await.unwrap();
    let token = rotated;

    // A file that is not an image is refused, at the field, in words.
    c.find(Locator::Css("#edit input[name=logo]"))
        .await
        .unwrap()
        .send_keys(svg.to_str().unwrap())
        .await
        .unwrap();
    click(c, "#edit button[type=submit]").await;
    let err = c
        .wait()
        .for_element(Locator::Id("logo-error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(err.contains("PNG, JPEG or WebP"), "{err}");

    // Delete asks first; Cancel keeps the app, Delete removes it.
    click(c, ".danger-zone a").await;
    c.wait().for_element(Locator::Id("confirm")).await.unwrap();
    check_page(c, "private-app-confirm-delete").await;
    click(c, ".confirm a.btn-secondary").await;
    c.wait().for_element(Locator::Id("edit")).await.unwrap();
    assert_eq!(
        app.me(&token).await.status(),
        StatusCode::OK,
        "cancel keeps it"
    );
    click(c, ".danger-zone a").await;
    click(c, "#confirm").await;
    wait_for_path(c, "/settings/private-apps").await;
    assert!(flash_text(c).await.contains("deleted"));
    assert_eq!(app.me(&token).await.status(), StatusCode::UNAUTHORIZED);

    // Signing out ends the session.
    click(c, "form.signout button[type=submit]").await;
    wait_for_path(c, "/login").await;
    c.goto(&app.url("/settings")).await.unwrap();
    assert!(
        c.current_url().await.unwrap().path().starts_with("/login"),
        "signed out"
    );
    driver.client.clone().close().await.unwrap();
}

/// The settings layout at 1280 and 390 px: header with account, user and
/// Sign out on every page (error pages too), navigation by role, no
/// sideways scrolling, no serious accessibility problem.
#[tokio::test]
async fn the_settings_layout_frames_every_page() {
    let Some(driver) = webdriver().await else {
        return;
    };
    let c = &driver.client;
    let app = TestApp::spawn(Backend::Sqlite).await;
    sign_up_in_browser(c, &app, "Layout Co", "Lay Out", "lay@layout.example").await;

    for (path, name) in [
        ("/settings", "settings-home"),
        ("/settings/connected-apps", "connected-apps-empty"),
        ("/settings/no-such-page", "error-404"),
    ] {
        c.goto(&app.url(path)).await.unwrap();
        let header = c.find(Locator::Css("header.top")).await.unwrap();
        let text = header.text().await.unwrap();
        assert!(
            text.contains("Layout Co") && text.contains("Lay"),
            "{path}: {text}"
        );
        c.find(Locator::Css("header form.signout button"))
            .await
            .unwrap();
        check_page(c, name).await;
    }
    let nav = c
        .find(Locator::Css("nav.side"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for label in [
        "Private Apps",
        "OAuth 2.0 apps",
        "Connected apps",
        "Users",
        "Webhooks",
        "Audit log",
        "Account",
    ] {
        assert!(nav.contains(label), "admin nav lacks {label}: {nav}");
    }
    assert!(
        !c.source().await.unwrap().contains("X-CSRF-Token"),
        "no developer text on the settings pages"
    );
    driver.client.clone().close().await.unwrap();
}

/// Sign up through the real form and land on `/settings`.
pub async fn sign_up_in_browser(
    c: &fantoccini::Client,
    app: &TestApp,
    company: &str,
    name: &str,
    email: &str,
) {
    c.goto(&app.url("/signup")).await.unwrap();
    fill(c, "input[name=company]", company).await;
    fill(c, "input[name=name]", name).await;
    fill(c, "input[name=email]", email).await;
    fill(c, "input[name=password]", PASSWORD).await;
    click(c, "form button[type=submit]").await;
    c.wait()
        .for_url(&url::Url::parse(&app.url("/settings")).unwrap())
        .await
        .unwrap();
}

/// Members see only the sections they may use, and admin pages answer them
/// inside the layout; the sign-in and sign-up pages pass the same checks.
#[tokio::test]
async fn members_see_only_their_sections_and_the_public_pages_are_accessible() {
    let Some(driver) = webdriver().await else {
        return;
    };
    let c = &driver.client;
    let app = TestApp::spawn(Backend::Sqlite).await;
    c.goto(&app.url("/signup")).await.unwrap();
    check_page(c, "signup").await;
    c.goto(&app.url("/login")).await.unwrap();
    check_page(c, "login").await;

    let admin = app.sign_up("Member Co", "boss@member.example").await;
    let res = admin
        .admin(
            reqwest::Method::POST,
            "/users",
            Some(json!({"email": "mo@member.example", "name": "Mo Member", "password": PASSWORD, "role": "member"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    c.goto(&app.url("/login")).await.unwrap();
    fill(c, "input[name=email]", "mo@member.example").await;
    fill(c, "input[name=password]", PASSWORD).await;
    click(c, "form button[type=submit]").await;
    wait_for_path(c, "/settings").await;
    let nav = c
        .find(Locator::Css("nav.side"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        nav.contains("Connected apps") && nav.contains("Account"),
        "{nav}"
    );
    for hidden in ["Private Apps", "OAuth 2.0 apps", "Users", "Audit log"] {
        assert!(!nav.contains(hidden), "a member is shown {hidden}: {nav}");
    }
    check_page(c, "settings-home-member").await;
    c.goto(&app.url("/settings/private-apps")).await.unwrap();
    let html = c.source().await.unwrap();
    assert!(html.contains("Only account admins") && html.contains("Sign out"));
    check_page(c, "error-403-member").await;
    driver.client.clone().close().await.unwrap();
}
