//! The OAuth consent flow in a real browser (headless Chromium through
//! chromedriver): sign in, Allow, and land on the client's redirect URI with
//! a code. Skipped without chromedriver unless `SWITCHBOARD_TEST_BROWSER=require`.

use crate::browser::sign_up_in_browser;
use crate::browser_support::{check_page, flash_text, logo_files, wait_for_path};
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
    let named = c
        .find(Locator::Id("signing-in-for"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        named.contains("Browser App"),
        "the sign-in page names the app: {named}"
    );
    check_page(c, "login-for-app").await;
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

/// An admin registers an OAuth app in the console (errors at the fields, the
/// form keeps what was typed), reveals and rotates its secret, a user allows
/// it by clicking, and revoking it under Connected apps kills its token.
#[tokio::test]
async fn an_admin_registers_an_app_a_user_allows_it_and_revokes_it_in_the_browser() {
    let Some(driver) = webdriver().await else {
        return;
    };
    let c = &driver.client;
    let app = TestApp::spawn(Backend::Sqlite).await;
    sign_up_in_browser(
        c,
        &app,
        "Consent Co",
        "Connie Sent",
        "connie@consent.example",
    )
    .await;
    let (png, _) = logo_files();
    let redirect = app.url("/healthz");

    // A form with no redirect URI: the error at its field, the scopes kept.
    c.goto(&app.url("/settings/oauth-apps")).await.unwrap();
    check_page(c, "oauth-apps-empty").await;
    click(c, "#new-app").await;
    c.wait().for_element(Locator::Id("create")).await.unwrap();
    check_page(c, "oauth-app-new").await;
    fill(c, "#name", "Helpdesk Sync").await;
    click(c, "input[name=scope][value='contacts.read']").await;
    click(c, "#create button[type=submit]").await;
    let err = c
        .wait()
        .for_element(Locator::Id("redirect-error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(err, "Add at least one redirect URI.");
    let kept = c
        .find(Locator::Css("input[name=scope][value='contacts.read']"))
        .await
        .unwrap();
    assert!(
        kept.is_selected().await.unwrap(),
        "the checked scope is kept"
    );
    assert_eq!(
        c.find(Locator::Id("name"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Helpdesk Sync")
    );
    check_page(c, "oauth-app-new-errors").await;

    // Register it: a logo and a redirect URI on this server.
    fill(c, "#redirect_uris", &redirect).await;
    c.find(Locator::Css("#logo"))
        .await
        .unwrap()
        .send_keys(png.to_str().unwrap())
        .await
        .unwrap();
    click(c, "#create button[type=submit]").await;
    c.wait()
        .for_element(Locator::Id("client-id"))
        .await
        .unwrap();
    assert!(flash_text(c).await.contains("registered"));
    let client_id = c
        .find(Locator::Id("client-id"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        c.find(Locator::Id("authorize-url"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        format!("{}{OAUTH}/authorize", app.issuer())
    );
    click(c, "#secret-details summary").await;
    let secret = c
        .find(Locator::Id("client-secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(secret.starts_with("swb_cs_"), "{secret}");
    check_page(c, "oauth-app-detail").await;

    // Rotating asks first; the new secret differs.
    click(c, "#rotate-secret").await;
    c.wait().for_element(Locator::Id("confirm")).await.unwrap();
    check_page(c, "oauth-app-confirm-rotate").await;
    click(c, "#confirm").await;
    c.wait().for_element(Locator::Id("flash")).await.unwrap();
    click(c, "#secret-details summary").await;
    let rotated = c
        .find(Locator::Id("client-secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(rotated.starts_with("swb_cs_") && rotated != secret);

    // Edit: the form comes back filled in; a change is saved.
    click(c, "#edit-app").await;
    c.wait().for_element(Locator::Id("create")).await.unwrap();
    check_page(c, "oauth-app-edit").await;
    click(c, "input[name=scope][value='tickets.read']").await;
    click(c, "#create button[type=submit]").await;
    c.wait().for_element(Locator::Id("flash")).await.unwrap();
    assert!(c.source().await.unwrap().contains("Tickets: read"));

    // The consent page: the logo, Allow as the primary button.
    let client = OAuthClient::of(&json!({
        "clientId": client_id, "clientSecret": rotated, "redirectUris": [redirect],
    }));
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&client.code_request("contacts.read"))
        .finish();
    c.goto(&app.url(&format!("{OAUTH}/authorize?{query}")))
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("allow")).await.unwrap();
    assert!(
        c.find(Locator::Css(".consent img.logo")).await.is_ok(),
        "the app's logo"
    );
    let allow = c
        .find(Locator::Id("allow"))
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap();
    let deny = c
        .find(Locator::Id("deny"))
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap();
    assert!(allow.unwrap().contains("btn-primary") && deny.unwrap().contains("btn-secondary"));
    check_page(c, "consent").await;
    click(c, "#allow").await;
    let landed = wait_for_path(c, "/healthz").await;
    let code = landed
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let (status, _, tokens) = app.exchange(&client, &code, &[]).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let token = string(&tokens["access_token"]);
    assert_eq!(app.me_status(&token).await, StatusCode::OK);

    // Connected apps: revoke asks first, then the token is refused.
    c.goto(&app.url("/settings/connected-apps")).await.unwrap();
    assert!(c.source().await.unwrap().contains("Contacts: read"));
    check_page(c, "connected-apps").await;
    click(c, "td.actions button").await;
    c.wait().for_element(Locator::Id("confirm")).await.unwrap();
    check_page(c, "connected-app-confirm-revoke").await;
    click(c, "#confirm").await;
    c.wait().for_element(Locator::Id("flash")).await.unwrap();
    assert!(flash_text(c).await.contains("revoked"));
    assert_eq!(app.me_status(&token).await, StatusCode::UNAUTHORIZED);

    // Delete the app, after a confirmation.
    c.goto(&app.url("/settings/oauth-apps")).await.unwrap();
    click(c, "td a[href^='/settings/oauth-apps/']").await;
    click(c, "#delete-app").await;
    click(c, "#confirm").await;
    wait_for_path(c, "/settings/oauth-apps").await;
    assert!(flash_text(c).await.contains("deleted"));
    driver.client.clone().close().await.unwrap();
}
