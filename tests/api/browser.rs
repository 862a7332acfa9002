//! The console in a real browser: headless Chromium driven through
//! chromedriver (WebDriver). Needs `chromium` and `chromium-driver`; without
//! them the test says SKIPPED on stderr, and with
//! `SWITCHBOARD_TEST_BROWSER=require` (set by CI) it fails instead.

use crate::browser_support::{check_page, click};
use crate::helpers::{fill, json_of, webdriver, Backend, TestApp, PASSWORD};
use fantoccini::Locator;
use reqwest::StatusCode;

#[tokio::test]
async fn an_admin_signs_up_and_creates_a_token_in_the_browser() {
    let Some(driver) = webdriver().await else {
        return;
    };
    let c = &driver.client;
    let app = TestApp::spawn(Backend::Sqlite).await;

    // Sign up through the real form.
    c.goto(&app.url("/signup")).await.unwrap();
    fill(c, "input[name=company]", "Browser Co").await;
    fill(c, "input[name=name]", "Bea").await;
    fill(c, "input[name=email]", "bea@browser.example").await;
    fill(c, "input[name=password]", PASSWORD).await;
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_url(&url::Url::parse(&app.url("/settings")).unwrap())
        .await
        .unwrap();
    assert!(c.source().await.unwrap().contains("Browser Co"));

    // Create a Private App: name, two permission boxes, Save; the token is shown once.
    c.goto(&app.url("/settings/private-apps")).await.unwrap();
    fill(c, "#create input[name=name]", "From the browser").await;
    c.find(Locator::Css("input[value='contacts.read']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("input[value='tickets.write']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#create button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let token_input = c.wait().for_element(Locator::Id("token")).await.unwrap();
    let token = token_input.prop("value").await.unwrap().unwrap();
    assert!(token.starts_with("swb_pat_"), "{token}");
    let me = json_of(app.me(&token).await).await.2;
    assert_eq!(
        me["scopes"],
        serde_json::json!(["contacts.read", "tickets.write"])
    );
    assert_eq!(me["app"]["name"], "From the browser");

    // The list shows the app, never the token; signing out ends the session.
    c.goto(&app.url("/settings/private-apps")).await.unwrap();
    let html = c.source().await.unwrap();
    assert!(html.contains("From the browser") && !html.contains(&token));
    c.find(Locator::Css("form.signout button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_url(&url::Url::parse(&app.url("/login")).unwrap())
        .await
        .unwrap();
    c.goto(&app.url("/settings")).await.unwrap();
    assert!(
        c.current_url().await.unwrap().path().starts_with("/login"),
        "signed out"
    );
    assert_eq!(
        app.me(&token).await.status(),
        StatusCode::OK,
        "signing out does not touch tokens"
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
        "Audit log",
        "Account",
    ] {
        assert!(nav.contains(label), "admin nav lacks {label}: {nav}");
    }
    assert!(
        !nav.contains("Webhooks"),
        "no link to a page that does not exist"
    );
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
