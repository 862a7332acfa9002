//! Authorization codes at the token endpoint (SPEC S5.3): PKCE (S256 only,
//! and server-wide), codes that work once under replay and concurrency,
//! expire and are bound to their client and redirect URI, and the seed's
//! spellings.

use crate::helpers::{
    assert_error_redirect, assert_oauth_error, string, Backend, Browser, OAuthClient, TestApp,
};
use crate::oauth_token::{register, register_public};
use chrono::Duration;
use oauth2::PkceCodeChallenge;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::task::JoinSet;

on_both_backends!(
    pkce_is_s256_only_and_the_verifier_must_match,
    server_wide_require_pkce_covers_confidential_clients,
    a_replayed_code_fails_and_revokes_what_it_issued,
    concurrent_redemptions_of_one_code_yield_exactly_one_token,
    codes_expire_in_ten_minutes_and_are_bound_to_client_and_redirect_uri,
    seed_spellings_authorisation_code_and_redirect_url_are_accepted,
);

/// `code_request` plus an S256 challenge.
fn with_challenge<'a>(
    client: &'a OAuthClient,
    scope: &'a str,
    challenge: &'a PkceCodeChallenge,
) -> Vec<(&'a str, &'a str)> {
    let mut params = client.code_request(scope);
    params.push(("code_challenge", challenge.as_str()));
    params.push(("code_challenge_method", "S256"));
    params
}

/// The authorization request is refused with an `invalid_request` redirect.
async fn refused(browser: &Browser, params: Vec<(&str, &str)>, issuer: &str) {
    assert_error_redirect(&browser.authorize(&params).await, "invalid_request", issuer);
}

