//! The consent step of the authorization endpoint (SPEC S5.2): deny, the
//! consent form's CSRF binding and single use, and remembered grants that
//! skip consent for confidential clients only.

use crate::helpers::{
    assert_error_redirect, consent_page, oauth_app, redirected, scopes_of, sorted, Backend,
    OAuthClient, TestApp, OAUTH, PASSWORD,
};
use oauth2::PkceCodeChallenge;
use reqwest::header::LOCATION;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    deny_and_consent_form_csrf_binding_and_single_use,
    remembered_grants_skip_consent_for_confidential_clients_only,
);

async fn deny_and_consent_form_csrf_binding_and_single_use(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Consent Co", "con@sent.example").await;
    let client = OAuthClient::of(
        &oauth_app(
            &console,
            json!({
                "name": "Web",
                "redirectUris": ["https://client.example/cb"],
                "scopes": ["contacts.read"],
            }),
        )
        .await,
    );
    let browser = &console.browser;
    let decision = format!("{OAUTH}/authorize/decision");
    let refused = |res: reqwest::Response, why: &str| {
        assert!(res.status().is_client_error(), "{why}: {}", res.status());
        assert!(res.headers().get(LOCATION).is_none(), "{why}: no redirect");
    };

    let consent = consent_page(
        browser
            .authorize(&client.code_request("contacts.read"))
            .await,
    )
    .await;
    // A forged form without the session's CSRF token.
    let res = browser
        .post_form(
            &decision,
            &[
                ("csrf_token", "forged"),
                ("consent_id", &consent.consent_id),
                ("decision", "allow"),
            ],
        )
        .await;
    refused(res, "wrong csrf_token");
    // Another user's session cannot answer it, even with its own valid token.
    let other = app.sign_up("Other Co", "eve@other.example").await;
    let res = other
        .browser
        .post_form(
            &decision,
            &[
                ("csrf_token", &other.csrf),
                ("consent_id", &consent.consent_id),
                ("decision", "allow"),
            ],
        )
        .await;
    refused(res, "consent_id of another session");

    // The user denies: access_denied with state and iss, and no code.
    let r = assert_error_redirect(
        &browser.decide(&consent, "deny").await,
        "access_denied",
        &app.issuer(),
    );
    assert_eq!(r.get("state"), Some("st4te"));
    assert_eq!(r.target(), "https://client.example/cb");
    // The transaction is over.
    refused(browser.decide(&consent, "allow").await, "answered already");

    // Allowed once, it cannot be replayed for a second code either.
    let consent = consent_page(
        browser
            .authorize(&client.code_request("contacts.read"))
            .await,
    )
    .await;
    redirected(&browser.decide(&consent, "allow").await).code();
    refused(browser.decide(&consent, "allow").await, "replayed consent");

    // A consent transaction expires after 10 minutes.
    let consent = consent_page(
        browser
            .authorize(&[
                ("prompt", "consent"),
                ("response_type", "code"),
                ("client_id", &client.id),
                ("redirect_uri", &client.redirect_uri),
            ])
            .await,
    )
    .await;
    app.clock.advance(chrono::Duration::minutes(11));
    refused(browser.decide(&consent, "allow").await, "expired consent");
}

async fn remembered_grants_skip_consent_for_confidential_clients_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Again Co", "again@flow.example").await;
    let scopes = json!(["contacts.read", "contacts.write"]);
    let confidential = OAuthClient::of(
        &oauth_app(
            &console,
            json!({"name": "Web", "redirectUris": ["https://client.example/cb"], "scopes": scopes}),
        )
        .await,
    );
    let public = OAuthClient::of(
        &oauth_app(
            &console,
            json!({"name": "Native", "redirectUris": ["http://127.0.0.1/cb"], "scopes": scopes, "clientType": "public"}),
        )
        .await,
    );
    let browser = &console.browser;

    // First time: consent. Second time, same or fewer scopes: a code at once.
    app.oauth_tokens(browser, &confidential, "contacts.read")
        .await;
    let res = browser
        .authorize(&confidential.code_request("contacts.read"))
        .await;
    let r = redirected(&res);
    assert_eq!(r.get("state"), Some("st4te"));
    assert_eq!(r.get("iss"), Some(app.issuer().as_str()));
    let (status, _, tokens) = app.exchange(&confidential, &r.code(), &[]).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(scopes_of(&tokens["scope"]), sorted("contacts.read"));

    // prompt=consent asks again.
    let mut params = confidential.code_request("contacts.read");
    params.push(("prompt", "consent"));
    consent_page(browser.authorize(&params).await).await;

    // Wider than what was granted: asked again.
    consent_page(
        browser
            .authorize(&confidential.code_request("contacts.read contacts.write"))
            .await,
    )
    .await;

    // Public clients are asked every time (RFC 8252 §8.6).
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let mut params = public.code_request("contacts.read");
    params.push(("code_challenge", challenge.as_str()));
    params.push(("code_challenge_method", "S256"));
    for _ in 0..2 {
        let consent = consent_page(browser.authorize(&params).await).await;
        redirected(&browser.decide(&consent, "allow").await).code();
    }

    // Another user of the same account is asked: grants are per user.
    console
        .admin(
            reqwest::Method::POST,
            "/users",
            Some(json!({"email": "mem@again.example", "name": "Mem", "password": PASSWORD, "role": "member"})),
        )
        .await;
    let member = app.browser();
    assert_eq!(
        member
            .log_in("mem@again.example", PASSWORD, None)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    consent_page(
        member
            .authorize(&confidential.code_request("contacts.read"))
            .await,
    )
    .await;
}
