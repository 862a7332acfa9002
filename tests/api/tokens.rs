//! Bearer authentication on `/services/...`: both header forms, RFC 6750
//! errors, /me, expiry, revocation, checksum, rate limit, last use.

use crate::helpers::Backend;
use crate::helpers::{json_of, TestApp};
use chrono::Duration;
use reqwest::header::WWW_AUTHENTICATE;
use reqwest::StatusCode;

on_both_backends!(
    sign_up_admin_api_token_me,
    both_authorization_header_forms_work,
    missing_and_bad_tokens_get_rfc6750_errors,
    a_token_without_the_scope_gets_403_with_the_needed_scope,
    expired_tokens_are_refused,
    rate_limit_per_token_answers_429_with_headers,
    last_used_at_is_recorded,
    leaked_token_report_revokes_and_audits_without_telling,
    leaked_token_endpoint_is_rate_limited_per_address,
    forwarded_for_counts_only_behind_a_trusted_proxy,
);

async fn sign_up_admin_api_token_me(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app
        .account_with_token("Acme Calls", &["contacts.read", "tickets.write"])
        .await;
    assert!(
        token.starts_with("swb_pat_") && token.len() == 8 + 49,
        "{token}"
    );

    let (status, headers, me) = json_of(app.me(&token).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.contains_key("x-request-id"));
    assert_eq!(me["account"]["name"], "Acme Calls");
    assert_eq!(me["tokenType"], "private_app");
    assert_eq!(me["user"], serde_json::Value::Null);
    assert_eq!(me["app"]["name"], "integration");
    assert!(me["app"]["id"].is_string());
    assert_eq!(
        me["scopes"],
        serde_json::json!(["contacts.read", "tickets.write"])
    );
    assert_eq!(me["expiresAt"], serde_json::Value::Null);
}

