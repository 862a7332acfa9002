//! The OAuth 2.0 authorization endpoint (SPEC S5.2) end to end, with a real
//! OAuth client library through login and consent: a confidential client,
//! and a public client with PKCE on any loopback port.

use crate::helpers::{
    consent_page, json_of, oauth_app, redirected, scopes_of, sorted, string, Backend, OAuthClient,
    TestApp, OAUTH, PASSWORD,
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
