//! The authorization server metadata document (SPEC S5.6), which names the
//! issuer exactly.

use crate::helpers::{json_of, oauth_app, scopes_of, sorted, Backend, OAuthClient, TestApp, OAUTH};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(metadata_document_names_the_issuer_exactly);

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