async fn both_authorization_header_forms_work(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app.account_with_token("Forms", &["contacts.read"]).await;
    let url = app.url("/services/oauth2/v1/me");
    for value in [
        format!("Bearer {token}"),
        format!("bearer {token}"),
        token.clone(),
    ] {
        let res = app
            .api()
            .get(&url)
            .header("authorization", value)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
}

async fn missing_and_bad_tokens_get_rfc6750_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app.account_with_token("Errors", &["contacts.read"]).await;
    let url = app.url("/services/oauth2/v1/me");

    // No credentials: 401 with only the realm.
    let (status, headers, body) = json_of(app.api().get(&url).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers[WWW_AUTHENTICATE], r#"Bearer realm="switchboard""#);
    assert!(body["message"].as_str().unwrap().contains("Bearer"));
    assert!(headers.contains_key("x-request-id"));

    // Mistyped checksum: rejected by the checksum, before any lookup.
    let mut mistyped = token.clone();
    let last = mistyped.pop().unwrap();
    mistyped.push(if last == 'a' { 'b' } else { 'a' });
    let bad = [
        ("mistyped", mistyped.as_str(), "checksum"),
        (
            "unknown prefix",
            "ghp_0123456789",
            "not a valid access token",
        ),
        ("wrong scheme", "", "scheme"),
    ];
    for (what, value, needle) in bad {
        let req = app.api().get(&url);
        let req = if what == "wrong scheme" {
            req.header("authorization", format!("Basic {}", "dXNlcjpwYXNz"))
        } else {
            req.bearer_auth(value)
        };
        let (status, headers, body) = json_of(req.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(
            headers[WWW_AUTHENTICATE], r#"Bearer realm="switchboard", error="invalid_token""#,
            "{what}"
        );
        assert_eq!(body["error"], "invalid_token");
        assert!(
            body["message"].as_str().unwrap().contains(needle),
            "{what}: {body}"
        );
    }

    // Well-formed (valid checksum) but never issued.
    let forged = switchboard_core::token::PlainToken::generate(
        switchboard_core::token::TokenKind::PrivateApp,
    );
    let (status, _, body) = json_of(app.me(forged.expose()).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["message"].as_str().unwrap().contains("unknown"),
        "{body}"
    );

    // A refresh token or client secret is not an access token.
    let rt = switchboard_core::token::PlainToken::generate(
        switchboard_core::token::TokenKind::OAuthRefresh,
    );
    assert_eq!(app.me(rt.expose()).await.status(), StatusCode::UNAUTHORIZED);
}

async fn a_token_without_the_scope_gets_403_with_the_needed_scope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app.account_with_token("Scopes", &["contacts.read"]).await;
    let (status, headers, body) = json_of(
        app.get_with_token("/services/admin/v1/private-apps", &token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        headers[WWW_AUTHENTICATE],
        r#"Bearer error="insufficient_scope", scope="admin.read""#
    );
    assert_eq!(body["error"], "insufficient_scope");

    // Write does not imply read, and read does not allow writes.
    let (_, reader) = app.account_with_token("Scopes2", &["admin.read"]).await;
    let res = app
        .api()
        .post(app.url("/services/admin/v1/private-apps"))
        .bearer_auth(&reader)
        .json(&serde_json::json!({"name": "x", "scopes": ["contacts.read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        res.headers()[WWW_AUTHENTICATE],
        r#"Bearer error="insufficient_scope", scope="admin.write""#
    );
}

async fn expired_tokens_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (console, _) = app.account_with_token("Expiry", &["admin.read"]).await;
    let res = console
        .admin(
            reqwest::Method::POST,
            "/private-apps",
            Some(serde_json::json!({"name": "short", "scopes": ["contacts.read"], "expiresInDays": 30})),
        )
        .await;
    let (status, _, body) = json_of(res).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(body["expiresAt"].is_string());
    let token = body["token"].as_str().unwrap();

    app.clock.advance(Duration::days(29));
    assert_eq!(app.me(token).await.status(), StatusCode::OK);
    app.clock.advance(Duration::days(1) + Duration::seconds(1));
    let (status, headers, body) = json_of(app.me(token).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        headers[WWW_AUTHENTICATE],
        r#"Bearer realm="switchboard", error="invalid_token""#
    );
    assert!(body["message"].as_str().unwrap().contains("expired"));
}

async fn rate_limit_per_token_answers_429_with_headers(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.rate_limit_per_10s = 3).await;
    let (_, token) = app.account_with_token("Limits", &["contacts.read"]).await;
    let (_, other) = app.account_with_token("Limits2", &["contacts.read"]).await;
    for _ in 0..3 {
        assert_eq!(app.me(&token).await.status(), StatusCode::OK);
    }
    let (status, headers, body) = json_of(app.me(&token).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"], "rate_limited");
    assert!(
        headers["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert_eq!(headers["ratelimit-limit"], "3");
    assert_eq!(headers["ratelimit-remaining"], "0");
    assert!(headers.contains_key("ratelimit-reset"));
    // Another token is not affected.
    assert_eq!(app.me(&other).await.status(), StatusCode::OK);
}

async fn last_used_at_is_recorded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (console, token) = app.account_with_token("Usage", &["contacts.read"]).await;
    let list = || async {
        let res = console
            .admin(reqwest::Method::GET, "/private-apps", None)
            .await;
        json_of(res).await.2
    };
    assert_eq!(list().await[0]["lastUsedAt"], serde_json::Value::Null);
    assert_eq!(app.me(&token).await.status(), StatusCode::OK);
    // Recorded off the request path: poll briefly.
    let mut seen = serde_json::Value::Null;
    for _ in 0..50 {
        seen = list().await[0]["lastUsedAt"].clone();
        if seen.is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(seen.is_string(), "lastUsedAt never set");
}

async fn leaked_token_report_revokes_and_audits_without_telling(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (console, token) = app.account_with_token("Leaky", &["contacts.read"]).await;
    let forged = switchboard_core::token::PlainToken::generate(
        switchboard_core::token::TokenKind::PrivateApp,
    );
    let url = app.url("/services/oauth2/v1/leaked-tokens");

    // Valid, forged and junk entries get the same answer.
    for tokens in [
        vec![forged.expose().to_owned(), "junk".to_owned()],
        vec![token.clone()],
    ] {
        let res = app
            .api()
            .post(&url)
            .json(&serde_json::json!({"tokens": tokens}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        assert_eq!(res.text().await.unwrap(), r#"{"status":"accepted"}"#);
    }
    let (status, _, body) = json_of(app.me(&token).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["message"].as_str().unwrap().contains("revoked"));

    let (_, _, log) = json_of(
        console
            .admin(
                reqwest::Method::GET,
                "/audit-log?action=token.leak_reported_revoked",
                None,
            )
            .await,
    )
    .await;
    assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
    assert_eq!(log[0]["actor"], "anonymous");

    // More than 100 tokens is a bad request; so is a body that is not the documented shape.
    let many: Vec<String> = (0..101).map(|i| format!("t{i}")).collect();
    let res = app
        .api()
        .post(&url)
        .json(&serde_json::json!({"tokens": many}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .api()
        .post(&url)
        .json(&serde_json::json!({"token": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

async fn leaked_token_endpoint_is_rate_limited_per_address(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let url = app.url("/services/oauth2/v1/leaked-tokens");
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let res = app
            .api()
            .post(&url)
            .json(&serde_json::json!({"tokens": []}))
            .send()
            .await
            .unwrap();
        statuses.push(res.status());
    }
    assert!(
        statuses[..10].iter().all(|s| *s == StatusCode::ACCEPTED),
        "{statuses:?}"
    );
    assert_eq!(statuses[11], StatusCode::TOO_MANY_REQUESTS);
}

/// The per-address limit takes the client from `X-Forwarded-For` only when
/// the peer is a configured trusted proxy; otherwise the header is ignored.
async fn forwarded_for_counts_only_behind_a_trusted_proxy(backend: Backend) {
    /// Twelve leaked-token reports (10 per 10 s per client address), each
    /// with the headers `forwarded(i)` gives.
    async fn statuses(
        app: &TestApp,
        forwarded: impl Fn(usize) -> Vec<(&'static str, String)>,
    ) -> Vec<StatusCode> {
        let url = app.url("/services/oauth2/v1/leaked-tokens");
        let mut out = Vec::new();
        for i in 0..12 {
            let mut req = app.api().post(&url);
            for (name, value) in forwarded(i) {
                req = req.header(name, value);
            }
            let res = req
                .json(&serde_json::json!({"tokens": []}))
                .send()
                .await
                .unwrap();
            out.push(res.status());
        }
        out
    }
    let limited = |s: &[StatusCode]| s.contains(&StatusCode::TOO_MANY_REQUESTS);
    let xff = |v: String| vec![("x-forwarded-for", v)];
    let fwd = |v: String| vec![("forwarded", v)];

    // Not trusted: a client cannot dodge the limit by inventing addresses.
    let open = TestApp::spawn(backend).await;
    assert!(limited(
        &statuses(&open, |i| xff(format!("198.51.100.{i}"))).await
    ));
    let open = TestApp::spawn(backend).await;
    assert!(limited(
        &statuses(&open, |i| fwd(format!("for=198.51.100.{i}"))).await
    ));

    // Behind a trusted proxy: each forwarded client has its own budget …
    let proxied = TestApp::spawn_with(backend, |c| {
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    let each = statuses(&proxied, |i| xff(format!("198.51.100.{i}"))).await;
    assert!(!limited(&each), "{each:?}");
    // … and one client is limited, whatever it puts in front of the proxy's hop.
    let one = statuses(&proxied, |i| xff(format!("10.9.9.{i}, 203.0.113.7"))).await;
    assert!(limited(&one), "{one:?}");

    // The same with RFC 7239's Forwarded: quoted IPv6 with a port, several elements.
    let each = statuses(&proxied, |i| {
        fwd(format!("for=\"[2001:db8::{i:x}]:4711\";proto=http"))
    })
    .await;
    assert!(!limited(&each), "{each:?}");
    let one = statuses(&proxied, |i| {
        fwd(format!("for=10.8.8.{i}, for=\"[2001:db8::7]:{i}\""))
    })
    .await;
    assert!(limited(&one), "{one:?}");
    // An obfuscated client is no address: the proxy's own budget counts.
    let hidden = statuses(&proxied, |i| fwd(format!("for=_client{i}"))).await;
    assert!(limited(&hidden), "{hidden:?}");
    // Both headers: X-Forwarded-For wins (one client there, many in Forwarded).
    let both = statuses(&proxied, |i| {
        vec![
            ("x-forwarded-for", "203.0.113.99".to_owned()),
            ("forwarded", format!("for=198.51.100.{}", 100 + i)),
        ]
    })
    .await;
    assert!(limited(&both), "{both:?}");
}
