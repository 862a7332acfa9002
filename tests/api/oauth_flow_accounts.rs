//! Which account an authorization acts in (SPEC S5.2): a public app acts in
//! the authorizing user's account; a private app cannot be authorized from
//! another account.

use crate::helpers::{
    assert_error_page, assert_error_redirect, consent_page, json_of, oauth_app, redirected, string,
    Backend, OAuthClient, TestApp,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    a_public_app_acts_in_the_authorizing_users_account,
    a_private_app_cannot_be_authorized_from_another_account,
);

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
