//! Guards against breaks the rest of the suite would not notice (issue 13,
//! item 6): each test here fails when one specific check is removed from the
//! server — the `active` check on bearer tokens, the CSRF check on sign-up,
//! read-scope checks on single records and the change feed, and binding of
//! `LIKE` patterns.

use crate::helpers::{json_of, oauth_app, string, Backend, OAuthClient, TestApp, PASSWORD};
use crate::records::{data_api, Api};
use reqwest::header::WWW_AUTHENTICATE;
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    an_oauth_token_of_a_deactivated_user_is_refused_though_not_revoked,
    sign_up_without_the_right_csrf_token_creates_no_account,
    write_scope_does_not_read_one_record_or_the_change_feed,
    a_like_pattern_with_quotes_is_data_not_sql,
);

/// (a) `authenticate_token` refuses a token whose user is inactive even when
/// the token row itself is live: the user is deactivated behind the server's
/// back (plain SQL), so nothing revoked the token.
async fn an_oauth_token_of_a_deactivated_user_is_refused_though_not_revoked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let email = "ada@gone.example";
    let console = app.sign_up("Gone Co", email).await;
    let registered = oauth_app(
        &console,
        json!({
            "name": "Sync Tool",
            "redirectUris": ["https://client.example/callback"],
            "scopes": ["contacts.read"],
        }),
    )
    .await;
    let client = OAuthClient::of(&registered);
    let tokens = app
        .oauth_tokens(&console.browser, &client, "contacts.read")
        .await;
    let access = string(&tokens["access_token"]);
    assert_eq!(app.me_status(&access).await, StatusCode::OK);
    let contacts = "/services/ccaas/v1/contacts";
    assert_eq!(
        app.get_with_token(contacts, &access).await.status(),
        StatusCode::OK
    );

    let changed = app
        .sql(&format!(
            "update users set active = 0 where email = '{email}'"
        ))
        .await;
    assert_eq!(changed, 1, "the user is deactivated");
    // The token row is untouched: live, unexpired, not revoked.
    let live = app
        .sql(
            "update tokens set updated_at = updated_at \
             where kind = 'oauth_access' and revoked_at is null and user_id is not null",
        )
        .await;
    assert_eq!(live, 1, "the access token's row is still live");
    // A change made behind the server's back (another process) is seen
    // within a second (SPEC S3): token look-ups may be cached until then.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;

    for path in ["/services/oauth2/v1/me", contacts] {
        let (status, headers, body) = json_of(app.get_with_token(path, &access).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}: {body}");
        let challenge = headers[WWW_AUTHENTICATE].to_str().unwrap();
        assert!(
            challenge.contains(r#"error="invalid_token""#),
            "{path}: {challenge}"
        );
        assert_eq!(body["error"], "invalid_token", "{path}: {body}");
    }
}

/// (b) `POST /signup` checks the CSRF token: without one, with a wrong one or
/// with an empty one the form is refused and no account exists afterwards.
async fn sign_up_without_the_right_csrf_token_creates_no_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases: &[(&str, &str, bool, Option<&str>)] = &[
        // (what, email, GET the form first (a CSRF cookie), token sent)
        ("no cookie, no token", "m1@forged.example", false, None),
        (
            "no cookie, a token",
            "m2@forged.example",
            false,
            Some("forged"),
        ),
        ("cookie, no token", "m3@forged.example", true, None),
        ("cookie, empty token", "m4@forged.example", true, Some("")),
        (
            "cookie, wrong token",
            "m5@forged.example",
            true,
            Some("forged"),
        ),
    ];
    for &(what, email, with_cookie, csrf) in cases {
        let browser = app.browser();
        if with_cookie {
            let real = browser.page_csrf("/signup").await;
            assert!(!real.is_empty());
        }
        let mut form = vec![
            ("company", "Forged Co"),
            ("name", "Mallory"),
            ("email", email),
            ("password", PASSWORD),
        ];
        if let Some(c) = csrf {
            form.push(("csrf_token", c));
        }
        let res = browser.post_form("/signup", &form).await;
        let status = res.status();
        let set_cookies: Vec<String> = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let html = res.text().await.unwrap();
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {html}");
        assert!(html.contains("CSRF"), "{what}: {html}");
        assert!(
            !set_cookies.iter().any(|c| c.starts_with("swb_session=")),
            "{what}: no session: {set_cookies:?}"
        );
        // No account: signing in fails, and the email is still free.
        let other = app.browser();
        let res = other.log_in(email, PASSWORD, None).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{what}: sign-in");
        let res = other.get("/settings").await;
        assert_ne!(res.status(), StatusCode::OK, "{what}: not signed in");
        let fresh = app.browser();
        let res = fresh.sign_up("Real Co", "Ada Real", email, PASSWORD).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "{what}: the email was never taken"
        );
    }
}

