//! The OAuth 2.0 authorization endpoint (SPEC S5.2) end to end: a real OAuth
//! client library through login and consent, redirect URI matching, error
//! pages versus error redirects, consent CSRF, remembered grants, tenants,
//! and the metadata document (S5.6).

use crate::helpers::{
    assert_error_page, assert_error_redirect, consent_page, json_of, oauth_app, redirected,
    scopes_of, sorted, string, Backend, OAuthClient, TestApp, OAUTH, PASSWORD,
};
use oauth2::basic::{BasicClient, BasicTokenType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl,
    Scope, TokenResponse, TokenUrl,
};
use reqwest::header::{LOCATION, WWW_AUTHENTICATE};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    confidential_client_full_flow_with_the_oauth2_crate,
    public_client_with_pkce_on_any_loopback_port,
    redirect_uri_near_misses_get_an_error_page_never_a_redirect,
    parameter_errors_after_the_redirect_check_are_redirected,
    a_public_apps_errors_before_sign_in_are_a_page_with_a_link,
    deny_and_consent_form_csrf_binding_and_single_use,
    remembered_grants_skip_consent_for_confidential_clients_only,
    a_public_app_acts_in_the_authorizing_users_account,
    a_private_app_cannot_be_authorized_from_another_account,
    metadata_document_names_the_issuer_exactly,
);

/// The `oauth2` crate's client for a registered app.
fn library_client(
    app: &TestApp,
    client: &OAuthClient,
) -> BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
> {
    let mut c = BasicClient::new(ClientId::new(client.id.clone()))
        .set_auth_uri(AuthUrl::new(app.url(&format!("{OAUTH}/authorize"))).unwrap())
        .set_token_uri(TokenUrl::new(app.url(&format!("{OAUTH}/token"))).unwrap())
        .set_redirect_uri(RedirectUrl::new(client.redirect_uri.clone()).unwrap());
    if let Some(secret) = &client.secret {
        c = c.set_client_secret(ClientSecret::new(secret.clone()));
    }
    c
}

