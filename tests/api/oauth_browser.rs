//! The OAuth consent flow in a real browser (headless Chromium through
//! chromedriver): sign in, Allow, and land on the client's redirect URI with
//! a code. Skipped without chromedriver unless `SWITCHBOARD_TEST_BROWSER=require`.

use crate::helpers::{
    fill, json_of, oauth_app, string, webdriver, Backend, OAuthClient, TestApp, OAUTH, PASSWORD,
};
use fantoccini::{Client, Locator};
use oauth2::PkceCodeChallenge;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

async fn click(c: &Client, selector: &str) {
    c.wait()
        .for_element(Locator::Css(selector))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_user_signs_in_and_allows_an_app_in_the_browser() {
    let Some(driver) = webdriver().await else {
        return;
    };
    let c = &driver.client;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let console = app.sign_up("Chromium Co", "cr@browser.example").await;
    // A public client on a loopback IP literal: any port, so the redirect can
    // land on this very server (its /healthz), where the browser can read it.
    let registered = oauth_app(
        &console,
        json!({
            "name": "Browser App",
            "redirectUris": ["http://127.0.0.1/healthz"],
            "scopes": ["contacts.read"],
            "clientType": "public",
        }),
    )
    .await;
    let client = OAuthClient::of(&registered).redirecting_to(&app.url("/healthz"));
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut params = client.code_request("contacts.read");
    params.push(("code_challenge", challenge.as_str()));
    params.push(("code_challenge_method", "S256"));
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish();

    // Not signed in: the login form, then back to the consent page.
    c.goto(&app.url(&format!("{OAUTH}/authorize?{query}")))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("input[name=password]"))
        .await
        .unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/login");
    fill(c, "input[name=email]", "cr@browser.example").await;
    fill(c, "input[name=password]", PASSWORD).await;
    click(c, "form button[type=submit]").await;
    click(c, "button[name=decision][value=allow]").await;

    // The browser follows the 302 to the redirect URI.
    let started = Instant::now();
    let landed = loop {
        let url = c.current_url().await.unwrap();
        if url.path() == "/healthz" {
            break url;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never reached the redirect URI; at {url}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let got: std::collections::HashMap<String, String> =
        landed.query_pairs().into_owned().collect();
    assert_eq!(got.get("state").map(String::as_str), Some("st4te"));
    assert_eq!(got.get("iss"), Some(&app.issuer()));
    let code = got.get("code").expect("a code in the redirect");

    let (status, _, tokens) = app
        .exchange(&client, code, &[("code_verifier", verifier.secret())])
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let me = json_of(app.me(&string(&tokens["access_token"])).await)
        .await
        .2;
    assert_eq!(me["user"]["email"], "cr@browser.example");
    assert_eq!(me["app"]["name"], "Browser App");
    driver.client.clone().close().await.unwrap();
}