async fn pkce_is_s256_only_and_the_verifier_must_match(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Pkce Co", "pkce@token.example").await;
    let confidential = register(&console, json!({})).await;
    let public = register_public(&console).await;
    let strict = register(&console, json!({"name": "Strict", "requirePkce": true})).await;
    let browser = &console.browser;
    let issuer = app.issuer();

    // Only S256; a challenge without a method means plain, which is refused too.
    let long = "a".repeat(64);
    for client in [&confidential, &public] {
        let mut plain = client.code_request("contacts.read");
        plain.push(("code_challenge", &long));
        plain.push(("code_challenge_method", "plain"));
        refused(browser, plain, &issuer).await;
        let mut no_method = client.code_request("contacts.read");
        no_method.push(("code_challenge", &long));
        refused(browser, no_method, &issuer).await;
        let mut short = client.code_request("contacts.read");
        short.push(("code_challenge", "tooShort"));
        short.push(("code_challenge_method", "S256"));
        refused(browser, short, &issuer).await;
    }
    // Public clients and requirePkce apps must send a challenge.
    refused(browser, public.code_request("contacts.read"), &issuer).await;
    refused(browser, strict.code_request("contacts.read"), &issuer).await;

    // With a challenge: only the matching verifier redeems the code.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (_, other_verifier) = PkceCodeChallenge::new_random_sha256();
    for client in [&public, &strict] {
        let code = || async {
            browser
                .authorize_and_allow(&with_challenge(client, "contacts.read", &challenge))
                .await
                .code()
        };
        let wrong = app
            .exchange(
                client,
                &code().await,
                &[("code_verifier", other_verifier.secret())],
            )
            .await;
        assert_oauth_error(&wrong, StatusCode::BAD_REQUEST, "invalid_grant");
        let missing = app.exchange(client, &code().await, &[]).await;
        assert_oauth_error(&missing, StatusCode::BAD_REQUEST, "invalid_grant");
        let (status, _, body) = app
            .exchange(
                client,
                &code().await,
                &[("code_verifier", verifier.secret())],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    // Downgrade guard: a verifier for a code issued without a challenge.
    let code = browser
        .authorize_and_allow(&confidential.code_request("contacts.read"))
        .await
        .code();
    let downgrade = app
        .exchange(
            &confidential,
            &code,
            &[("code_verifier", verifier.secret())],
        )
        .await;
    assert_oauth_error(&downgrade, StatusCode::BAD_REQUEST, "invalid_grant");
}

async fn server_wide_require_pkce_covers_confidential_clients(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.require_pkce = true).await;
    let console = app.sign_up("Strict Co", "strict@token.example").await;
    let client = register(&console, json!({})).await;
    let browser = &console.browser;
    let res = browser
        .authorize(&client.code_request("contacts.read"))
        .await;
    assert_error_redirect(&res, "invalid_request", &app.issuer());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let code = browser
        .authorize_and_allow(&with_challenge(&client, "contacts.read", &challenge))
        .await
        .code();
    let (status, _, body) = app
        .exchange(&client, &code, &[("code_verifier", verifier.secret())])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn a_replayed_code_fails_and_revokes_what_it_issued(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Replay Co", "replay@token.example").await;
    let client = register(&console, json!({})).await;
    let code = console
        .browser
        .authorize_and_allow(&client.code_request("contacts.read offline_access"))
        .await
        .code();

    let (status, headers, first) = app.exchange(&client, &code, &[]).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(headers["cache-control"], "no-store");
    let access = string(&first["access_token"]);
    let refresh = string(&first["refresh_token"]);
    assert!(refresh.starts_with("swb_rt_"), "{refresh}");
    assert_eq!(app.me_status(&access).await, StatusCode::OK);

    let second = app.exchange(&client, &code, &[]).await;
    assert_oauth_error(&second, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(
        app.me_status(&access).await,
        StatusCode::UNAUTHORIZED,
        "the first exchange's access token is revoked"
    );
    let refreshed = app.refresh(&client, &refresh, &[]).await;
    assert_oauth_error(&refreshed, StatusCode::BAD_REQUEST, "invalid_grant");
}

async fn concurrent_redemptions_of_one_code_yield_exactly_one_token(backend: Backend) {
    let app = Arc::new(TestApp::spawn(backend).await);
    let console = app.sign_up("Race Co", "race@token.example").await;
    let client = register(&console, json!({})).await;
    let code = console
        .browser
        .authorize_and_allow(&client.code_request("contacts.read"))
        .await
        .code();

    let mut set = JoinSet::new();
    for _ in 0..8 {
        let (app, client, code) = (app.clone(), client.clone(), code.clone());
        set.spawn(async move { app.exchange(&client, &code, &[]).await });
    }
    let results = set.join_all().await;
    let winners: Vec<&Value> = results
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::OK)
        .map(|(_, _, body)| body)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one redemption wins");
    for r in results.iter().filter(|(s, _, _)| *s != StatusCode::OK) {
        assert_oauth_error(r, StatusCode::BAD_REQUEST, "invalid_grant");
    }
    // The others were replays of a used code: what it issued is revoked.
    assert_eq!(
        app.me_status(&string(&winners[0]["access_token"])).await,
        StatusCode::UNAUTHORIZED
    );
}

async fn codes_expire_in_ten_minutes_and_are_bound_to_client_and_redirect_uri(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Bound Co", "bound@token.example").await;
    let client = register(
        &console,
        json!({"redirectUris": ["https://client.example/cb", "https://client.example/other"]}),
    )
    .await;
    let other_client = register(&console, json!({"name": "Other"})).await;
    let browser = &console.browser;
    let code = || async {
        browser
            .authorize_and_allow(&client.code_request("contacts.read"))
            .await
            .code()
    };

    // Still good after 9 minutes; gone after 11.
    let fresh = code().await;
    app.clock.advance(Duration::minutes(9));
    let (status, _, body) = app.exchange(&client, &fresh, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let stale = code().await;
    app.clock.advance(Duration::minutes(11));
    let expired = app.exchange(&client, &stale, &[]).await;
    assert_oauth_error(&expired, StatusCode::BAD_REQUEST, "invalid_grant");

    // Another client cannot redeem it, even with the same redirect URI.
    let stolen = app.exchange(&other_client, &code().await, &[]).await;
    assert_oauth_error(&stolen, StatusCode::BAD_REQUEST, "invalid_grant");

    // The redirect URI must be the one used at authorize.
    let mismatch = app
        .exchange(
            &client.redirecting_to("https://client.example/other"),
            &code().await,
            &[],
        )
        .await;
    assert_oauth_error(&mismatch, StatusCode::BAD_REQUEST, "invalid_grant");

    // A made-up code.
    let unknown = app.exchange(&client, "not-a-code", &[]).await;
    assert_oauth_error(&unknown, StatusCode::BAD_REQUEST, "invalid_grant");
}

async fn seed_spellings_authorisation_code_and_redirect_url_are_accepted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Alias Co", "alias@token.example").await;
    let client = register(&console, json!({})).await;
    let code = console
        .browser
        .authorize_and_allow(&[
            ("response_type", "code"),
            ("client_id", &client.id),
            ("redirect_url", &client.redirect_uri),
            ("scope", "contacts.read"),
        ])
        .await
        .code();
    let (status, _, body) = app
        .token(
            &client,
            &[
                ("grant_type", "authorisation_code"),
                ("code", &code),
                ("redirect_url", &client.redirect_uri),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        app.me_status(&string(&body["access_token"])).await,
        StatusCode::OK
    );
}