/// What an OAuth client library uses to talk to the token endpoint.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn confidential_client_full_flow_with_the_oauth2_crate(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Flow Co", "ada@flow.example").await;
    let registered = oauth_app(
        &console,
        json!({
            "name": "Sync Tool",
            "description": "Keeps contacts in sync",
            "redirectUris": ["https://client.example/callback"],
            "scopes": ["contacts.read", "contacts.write", "tickets.read"],
        }),
    )
    .await;
    assert!(string(&registered["clientSecret"]).starts_with("swb_cs_"));
    assert_eq!(registered["clientType"], "confidential");
    let client = OAuthClient::of(&registered);
    let lib = library_client(&app, &client);
    let (auth_url, state) = lib
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("contacts.read".into()))
        .add_scope(Scope::new("contacts.write".into()))
        .url();

    // Not signed in: to the login page with `next`, and back after signing in.
    let browser = app.browser();
    let path_and_query = &auth_url.as_str()[app.base.len()..];
    let res = browser.get(path_and_query).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let login = url::Url::parse(&app.url(res.headers()[LOCATION].to_str().unwrap())).unwrap();
    assert_eq!(login.path(), "/login");
    let next = login
        .query_pairs()
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert_eq!(next, path_and_query);
    let res = browser
        .log_in("ada@flow.example", PASSWORD, Some(&next))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], next.as_str());

    // The consent page: who asks, for what, and where the answer goes.
    let consent = consent_page(browser.get(&next).await).await;
    for text in [
        "Sync Tool",
        "Flow Co",
        "Keeps contacts in sync",
        "client.example",
    ] {
        assert!(consent.html.contains(text), "consent page lacks {text}");
    }
    let lower = consent.html.to_lowercase();
    assert!(lower.contains("contacts"), "the requested scopes are shown");
    assert!(
        !lower.contains("ticket"),
        "only the requested scopes are shown"
    );

    // Allow: back to the client with code, state and iss.
    let back = redirected(&browser.decide(&consent, "allow").await);
    assert_eq!(back.target(), "https://client.example/callback");
    assert_eq!(back.get("state"), Some(state.secret().as_str()));
    assert_eq!(back.get("iss"), Some(app.issuer().as_str()));

    // The library exchanges the code (client_secret_basic).
    let tokens = lib
        .exchange_code(AuthorizationCode::new(back.code()))
        .request_async(&http())
        .await
        .unwrap();
    let access = tokens.access_token().secret().clone();
    assert!(access.starts_with("swb_at_"), "{access}");
    assert_eq!(tokens.token_type(), &BasicTokenType::Bearer);
    let mut granted: Vec<String> = tokens
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    granted.sort();
    assert_eq!(granted, sorted("contacts.read contacts.write"));
    assert!(tokens.expires_in().is_none(), "never-expiring by default");
    assert!(tokens.refresh_token().is_none(), "no offline_access asked");

    // Who am I.
    let (status, _, me) = json_of(app.me(&access).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["tokenType"], "oauth");
    assert_eq!(me["user"]["email"], "ada@flow.example");
    assert_eq!(me["account"]["name"], "Flow Co");
    assert_eq!(me["app"]["clientId"], client.id.as_str());
    assert_eq!(me["app"]["name"], "Sync Tool");
    assert_eq!(me["app"]["id"], registered["id"]);
    assert_eq!(
        scopes_of(&me["scopes"]),
        sorted("contacts.read contacts.write")
    );
    assert_eq!(me["expiresAt"], Value::Null);

    // The data API with it: in scope works, out of scope is 403.
    let api = app.api();
    let res = api
        .post(app.url("/services/ccaas/v1/contacts"))
        .bearer_auth(&access)
        .json(&json!({"firstName": "Olive", "lastName": "Auth"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let (status, _, list) = json_of(
        app.get_with_token("/services/ccaas/v1/contacts", &access)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list[0]["firstName"], "Olive");
    let (status, headers, body) = json_of(
        app.get_with_token("/services/ccaas/v1/tickets", &access)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "insufficient_scope");
    assert!(headers[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .contains("insufficient_scope"));
}

async fn public_client_with_pkce_on_any_loopback_port(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Native Co", "nat@native.example").await;
    let registered = oauth_app(
        &console,
        json!({
            "name": "Desktop App",
            "redirectUris": ["http://127.0.0.1/callback"],
            "scopes": ["contacts.read"],
            "clientType": "public",
        }),
    )
    .await;
    assert_eq!(registered["clientSecret"], Value::Null);
    assert_eq!(registered["requirePkce"], true);
    // RFC 8252 §7.3: the app listens on whatever port it got.
    let client = OAuthClient::of(&registered).redirecting_to("http://127.0.0.1:43123/callback");
    let lib = library_client(&app, &client);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, state) = lib
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("contacts.read".into()))
        .set_pkce_challenge(challenge)
        .url();

    let browser = &console.browser;
    let consent = consent_page(browser.get(&auth_url.as_str()[app.base.len()..]).await).await;
    assert!(consent.html.contains("Desktop App"));
    let back = redirected(&browser.decide(&consent, "allow").await);
    assert_eq!(back.target(), "http://127.0.0.1:43123/callback");
    assert_eq!(back.get("state"), Some(state.secret().as_str()));
    assert_eq!(back.get("iss"), Some(app.issuer().as_str()));

    // No secret: the library sends client_id and the verifier in the body.
    let tokens = lib
        .exchange_code(AuthorizationCode::new(back.code()))
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await
        .unwrap();
    let (status, _, me) = json_of(app.me(tokens.access_token().secret()).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["tokenType"], "oauth");
    assert_eq!(me["user"]["email"], "nat@native.example");
    assert_eq!(me["app"]["clientId"], client.id.as_str());
    assert_eq!(scopes_of(&me["scopes"]), sorted("contacts.read"));
}

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

async fn a_public_app_acts_in_the_authorizing_users_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (owner, owner_token) = app
        .account_with_token("Vendor A", &["contacts.read", "contacts.write"])
        .await;
    let (user_b, b_token) = app
        .account_with_token("Customer B", &["contacts.read", "contacts.write"])
        .await;
    for (token, name) in [(&owner_token, "Only-A"), (&b_token, "Only-B")] {
        let res = app
            .api()
            .post(app.url("/services/ccaas/v1/contacts"))
            .bearer_auth(token)
            .json(&json!({"firstName": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let client = OAuthClient::of(
        &oauth_app(
            &owner,
            json!({
                "name": "Marketplace App",
                "redirectUris": ["https://vendor.example/cb"],
                "scopes": ["contacts.read", "contacts.write"],
                "visibility": "public",
            }),
        )
        .await,
    );

    // A user of B sees who registered it, and allows.
    let consent = consent_page(
        user_b
            .browser
            .authorize(&client.code_request("contacts.read contacts.write"))
            .await,
    )
    .await;
    assert!(consent.html.contains("Marketplace App"));
    assert!(consent.html.contains("Vendor A"), "the owning account");
    let code = redirected(&user_b.browser.decide(&consent, "allow").await).code();
    let (status, _, tokens) = app.exchange(&client, &code, &[]).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = string(&tokens["access_token"]);

    // The token is B's: /me, reads and writes.
    let me = json_of(app.me(&access).await).await.2;
    assert_eq!(me["account"]["name"], "Customer B");
    let b_me = json_of(app.me(&b_token).await).await.2;
    assert_eq!(me["account"]["id"], b_me["account"]["id"]);
    let list = json_of(
        app.get_with_token("/services/ccaas/v1/contacts", &access)
            .await,
    )
    .await
    .2;
    let names: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["firstName"])
        .collect();
    assert_eq!(names, [&json!("Only-B")]);
    let res = app
        .api()
        .post(app.url("/services/ccaas/v1/contacts"))
        .bearer_auth(&access)
        .json(&json!({"firstName": "Via-OAuth"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let in_a = json_of(
        app.get_with_token("/services/ccaas/v1/contacts", &owner_token)
            .await,
    )
    .await
    .2;
    assert_eq!(
        in_a.as_array().unwrap().len(),
        1,
        "A sees only its own: {in_a}"
    );
    let in_b = json_of(
        app.get_with_token("/services/ccaas/v1/contacts", &b_token)
            .await,
    )
    .await
    .2;
    assert_eq!(in_b.as_array().unwrap().len(), 2, "{in_b}");
}

async fn a_private_app_cannot_be_authorized_from_another_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.sign_up("Owner Co", "own@private.example").await;
    let stranger = app.sign_up("Stranger Co", "str@private.example").await;
    let client = OAuthClient::of(
        &oauth_app(
            &owner,
            json!({
                "name": "In-house Tool",
                "redirectUris": ["https://inhouse.example/cb"],
                "scopes": ["contacts.read"],
            }),
        )
        .await,
    );
    let res = stranger
        .browser
        .authorize(&client.code_request("contacts.read"))
        .await;
    let status = res.status();
    if status == StatusCode::FOUND {
        let r = assert_error_redirect(&res, "access_denied", &app.issuer());
        assert_eq!(r.get("state"), Some("st4te"));
    } else {
        // Or a page; never a consent page, never a code.
        assert_error_page(res).await;
    }
}

async fn metadata_document_names_the_issuer_exactly(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let get = |path: &str| app.api().get(app.url(path)).send();
    let (status, _, m) = json_of(
        get("/.well-known/oauth-authorization-server")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let issuer = app.issuer();
    assert!(!issuer.ends_with('/'));
    assert_eq!(m["issuer"], issuer.as_str());
    for (key, path) in [
        ("authorization_endpoint", "authorize"),
        ("token_endpoint", "token"),
        ("revocation_endpoint", "revoke"),
        ("introspection_endpoint", "introspect"),
    ] {
        assert_eq!(m[key], format!("{issuer}{OAUTH}/{path}"), "{key}");
    }
    assert_eq!(
        scopes_of(&m["scopes_supported"]),
        sorted("contacts.read contacts.write tickets.read tickets.write calls.read calls.write offline_access")
    );
    assert_eq!(m["response_types_supported"], json!(["code"]));
    assert_eq!(
        scopes_of(&m["grant_types_supported"]),
        sorted("authorization_code refresh_token client_credentials")
    );
    assert_eq!(m["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        scopes_of(&m["token_endpoint_auth_methods_supported"]),
        sorted("client_secret_basic client_secret_post none")
    );
    assert_eq!(m["authorization_response_iss_parameter_supported"], true);

    // An issuer with a path: the RFC 8414 §3.1 location serves it too, and
    // `iss` on redirects is the issuer character for character.
    let tenant =
        TestApp::spawn_with(backend, |c| c.issuer = "http://127.0.0.1:0/tenant".into()).await;
    let issuer = tenant.issuer();
    assert_eq!(issuer, format!("{}/tenant", tenant.base));
    for path in [
        "/.well-known/oauth-authorization-server/tenant",
        "/.well-known/oauth-authorization-server",
    ] {
        let (status, _, m) =
            json_of(tenant.api().get(tenant.url(path)).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(m["issuer"], issuer.as_str(), "{path}");
    }
    let console = tenant.sign_up("Tenant Co", "t@tenant.example").await;
    let client = OAuthClient::of(
        &oauth_app(
            &console,
            json!({"name": "Web", "redirectUris": ["https://client.example/cb"], "scopes": ["contacts.read"]}),
        )
        .await,
    );
    let r = console
        .browser
        .authorize_and_allow(&client.code_request("contacts.read"))
        .await;
    assert_eq!(r.get("iss"), Some(issuer.as_str()));
}
