//! The OAuth 2.0 token endpoint (SPEC S5.3, S5.4) and revocation and
//! introspection (S5.5): PKCE, codes, client authentication, refresh-token
//! rotation, client_credentials.

use crate::helpers::{
    assert_error_redirect, assert_oauth_error, json_of, oauth_app, scopes_of, sorted, string,
    Backend, Browser, Console, OAuthClient, TestApp, OAUTH,
};
use chrono::Duration;
use oauth2::PkceCodeChallenge;
use reqwest::header::WWW_AUTHENTICATE;
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
    client_authentication_at_the_token_endpoint,
    refresh_tokens_rotate_and_a_late_reuse_revokes_the_family,
    refresh_grace_zero_makes_any_reuse_fatal,
    refresh_scope_can_only_narrow_and_tokens_stay_with_their_client,
    never_expiring_tokens_get_refresh_tokens_only_with_offline_access,
    refresh_tokens_expire_after_thirty_idle_days,
    client_credentials_act_as_the_app_in_its_own_account,
    revocation_of_access_and_refresh_tokens,
    introspection_by_clients_and_by_admin_tokens,
);

/// A confidential app for `console`'s account: `https://client.example/cb`,
/// contacts read/write and offline_access, with `fields` on top.
async fn register(console: &Console, fields: Value) -> OAuthClient {
    let mut body = json!({
        "name": "Client",
        "redirectUris": ["https://client.example/cb"],
        "scopes": ["contacts.read", "contacts.write", "offline_access"],
    });
    for (k, v) in fields.as_object().unwrap() {
        body[k] = v.clone();
    }
    OAuthClient::of(&oauth_app(console, body).await)
}

/// A public (PKCE) app on a loopback IP literal.
async fn register_public(console: &Console) -> OAuthClient {
    register(
        console,
        json!({"name": "Native", "redirectUris": ["http://127.0.0.1/cb"], "clientType": "public"}),
    )
    .await
}

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

/// A token request with explicit credentials: `basic` as (id, secret), sent as given.
async fn raw_token(
    app: &TestApp,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut req = app.api().post(app.url(&format!("{OAUTH}/token")));
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    json_of(req.form(form).send().await.unwrap()).await
}

