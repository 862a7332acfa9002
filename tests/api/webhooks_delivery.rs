//! Webhook delivery (SPEC S9): retries after a 500 and after a timeout with
//! the delivery log to show it, 410 Gone unsubscribes, per-subscription
//! ordering, redelivery, and two PostgreSQL nodes that never deliver an
//! event twice (leases another node respects, and takes over once expired).

use crate::backends::postgres_available;
use crate::helpers::{json_of, Backend};
use crate::webhook_receiver::{create, spawn_for_hooks, subscribe, Receiver, Reply, Ticker, RW};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::HashSet;
use std::time::{Duration, Instant};

on_both_backends!(
    a_500_and_a_timeout_are_retried_and_logged,
    gone_unsubscribes,
    events_of_a_subscription_arrive_in_order_behind_a_retry,
    redeliver_sends_the_same_event_again,
    maintenance_forgets_history_older_than_a_week,
);

async fn a_500_and_a_timeout_are_retried_and_logged(backend: Backend) {
    let app = spawn_for_hooks(backend).await;
    let (_, token) = app.account_with_token("Retry Co", RW).await;
    let mut rx = Receiver::start().await;
    // The server's timeout is 500 ms.
    rx.script([
        Reply::Status(500),
        Reply::Sleep(Duration::from_millis(1500)),
    ]);
    let (hook, _) = subscribe(&app, &token, &rx.url, &["contacts.created"]).await;
    create(&app, &token, "contacts", json!({"firstName": "Retried"})).await;

    let first = rx.expect().await;
    let _ticker = Ticker::start(&app);
    let second = rx.expect().await;
    let third = rx.expect().await;
    for hit in [&second, &third] {
        assert_eq!(hit.event_id(), first.event_id());
        assert_eq!(hit.body, first.body, "the same event is sent again");
    }
    rx.assert_quiet(Duration::from_millis(800)).await;

    let (status, _, log) = json_of(
        app.get_with_token(
            &format!("/services/ccaas/v1/webhooks/{hook}/deliveries"),
            &token,
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 3, "{log:?}");
    // Newest first.
    assert_eq!(log[0]["attempt"], 3);
    assert_eq!(log[0]["status"], 200);
    assert!(log[0].get("nextAttemptAt").is_none());
    assert!(log[0].get("error").is_none());
    assert_eq!(log[1]["attempt"], 2);
    assert_eq!(log[1]["status"], serde_json::Value::Null);
    assert!(
        log[1]["error"].as_str().unwrap().contains("timeout"),
        "{}",
        log[1]
    );
    assert!(log[1]["nextAttemptAt"].is_string());
    assert_eq!(log[2]["attempt"], 1);
    assert_eq!(log[2]["status"], 500);
    assert!(log[2]["nextAttemptAt"].is_string());
    for entry in log {
        assert_eq!(entry["eventId"], first.event_id());
        assert_eq!(entry["type"], "contacts.created");
        assert!(entry["latencyMs"].as_i64().unwrap() >= 0);
        assert!(entry["id"].is_string() && entry["createdAt"].is_string());
    }
    assert!(
        log[1]["latencyMs"].as_i64().unwrap() >= 400,
        "timed out near 500 ms"
    );
}

async fn gone_unsubscribes(backend: Backend) {
    let app = spawn_for_hooks(backend).await;
    let (console, token) = app.account_with_token("Gone Co", RW).await;
    let mut rx = Receiver::start().await;
    rx.script([Reply::Status(410)]);
    let (hook, _) = subscribe(&app, &token, &rx.url, &["contacts.*"]).await;
    create(&app, &token, "contacts", json!({"firstName": "Last"})).await;
    rx.expect().await;
    let path = format!("/services/ccaas/v1/webhooks/{hook}");
    let started = Instant::now();
    while app.get_with_token(&path, &token).await.status() != StatusCode::NOT_FOUND {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "410 did not unsubscribe"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Audited: the receiver (no one signed in) unsubscribed.
    let (_, _, log) = json_of(
        console
            .admin(
                Method::GET,
                "/audit-log?action=webhook.unsubscribed_by_target",
                None,
            )
            .await,
    )
    .await;
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{log}");
    assert_eq!(entries[0]["target"], hook.as_str());
    assert_eq!(entries[0]["actor"], "anonymous");
    let _ticker = Ticker::start(&app);
    create(&app, &token, "contacts", json!({"firstName": "Unheard"})).await;
    rx.assert_quiet(Duration::from_millis(1500)).await;
}

async fn events_of_a_subscription_arrive_in_order_behind_a_retry(backend: Backend) {
    let app = spawn_for_hooks(backend).await;
    let (_, token) = app.account_with_token("Order Co", RW).await;
    let mut rx = Receiver::start().await;
    rx.script([Reply::Status(500)]);
    subscribe(&app, &token, &rx.url, &["contacts.created"]).await;
    for i in 0..6 {
        create(
            &app,
            &token,
            "contacts",
            json!({"firstName": format!("n{i}")}),
        )
        .await;
    }
    let first = rx.expect().await;
    assert_eq!(first.json["data"]["firstName"], "n0");
    // Nothing overtakes the event that waits for its retry.
    rx.assert_quiet(Duration::from_millis(1200)).await;
    let _ticker = Ticker::start(&app);
    let mut names = Vec::new();
    for _ in 0..6 {
        names.push(
            rx.expect().await.json["data"]["firstName"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(names, ["n0", "n1", "n2", "n3", "n4", "n5"]);
    rx.assert_quiet(Duration::from_millis(300)).await;
}

async fn redeliver_sends_the_same_event_again(backend: Backend) {
    let app = spawn_for_hooks(backend).await;
    let (_, token) = app.account_with_token("Again Co", RW).await;
    let (_, stranger) = app.account_with_token("Not Yours Co", RW).await;
    let mut rx = Receiver::start().await;
    let (hook, _) = subscribe(&app, &token, &rx.url, &["contacts.created"]).await;
    create(&app, &token, "contacts", json!({"firstName": "Twice"})).await;
    let first = rx.expect().await;
    let base = format!("/services/ccaas/v1/webhooks/{hook}/deliveries");
    // The attempt is logged once it is recorded.
    let started = Instant::now();
    let delivery = loop {
        let (_, _, log) = json_of(app.get_with_token(&base, &token).await).await;
        if let Some(d) = log.as_array().unwrap().first() {
            break d["id"].as_str().unwrap().to_owned();
        }
        assert!(started.elapsed() < Duration::from_secs(3));
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let redeliver = |token: String, delivery: String| {
        let url = app.url(&format!("{base}/{delivery}/redeliver"));
        let client = app.api();
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        redeliver(stranger, delivery.clone()).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        redeliver(token.clone(), "nope".into()).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        redeliver(token.clone(), delivery).await,
        StatusCode::ACCEPTED
    );
    let again = rx.expect().await;
    assert_eq!(again.event_id(), first.event_id());
    assert_eq!(again.body, first.body);
    rx.assert_quiet(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn two_postgres_nodes_deliver_every_event_once() {
    if !postgres_available().await {
        return;
    }
    let a = spawn_for_hooks(Backend::Postgres).await;
    let b = a.spawn_node().await;
    let (_, token) = a.account_with_token("Pair Co", RW).await;
    let mut rx = Receiver::start().await;
    subscribe(&a, &token, &rx.url, &["contacts.created"]).await;
    let client = a.api();
    for i in 0..40 {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let res = client
            .post(format!("{base}/services/ccaas/v1/contacts"))
            .bearer_auth(&token)
            .json(&json!({"firstName": format!("p{i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let mut seen = HashSet::new();
    for _ in 0..40 {
        let hit = rx.expect().await;
        assert!(
            seen.insert(hit.event_id().to_owned()),
            "delivered twice: {}",
            hit.body
        );
    }
    rx.assert_quiet(Duration::from_millis(1500)).await;
}

#[tokio::test]
async fn a_live_lease_of_another_node_holds_and_an_expired_one_is_taken_over() {
    if !postgres_available().await {
        return;
    }
    let app = spawn_for_hooks(Backend::Postgres).await;
    let (_, token) = app.account_with_token("Lease Co", RW).await;
    let mut rx = Receiver::start().await;
    let (hook, _) = subscribe(&app, &token, &rx.url, &["contacts.created"]).await;
    // Another node holds the subscription (it is delivering, or it died).
    let far = app.clock_ms() + 3_600_000;
    app.sql(&format!(
        "update webhook_subscriptions set lease_owner = 'other-node', lease_until = {far} where id = '{hook}'"
    ))
    .await;
    create(&app, &token, "contacts", json!({"firstName": "Held"})).await;
    rx.assert_quiet(Duration::from_millis(1500)).await;
    // Its lease runs out: this node takes over.
    app.sql(&format!(
        "update webhook_subscriptions set lease_until = {} where id = '{hook}'",
        app.clock_ms() - 1
    ))
    .await;
    assert_eq!(rx.expect().await.json["data"]["firstName"], "Held");
}

/// The log a token sees for `hook`, once `n` attempts are in it.
async fn log_of(app: &crate::helpers::TestApp, token: &str, hook: &str, n: usize) -> Vec<String> {
    let path = format!("/services/ccaas/v1/webhooks/{hook}/deliveries");
    let started = Instant::now();
    loop {
        let (_, _, log) = json_of(app.get_with_token(&path, token).await).await;
        let ids: Vec<String> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["eventId"].as_str().unwrap().to_owned())
            .collect();
        if ids.len() >= n || started.elapsed() > Duration::from_secs(3) {
            return ids;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn maintenance_forgets_history_older_than_a_week(backend: Backend) {
    let app = spawn_for_hooks(backend).await;
    let (_, token) = app.account_with_token("Tidy Co", RW).await;
    let mut rx = Receiver::start().await;
    let (hook, _) = subscribe(&app, &token, &rx.url, &["contacts.created"]).await;
    create(&app, &token, "contacts", json!({"firstName": "Old"})).await;
    let old = rx.expect().await;
    assert_eq!(log_of(&app, &token, &hook, 1).await, [old.event_id()]);

    app.clock.advance(chrono::Duration::days(8));
    create(&app, &token, "contacts", json!({"firstName": "New"})).await;
    let new = rx.expect().await;
    assert_eq!(log_of(&app, &token, &hook, 2).await.len(), 2);

    let purged = app.services.maintain().await.unwrap();
    assert!(purged >= 2, "the old log row and outbox row: {purged}");
    assert_eq!(
        log_of(&app, &token, &hook, 1).await,
        [new.event_id()],
        "only the week-old attempt is forgotten"
    );
    // The new event can still be sent again; the subscription stays.
    let (status, _, _) = json_of(
        app.get_with_token(&format!("/services/ccaas/v1/webhooks/{hook}"), &token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}