/// (c) `contacts.write` alone reads nothing: neither one record nor the feed.
async fn write_scope_does_not_read_one_record_or_the_change_feed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (console, token) = app
        .account_with_token("Write Only", &["contacts.write"])
        .await;
    let write_only = Api { app: &app, token };
    let id = string(
        &write_only
            .create("contacts", json!({"firstName": "Ada", "city": "Hen"}))
            .await["id"],
    );
    let paths = [format!("/contacts/{id}"), "/contacts/changes".to_owned()];
    for path in &paths {
        let (status, headers, err) = json_of(write_only.call(Method::GET, path, None).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {err}");
        assert_eq!(
            headers[WWW_AUTHENTICATE],
            r#"Bearer error="insufficient_scope", scope="contacts.read""#,
            "{path}: write does not imply read"
        );
        assert_eq!(err["error"], "insufficient_scope", "{path}: {err}");
    }
    // Control: the same calls in the same account succeed with the read scope.
    let reader = Api {
        app: &app,
        token: string(
            &console
                .create_private_app("reader", &["contacts.read"])
                .await["token"],
        ),
    };
    for path in &paths {
        let (status, _, body) = json_of(reader.call(Method::GET, path, None).await).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
}

/// What a contacts filter gives: `200` and the `firstName`s it selects (in
/// list order), or another status and the body.
async fn outcome(api: &Api<'_>, filter: &str) -> (StatusCode, String) {
    let path = format!(
        "/contacts?filter={}",
        url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>()
    );
    let (status, headers, list) = api.list(&path).await;
    let Some(items) = list.as_array().filter(|_| status == StatusCode::OK) else {
        return (status, list.to_string());
    };
    let names: Vec<String> = items.iter().map(|c| string(&c["firstName"])).collect();
    assert_eq!(
        headers["x-total-count"].to_str().unwrap(),
        names.len().to_string(),
        "{filter}"
    );
    (status, names.join(","))
}

/// (d) A `LIKE` pattern is bound, never spliced: quotes in it are matched as
/// characters, and the query neither widens nor breaks.
async fn a_like_pattern_with_quotes_is_data_not_sql(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = data_api(&app, "Like Quotes", &["contacts.read", "contacts.write"]).await;
    for body in [
        json!({"firstName": "hen", "city": "Hen"}),
        json!({"firstName": "leeds", "city": "Leeds"}),
        json!({"firstName": "hare", "city": "O'Hare"}),
    ] {
        app.clock.advance(chrono::Duration::seconds(1));
        api.create("contacts", body).await;
    }
    let cases = [
        // Spliced into the SQL text, these would be a syntax error (500) or
        // would match every row; bound, no city contains the text.
        (r#"city LIKE "%' OR '1'='1""#, ""),
        (r#"city LIKE "%' OR '1' LIKE '1""#, ""),
        (r#"city LIKE "x' OR city LIKE '%""#, ""),
        (r#"city NOT LIKE "%' AND '1' LIKE '2""#, "hare,leeds,hen"),
        // Controls: LIKE selects, and a quote in a pattern is a character.
        (r#"city LIKE "%e%""#, "hare,leeds,hen"),
        (r#"city LIKE "O'%""#, "hare"),
        (r#"city NOT LIKE "%'%""#, "leeds,hen"),
    ];
    let mut got = Vec::new();
    for (filter, _) in cases {
        got.push((filter, outcome(&api, filter).await));
    }
    let expected: Vec<_> = cases
        .iter()
        .map(|&(filter, names)| (filter, (StatusCode::OK, names.to_owned())))
        .collect();
    assert_eq!(got, expected);
    let (_, headers, _) = api.list("/contacts").await;
    assert_eq!(headers["x-total-count"], "3", "the table is intact");
}