async fn client_authentication_at_the_token_endpoint(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Auth Co", "auth@token.example").await;
    let client = register(&console, json!({})).await;
    let public = register_public(&console).await;
    let (id, secret) = (client.id.as_str(), client.secret.clone().unwrap());
    let cc = ("grant_type", "client_credentials");
    let ok = |got: &(StatusCode, reqwest::header::HeaderMap, Value), how: &str| {
        assert_eq!(got.0, StatusCode::OK, "{how}: {}", got.2);
        assert_eq!(got.1["cache-control"], "no-store", "{how}");
        assert!(string(&got.2["access_token"]).starts_with("swb_at_"));
        assert_eq!(got.2["token_type"], "Bearer");
    };

    // client_secret_basic and client_secret_post.
    ok(&raw_token(&app, Some((id, &secret)), &[cc]).await, "basic");
    ok(
        &raw_token(
            &app,
            None,
            &[cc, ("client_id", id), ("client_secret", &secret)],
        )
        .await,
        "post",
    );
    // RFC 6749 §2.3.1: Basic credentials are form-urlencoded first.
    let encoded_id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    let encoded_secret = secret.replace('_', "%5F");
    assert!(encoded_secret.starts_with("swb%5Fcs%5F"));
    ok(
        &raw_token(&app, Some((&encoded_id, &encoded_secret)), &[cc]).await,
        "basic, form-urlencoded",
    );

    // Wrong secrets: 401 invalid_client; with Basic, a Basic challenge.
    let wrong = format!("{secret}x");
    let got = raw_token(&app, Some((id, &wrong)), &[cc]).await;
    assert_oauth_error(&got, StatusCode::UNAUTHORIZED, "invalid_client");
    assert!(got.1[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    let got = raw_token(
        &app,
        None,
        &[cc, ("client_id", id), ("client_secret", &wrong)],
    )
    .await;
    assert_oauth_error(&got, StatusCode::UNAUTHORIZED, "invalid_client");
    // Unknown client; a confidential client without its secret; a public client with one.
    let got = raw_token(&app, Some(("nobody", &secret)), &[cc]).await;
    assert_oauth_error(&got, StatusCode::UNAUTHORIZED, "invalid_client");
    let got = raw_token(&app, None, &[cc, ("client_id", id)]).await;
    assert_oauth_error(&got, StatusCode::UNAUTHORIZED, "invalid_client");
    let got = raw_token(
        &app,
        None,
        &[cc, ("client_id", &public.id), ("client_secret", &secret)],
    )
    .await;
    assert_oauth_error(&got, StatusCode::UNAUTHORIZED, "invalid_client");
    // Authenticated twice.
    let got = raw_token(&app, Some((id, &secret)), &[cc, ("client_secret", &secret)]).await;
    assert_oauth_error(&got, StatusCode::BAD_REQUEST, "invalid_request");

    // grant_type missing or unknown.
    let got = raw_token(&app, Some((id, &secret)), &[("scope", "contacts.read")]).await;
    assert_oauth_error(&got, StatusCode::BAD_REQUEST, "invalid_request");
    let got = raw_token(&app, Some((id, &secret)), &[("grant_type", "password")]).await;
    assert_oauth_error(&got, StatusCode::BAD_REQUEST, "unsupported_grant_type");
}

/// An app whose access tokens live an hour, and a first token pair from it.
async fn hour_app(app: &TestApp, console: &Console, scopes: Value) -> (OAuthClient, Value) {
    let client = register(
        console,
        json!({"accessTokenLifetime": "1h", "scopes": scopes}),
    )
    .await;
    let tokens = app
        .oauth_tokens(&console.browser, &client, "contacts.read contacts.write")
        .await;
    (client, tokens)
}

async fn refresh_tokens_rotate_and_a_late_reuse_revokes_the_family(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Rotate Co", "rotate@token.example").await;
    let (client, first) =
        hour_app(&app, &console, json!(["contacts.read", "contacts.write"])).await;
    assert_eq!(first["expires_in"], 3600);
    let (access1, refresh1) = (
        string(&first["access_token"]),
        string(&first["refresh_token"]),
    );
    assert!(refresh1.starts_with("swb_rt_"));
    let me = json_of(app.me(&access1).await).await.2;
    assert!(me["expiresAt"].is_string(), "{me}");

    // The access token expires after an hour.
    app.clock.advance(Duration::minutes(61));
    assert_eq!(app.me_status(&access1).await, StatusCode::UNAUTHORIZED);

    // Refresh: a new pair, the refresh token rotated.
    let (status, headers, second) = app.refresh(&client, &refresh1, &[]).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(second["expires_in"], 3600);
    let (access2, refresh2) = (
        string(&second["access_token"]),
        string(&second["refresh_token"]),
    );
    assert_ne!(access2, access1);
    assert_ne!(refresh2, refresh1);
    assert_eq!(
        scopes_of(&second["scope"]),
        sorted("contacts.read contacts.write")
    );
    assert_eq!(app.me_status(&access2).await, StatusCode::OK);

    // The old one again at once (a retry): inside the grace window, a valid pair.
    let (status, _, retried) = app.refresh(&client, &refresh1, &[]).await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    let access3 = string(&retried["access_token"]);
    assert_eq!(app.me_status(&access3).await, StatusCode::OK);

    // After the grace window: reuse of a rotated token kills the whole family.
    app.clock.advance(Duration::seconds(11));
    let reused = app.refresh(&client, &refresh1, &[]).await;
    assert_oauth_error(&reused, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(app.me_status(&access2).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.me_status(&access3).await, StatusCode::UNAUTHORIZED);
    let newest = app.refresh(&client, &refresh2, &[]).await;
    assert_oauth_error(&newest, StatusCode::BAD_REQUEST, "invalid_grant");
}

async fn refresh_grace_zero_makes_any_reuse_fatal(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.refresh_grace_secs = 0).await;
    let console = app.sign_up("Strict Co", "nograce@token.example").await;
    let (client, first) =
        hour_app(&app, &console, json!(["contacts.read", "contacts.write"])).await;
    let refresh1 = string(&first["refresh_token"]);
    let (status, _, second) = app.refresh(&client, &refresh1, &[]).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let reused = app.refresh(&client, &refresh1, &[]).await;
    assert_oauth_error(&reused, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(
        app.me_status(&string(&second["access_token"])).await,
        StatusCode::UNAUTHORIZED
    );
}

async fn refresh_scope_can_only_narrow_and_tokens_stay_with_their_client(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Narrow Co", "narrow@token.example").await;
    let (client, first) = hour_app(
        &app,
        &console,
        json!(["contacts.read", "contacts.write", "tickets.read"]),
    )
    .await;
    let other_client = register(&console, json!({"name": "Other"})).await;

    let (status, _, narrowed) = app
        .refresh(
            &client,
            &string(&first["refresh_token"]),
            &[("scope", "contacts.read")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{narrowed}");
    assert_eq!(narrowed["scope"], "contacts.read");
    let me = json_of(app.me(&string(&narrowed["access_token"])).await)
        .await
        .2;
    assert_eq!(scopes_of(&me["scopes"]), sorted("contacts.read"));

    // Registered for the app but never granted: not by refreshing.
    let refresh = string(&narrowed["refresh_token"]);
    for scope in ["contacts.read tickets.read", "contacts.delete"] {
        let wider = app.refresh(&client, &refresh, &[("scope", scope)]).await;
        assert_oauth_error(&wider, StatusCode::BAD_REQUEST, "invalid_scope");
    }
    // Another client cannot use it.
    let stolen = app.refresh(&other_client, &refresh, &[]).await;
    assert_oauth_error(&stolen, StatusCode::BAD_REQUEST, "invalid_grant");
    // An access token is not a refresh token.
    let wrong_kind = app
        .refresh(&client, &string(&narrowed["access_token"]), &[])
        .await;
    assert_oauth_error(&wrong_kind, StatusCode::BAD_REQUEST, "invalid_grant");
}

async fn never_expiring_tokens_get_refresh_tokens_only_with_offline_access(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Never Co", "never@token.example").await;
    let client = register(&console, json!({"accessTokenLifetime": "never"})).await;

    let plain = app
        .oauth_tokens(&console.browser, &client, "contacts.read")
        .await;
    assert!(plain.get("refresh_token").is_none(), "{plain}");
    assert!(plain.get("expires_in").is_none(), "{plain}");
    let me = json_of(app.me(&string(&plain["access_token"])).await)
        .await
        .2;
    assert_eq!(me["expiresAt"], Value::Null);

    let offline = app
        .oauth_tokens(&console.browser, &client, "contacts.read offline_access")
        .await;
    assert!(offline.get("expires_in").is_none(), "{offline}");
    let refresh = string(&offline["refresh_token"]);
    assert!(refresh.starts_with("swb_rt_"));
    let (status, _, refreshed) = app.refresh(&client, &refresh, &[]).await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert!(refreshed["refresh_token"].is_string());

    // "Permanent" means it: still good after a year and more.
    app.clock.advance(Duration::days(400));
    assert_eq!(
        app.me_status(&string(&plain["access_token"])).await,
        StatusCode::OK
    );
}

async fn refresh_tokens_expire_after_thirty_idle_days(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Idle Co", "idle@token.example").await;
    let (client, first) =
        hour_app(&app, &console, json!(["contacts.read", "contacts.write"])).await;

    // Used every 29 days, it keeps working …
    let mut refresh = string(&first["refresh_token"]);
    for _ in 0..2 {
        app.clock.advance(Duration::days(29));
        let (status, _, next) = app.refresh(&client, &refresh, &[]).await;
        assert_eq!(status, StatusCode::OK, "{next}");
        refresh = string(&next["refresh_token"]);
    }
    // … left unused for 31, it is gone.
    app.clock.advance(Duration::days(31));
    let idle = app.refresh(&client, &refresh, &[]).await;
    assert_oauth_error(&idle, StatusCode::BAD_REQUEST, "invalid_grant");
}

async fn client_credentials_act_as_the_app_in_its_own_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (console, owner_token) = app
        .account_with_token("Machine Co", &["contacts.read"])
        .await;
    let client = register(&console, json!({})).await;
    let public = register_public(&console).await;
    let cc = ("grant_type", "client_credentials");

    // Default scope: everything registered but offline_access; never a refresh token.
    let (status, headers, body) = app.token(&client, &[cc]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(
        scopes_of(&body["scope"]),
        sorted("contacts.read contacts.write")
    );
    assert!(body.get("refresh_token").is_none(), "{body}");
    let access = string(&body["access_token"]);
    let me = json_of(app.me(&access).await).await.2;
    let owner_me = json_of(app.me(&owner_token).await).await.2;
    assert_eq!(me["tokenType"], "oauth");
    assert_eq!(me["user"], Value::Null);
    assert_eq!(me["account"]["id"], owner_me["account"]["id"]);
    assert_eq!(me["app"]["clientId"], client.id.as_str());

    // It writes in the app's own account.
    let res = app
        .api()
        .post(app.url("/services/ccaas/v1/contacts"))
        .bearer_auth(&access)
        .json(&json!({"firstName": "Robo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let list = json_of(
        app.get_with_token("/services/ccaas/v1/contacts", &owner_token)
            .await,
    )
    .await
    .2;
    assert_eq!(list[0]["firstName"], "Robo");

    // Narrower is fine; unregistered is invalid_scope; public clients may not.
    let (status, _, narrow) = app.token(&client, &[cc, ("scope", "contacts.read")]).await;
    assert_eq!(status, StatusCode::OK, "{narrow}");
    assert_eq!(narrow["scope"], "contacts.read");
    for scope in ["tickets.read", "contacts.read nonsense"] {
        let got = app.token(&client, &[cc, ("scope", scope)]).await;
        assert_oauth_error(&got, StatusCode::BAD_REQUEST, "invalid_scope");
    }
    let got = app.token(&public, &[cc]).await;
    assert_oauth_error(&got, StatusCode::BAD_REQUEST, "unauthorized_client");
}

async fn revocation_of_access_and_refresh_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Revoke Co", "revoke@token.example").await;
    let client = register(&console, json!({})).await;
    let other_client = register(&console, json!({"name": "Other"})).await;
    let browser = &console.browser;
    let revoke = |c: &OAuthClient, token: &str| post_revoke(&app, c.clone(), token.to_owned());

    // An access token.
    let access = string(&app.oauth_tokens(browser, &client, "contacts.read").await["access_token"]);
    assert_eq!(revoke(&client, &access).await, StatusCode::OK);
    assert_eq!(app.me_status(&access).await, StatusCode::UNAUTHORIZED);
    // Unknown tokens: 200 all the same.
    for unknown in ["swb_at_doesnotexist", "nonsense", &access] {
        assert_eq!(revoke(&client, unknown).await, StatusCode::OK, "{unknown}");
    }
    // Another client's token: 200, and untouched.
    let live = string(&app.oauth_tokens(browser, &client, "contacts.read").await["access_token"]);
    assert_eq!(revoke(&other_client, &live).await, StatusCode::OK);
    assert_eq!(app.me_status(&live).await, StatusCode::OK);
    // Client authentication is required.
    let res = app
        .api()
        .post(app.url(&format!("{OAUTH}/revoke")))
        .form(&[("token", live.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.me_status(&live).await, StatusCode::OK);

    // A refresh token: its access tokens die with it.
    let tokens = app
        .oauth_tokens(browser, &client, "contacts.read offline_access")
        .await;
    let (access, refresh) = (
        string(&tokens["access_token"]),
        string(&tokens["refresh_token"]),
    );
    let res = app
        .oauth_post(
            "revoke",
            &client,
            &[("token", &refresh), ("token_type_hint", "refresh_token")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.me_status(&access).await, StatusCode::UNAUTHORIZED);
    let got = app.refresh(&client, &refresh, &[]).await;
    assert_oauth_error(&got, StatusCode::BAD_REQUEST, "invalid_grant");
}

async fn post_revoke(app: &TestApp, client: OAuthClient, token: String) -> StatusCode {
    app.oauth_post("revoke", &client, &[("token", &token)])
        .await
        .status()
}

async fn post_introspect(
    app: &TestApp,
    client: OAuthClient,
    token: String,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    json_of(
        app.oauth_post("introspect", &client, &[("token", &token)])
            .await,
    )
    .await
}

async fn introspection_by_clients_and_by_admin_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Intro Co", "intro@token.example").await;
    let admin_token = string(
        &console
            .create_private_app("introspector", &["admin.read"])
            .await["token"],
    );
    let data_token = string(
        &console
            .create_private_app("data only", &["contacts.read"])
            .await["token"],
    );
    let (_, stranger_token) = app
        .account_with_token("Elsewhere Co", &["admin.read"])
        .await;
    let client = register(&console, json!({})).await;
    let other_client = register(&console, json!({"name": "Other"})).await;
    let introspect =
        |c: &OAuthClient, token: &str| post_introspect(&app, c.clone(), token.to_owned());
    let by_bearer = |bearer: &str, token: &str| {
        let req = app
            .api()
            .post(app.url(&format!("{OAUTH}/introspect")))
            .bearer_auth(bearer)
            .form(&[("token", token)]);
        async move { req.send().await.unwrap() }
    };

    let tokens = app
        .oauth_tokens(&console.browser, &client, "contacts.read offline_access")
        .await;
    let (access, refresh) = (
        string(&tokens["access_token"]),
        string(&tokens["refresh_token"]),
    );
    let me = json_of(app.me(&access).await).await.2;

    // An active access token, by its own client.
    let (status, headers, i) = introspect(&client, &access).await;
    assert_eq!(status, StatusCode::OK, "{i}");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(i["active"], true);
    assert_eq!(
        scopes_of(&i["scope"]),
        sorted("contacts.read offline_access")
    );
    assert_eq!(i["client_id"], client.id.as_str());
    assert_eq!(i["username"], "intro@token.example");
    assert_eq!(i["sub"], me["user"]["id"]);
    assert_eq!(i["token_type"], "Bearer");
    assert_eq!(i["iss"], app.issuer().as_str());
    let now = app.clock_ms() / 1000;
    assert!((i["iat"].as_i64().unwrap() - now).abs() <= 5, "{i}");
    assert!(
        i.get("exp").is_none(),
        "a never-expiring token has no exp: {i}"
    );

    // The refresh token.
    let (_, _, r) = introspect(&client, &refresh).await;
    assert_eq!(r["active"], true);
    assert_eq!(r["token_type"], "refresh_token");
    assert!(r["exp"].as_i64().unwrap() > now, "{r}");

    // An expiring access token has exp = iat + lifetime.
    let hourly = register(
        &console,
        json!({"name": "Hourly", "accessTokenLifetime": "1h"}),
    )
    .await;
    let hourly_access = string(
        &app.oauth_tokens(&console.browser, &hourly, "contacts.read")
            .await["access_token"],
    );
    let (_, _, h) = introspect(&hourly, &hourly_access).await;
    assert_eq!(
        h["exp"].as_i64().unwrap() - h["iat"].as_i64().unwrap(),
        3600,
        "{h}"
    );

    // A client_credentials token acts as the app: no username, sub is the client.
    let (_, _, cc) = app
        .token(&client, &[("grant_type", "client_credentials")])
        .await;
    let (_, _, c) = introspect(&client, &string(&cc["access_token"])).await;
    assert_eq!(c["active"], true);
    assert!(c.get("username").is_none(), "{c}");
    assert_eq!(c["sub"], client.id.as_str());

    // Another client learns nothing; a Private App token with admin.read of
    // the same account may look; one without admin.read, or of another account, may not.
    assert_eq!(
        introspect(&other_client, &access).await.2,
        json!({"active": false})
    );
    let (status, _, a) = json_of(by_bearer(&admin_token, &access).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(a["active"], true);
    assert_eq!(a["client_id"], client.id.as_str());
    assert_eq!(
        by_bearer(&data_token, &access).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        json_of(by_bearer(&stranger_token, &access).await).await.2,
        json!({"active": false})
    );
    let res = app
        .api()
        .post(app.url(&format!("{OAUTH}/introspect")))
        .form(&[("token", access.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // Revoked, unknown: only {"active": false}.
    let res = app
        .oauth_post("revoke", &client, &[("token", &access)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        introspect(&client, &access).await.2,
        json!({"active": false})
    );
    assert_eq!(
        introspect(&client, "swb_at_unknown").await.2,
        json!({"active": false})
    );
}
