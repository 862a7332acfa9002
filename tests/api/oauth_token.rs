//! The OAuth 2.0 token endpoint (SPEC S5.3, S5.4): the app registrations
//! the token-endpoint tests share, client authentication, and
//! client_credentials.

use crate::helpers::{
    assert_oauth_error, json_of, oauth_app, scopes_of, sorted, string, Backend, Console,
    OAuthClient, TestApp, OAUTH,
};
use reqwest::header::WWW_AUTHENTICATE;
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    client_authentication_at_the_token_endpoint,
    client_credentials_act_as_the_app_in_its_own_account,
);

/// A confidential app for `console`'s account: `https://client.example/cb`,
/// contacts read/write and offline_access, with `fields` on top.
pub(crate) async fn register(console: &Console, fields: Value) -> OAuthClient {
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
pub(crate) async fn register_public(console: &Console) -> OAuthClient {
    register(
        console,
        json!({"name": "Native", "redirectUris": ["http://127.0.0.1/cb"], "clientType": "public"}),
    )
    .await
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
