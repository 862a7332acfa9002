//! The SSRF guard (SPEC S9) on a server started without
//! `--webhook-allow-private`: private, loopback, link-local, unspecified,
//! multicast and metadata targets are refused at subscription, and again at
//! delivery (a name is resolved once and only the checked address is
//! used); redirects are never followed, whatever the flag.

use crate::helpers::{json_of, Backend, TestApp};
use crate::webhook_receiver::{create, spawn_for_hooks, subscribe, Receiver, Reply, RW};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

async fn strict_app() -> TestApp {
    TestApp::spawn_with(Backend::Sqlite, |c| {
        c.webhooks.allow_private = false;
        c.webhooks.timeout_ms = 500;
        c.webhooks.retry_base_ms = 100;
    })
    .await
}

#[tokio::test]
async fn every_private_range_is_refused_at_subscription() {
    let app = strict_app().await;
    let (_, token) = app.account_with_token("Guard Co", RW).await;
    for target in [
        "http://127.0.0.1:8080/hook",
        "http://127.1.2.3/",
        "http://10.0.0.1/",
        "http://172.16.0.1/",
        "http://172.31.255.254/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.1.1/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
        "http://224.0.0.251/",
        "http://[::1]/",
        "http://[::]/",
        "http://[fc00::1]/",
        "http://[fd00:ec2::254]/",
        "http://[fe80::1]/",
        "http://[ff02::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://localhost:8080/",
        "http://LOCALHOST./",
        "https://localhost/",
    ] {
        let (status, _, err) = json_of(
            app.api()
                .post(app.url("/services/ccaas/v1/webhooks"))
                .bearer_auth(&token)
                .json(&json!({"targetUrl": target, "events": ["contacts.created"]}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{target}: {err}");
        assert_eq!(err["error"], "invalid_request", "{target}");
        assert_eq!(err["field"], "targetUrl", "{target}");
    }
    let (_, _, list) = json_of(
        app.get_with_token("/services/ccaas/v1/webhooks", &token)
            .await,
    )
    .await;
    assert_eq!(list, json!([]));
}

/// A target that became private after subscription (the row changed, or a
/// name that now resolves to loopback) is refused when delivering.
#[tokio::test]
async fn a_private_target_is_refused_again_at_delivery() {
    let app = strict_app().await;
    let (_, token) = app.account_with_token("Rebind Co", RW).await;
    let mut rx = Receiver::start().await;
    // A public literal address passes the check (nothing is ever sent to it).
    let (hook, _) = subscribe(
        &app,
        &token,
        "http://93.184.215.14/never",
        &["contacts.created"],
    )
    .await;
    let (lit_hook, _) = subscribe(
        &app,
        &token,
        "http://93.184.215.15/never",
        &["contacts.created"],
    )
    .await;
    let port = url::Url::parse(&rx.url).unwrap().port().unwrap();
    app.sql(&format!(
        "update webhook_subscriptions set target_url = 'http://localhost:{port}/hook' where id = '{hook}'"
    ))
    .await;
    app.sql(&format!(
        "update webhook_subscriptions set target_url = 'http://127.0.0.1:{port}/hook' where id = '{lit_hook}'"
    ))
    .await;
    create(&app, &token, "contacts", json!({"firstName": "Nope"})).await;
    rx.assert_quiet(Duration::from_millis(1500)).await;
    for id in [&hook, &lit_hook] {
        let path = format!("/services/ccaas/v1/webhooks/{id}/deliveries");
        let started = Instant::now();
        let log = loop {
            let (_, _, log) = json_of(app.get_with_token(&path, &token).await).await;
            if !log.as_array().unwrap().is_empty() {
                break log;
            }
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "no attempt logged"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(log[0]["status"], serde_json::Value::Null);
        let error = log[0]["error"].as_str().unwrap();
        assert!(
            error.contains("private") || error.contains("loopback"),
            "{error}"
        );
        assert!(log[0]["nextAttemptAt"].is_string());
    }
}

#[tokio::test]
async fn redirects_are_not_followed() {
    // Even with private targets allowed, a 302 is an answer, not a hop.
    let app = spawn_for_hooks(Backend::Sqlite).await;
    let (_, token) = app.account_with_token("Redirect Co", RW).await;
    let mut inner = Receiver::start().await;
    let mut outer = Receiver::start().await;
    outer.script([Reply::Redirect(inner.url.clone())]);
    let (hook, _) = subscribe(&app, &token, &outer.url, &["contacts.created"]).await;
    create(&app, &token, "contacts", json!({"firstName": "Bounce"})).await;
    outer.expect().await;
    inner.assert_quiet(Duration::from_millis(1000)).await;
    let (_, _, log) = json_of(
        app.get_with_token(
            &format!("/services/ccaas/v1/webhooks/{hook}/deliveries"),
            &token,
        )
        .await,
    )
    .await;
    assert_eq!(log[0]["status"], 302);
    assert!(
        log[0]["nextAttemptAt"].is_string(),
        "a redirect is a failed attempt"
    );
}
