//! Errors at the authorization endpoint (SPEC S5.2): a redirect URI near miss
//! gets an error page, never a redirect; parameter errors after the redirect
//! check are redirected; a public app's errors before sign-in are a page with
//! a link.

use crate::helpers::{
    assert_error_page, assert_error_redirect, oauth_app, Backend, OAuthClient, TestApp,
};
use oauth2::PkceCodeChallenge;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    redirect_uri_near_misses_get_an_error_page_never_a_redirect,
    parameter_errors_after_the_redirect_check_are_redirected,
    a_public_apps_errors_before_sign_in_are_a_page_with_a_link,
);

async fn redirect_uri_near_misses_get_an_error_page_never_a_redirect(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Near Co", "near@miss.example").await;
    let confidential = OAuthClient::of(
        &oauth_app(
            &console,
            json!({
                "name": "Web",
                "redirectUris": ["https://client.example/cb", "http://127.0.0.1:8765/cb"],
                "scopes": ["contacts.read"],
            }),
        )
        .await,
    );
    let public = OAuthClient::of(
        &oauth_app(
            &console,
            json!({
                "name": "Native",
                "redirectUris": ["http://localhost:8765/cb", "http://127.0.0.1/cb"],
                "scopes": ["contacts.read"],
                "clientType": "public",
            }),
        )
        .await,
    );
    let browser = &console.browser;
    // Every request carries a PKCE challenge, so only the redirect URI can be wrong.
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let request = |c: &OAuthClient| {
        let mut params: Vec<(String, String)> = c
            .code_request("contacts.read")
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        params.push(("code_challenge".into(), challenge.as_str().to_owned()));
        params.push(("code_challenge_method".into(), "S256".into()));
        params
    };
    let misses = [
        (&confidential, "https://client.example/cb/"),
        (&confidential, "https://client.example/CB"),
        (&confidential, "https://CLIENT.example/cb"),
        (&confidential, "https://client.example/cb?extra=1"),
        (&confidential, "https://client.example/cb#frag"),
        (&confidential, "http://client.example/cb"),
        (&confidential, "https://client.example:8443/cb"),
        // Loopback port freedom is for public clients only …
        (&confidential, "http://127.0.0.1:8766/cb"),
        (&confidential, "https://evil.example/cb"),
        (&confidential, "https://client.example@evil.example/cb"),
        (&confidential, "https://client.example.evil.example/cb"),
        // … and for IP literals only, never `localhost`.
        (&public, "http://localhost:9999/cb"),
        (&public, "http://127.0.0.1:5555/cb/"),
        (&public, "http://127.0.0.1:5555/other"),
        (&public, "http://evil.example@127.0.0.1:5555/cb"),
    ];
    for (client, uri) in misses {
        let c = client.redirecting_to(uri);
        let html =
            assert_error_page(browser.authorize(&c.code_request("contacts.read")).await).await;
        assert!(!html.contains("code="), "{uri}: no code on the page");
    }
    // The exact registered URIs, and another port for the public client's IP literal, are fine.
    for (client, uri) in [
        (&confidential, "http://127.0.0.1:8765/cb"),
        (&public, "http://127.0.0.1:5555/cb"),
        (&public, "http://localhost:8765/cb"),
    ] {
        let params = request(&client.redirecting_to(uri));
        let res = browser.authorize(&pairs(&params)).await;
        assert_eq!(res.status(), StatusCode::OK, "{uri} is registered");
    }

    // Missing redirect_uri with several registered; unknown or missing client.
    let without = [
        ("response_type", "code"),
        ("client_id", confidential.id.as_str()),
    ];
    assert_error_page(browser.authorize(&without).await).await;
    let unknown = OAuthClient {
        id: "no-such-client".into(),
        ..confidential.clone()
    };
    assert_error_page(
        browser
            .authorize(&unknown.code_request("contacts.read"))
            .await,
    )
    .await;
    assert_error_page(
        browser
            .authorize(&[
                ("response_type", "code"),
                ("redirect_uri", "https://client.example/cb"),
            ])
            .await,
    )
    .await;

    // Parameter pollution on client_id or redirect_uri: a page, even with equal values.
    for dup in ["client_id", "redirect_uri"] {
        let mut params = confidential.code_request("contacts.read");
        let value = params.iter().find(|(k, _)| *k == dup).unwrap().1;
        params.push((dup, value));
        assert_error_page(browser.authorize(&params).await).await;
    }
}

/// Borrowed pairs of owned ones.
fn pairs(owned: &[(String, String)]) -> Vec<(&str, &str)> {
    owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

async fn parameter_errors_after_the_redirect_check_are_redirected(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Params Co", "params@flow.example").await;
    let client = OAuthClient::of(
        &oauth_app(
            &console,
            json!({
                "name": "Web",
                "redirectUris": ["https://client.example/cb?tenant=7"],
                "scopes": ["contacts.read", "contacts.write"],
            }),
        )
        .await,
    );
    let browser = &console.browser;
    let issuer = app.issuer();

    // Duplicated scope or state: invalid_request, to the registered URI.
    for dup in ["scope", "state"] {
        let mut params = client.code_request("contacts.read");
        params.push((dup, "again"));
        let r = assert_error_redirect(
            &browser.authorize(&params).await,
            "invalid_request",
            &issuer,
        );
        assert_eq!(r.target(), "https://client.example/cb");
        assert_eq!(r.get("tenant"), Some("7"), "the registered query is kept");
    }

    // response_type other than code; missing response_type.
    let mut params = client.code_request("contacts.read");
    params[0] = ("response_type", "token");
    let r = assert_error_redirect(
        &browser.authorize(&params).await,
        "unsupported_response_type",
        &issuer,
    );
    assert_eq!(r.get("state"), Some("st4te"));
    let r = assert_error_redirect(
        &browser.authorize(&params[1..]).await,
        "invalid_request",
        &issuer,
    );
    assert_eq!(r.get("state"), Some("st4te"));

    // Scopes that do not exist, or that the app has not registered, are never narrowed.
    for scope in [
        "contacts.delete",
        "contacts.read calls.read",
        "admin.read",
        "offline_access",
    ] {
        let r = assert_error_redirect(
            &browser.authorize(&client.code_request(scope)).await,
            "invalid_scope",
            &issuer,
        );
        assert_eq!(r.get("state"), Some("st4te"), "{scope}");
    }

    // A private app's errors redirect even before sign-in (the URI is verified).
    let anonymous = app.browser();
    assert_error_redirect(
        &anonymous
            .authorize(&client.code_request("calls.read"))
            .await,
        "invalid_scope",
        &issuer,
    );
}

async fn a_public_apps_errors_before_sign_in_are_a_page_with_a_link(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.sign_up("Vendor Co", "dev@vendor.example").await;
    let client = OAuthClient::of(
        &oauth_app(
            &owner,
            json!({
                "name": "Marketplace App",
                "redirectUris": ["https://vendor.example/cb"],
                "scopes": ["contacts.read"],
                "visibility": "public",
            }),
        )
        .await,
    );

    // Anyone can send anyone here: with no one signed in, no automatic redirect.
    let anonymous = app.browser();
    let html = assert_error_page(
        anonymous
            .authorize(&client.code_request("calls.read"))
            .await,
    )
    .await;
    assert!(html.contains("https://vendor.example/cb?"), "{html}");
    assert!(html.contains("invalid_scope"), "{html}");
}
