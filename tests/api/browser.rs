//! The console in a real browser: headless Chromium driven through
//! chromedriver (WebDriver). Needs `chromium` and `chromium-driver`; without
//! them the test says SKIPPED on stderr, and with
//! `SWITCHBOARD_TEST_BROWSER=require` (set by CI) it fails instead.

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
