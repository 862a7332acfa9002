//! At-least-once across a crash (SPEC S9): the binary is SIGKILLed while
//! deliveries are pending and one is in flight; after a restart on the same
//! data every event of every acknowledged write arrives.

use crate::binary::{account_with_token, free_port, serve};
use crate::webhook_receiver::{Receiver, Reply};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::HashSet;
use std::time::{Duration, Instant};

const HOOKS: [(&str, &str); 3] = [
    ("SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE", "1"),
    ("SWITCHBOARD_WEBHOOK_RETRY_BASE_MS", "100"),
    ("SWITCHBOARD_WEBHOOK_TIMEOUT_MS", "5000"),
];

#[tokio::test]
async fn every_acknowledged_event_arrives_after_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let token = account_with_token(dir.path(), "contacts.read,contacts.write");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = serve(dir.path(), port, &HOOKS).await;
    let client = reqwest::Client::new();

    let mut rx = Receiver::start().await;
    // The first delivery hangs (in flight at the kill), the next ones fail.
    rx.script([Reply::Sleep(Duration::from_secs(30))]);
    rx.script(std::iter::repeat_n(Reply::Status(503), 1000));
    let res = client
        .post(format!("{base}/services/ccaas/v1/webhooks"))
        .bearer_auth(&token)
        .json(&json!({"targetUrl": rx.url, "events": ["contacts.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let mut ids = HashSet::new();
    for i in 0..20 {
        let res = client
            .post(format!("{base}/services/ccaas/v1/contacts"))
            .bearer_auth(&token)
            .json(&json!({"firstName": format!("k{i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: serde_json::Value = res.json().await.unwrap();
        ids.insert(body["id"].as_str().unwrap().to_owned());
    }
    rx.expect().await; // in flight
    server.kill();

    rx.clear_script();
    let _server = serve(dir.path(), port, &HOOKS).await;
    let started = Instant::now();
    let mut got = HashSet::new();
    while got.len() < ids.len() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "only {} of {} events arrived after the restart",
            got.len(),
            ids.len()
        );
        if let Some(hit) = rx.next(Duration::from_secs(1)).await {
            if hit.kind() == "contacts.created" {
                got.insert(hit.json["data"]["id"].as_str().unwrap().to_owned());
            }
        }
    }
    assert_eq!(got, ids);
}
