//! Writes on the data API that are safe to race and to retry (SPEC S6):
//! ETags and If-Match, and idempotency keys that replay the first answer and
//! make concurrent retries create one record.

use crate::helpers::{json_of, Backend, TestApp};
use crate::records::{data_api, ALL_DATA};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    etags_and_if_match,
    idempotency_keys_replay_and_concurrent_retries_create_one,
);

async fn etags_and_if_match(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = data_api(&app, "Etags", ALL_DATA).await;
    let id = api.create("contacts", json!({"firstName": "A"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = app.url(&format!("/services/ccaas/v1/contacts/{id}"));
    let patch = |etag: &'static str, name: &'static str| {
        app.api()
            .patch(&path)
            .bearer_auth(&api.token)
            .header("if-match", etag)
            .json(&json!({"firstName": name}))
            .send()
    };
    assert_eq!(patch("\"v1\"", "B").await.unwrap().status(), StatusCode::OK);
    let (status, _, err) = json_of(patch("\"v1\"", "C").await.unwrap()).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "stale ETag");
    assert_eq!(err["error"], "precondition_failed");
    assert!(err["message"].as_str().unwrap().contains("\"v2\""));
    assert_eq!(
        patch("garbage", "C").await.unwrap().status(),
        StatusCode::PRECONDITION_FAILED
    );
    let (_, _, now) = json_of(
        api.call(Method::GET, &format!("/contacts/{id}"), None)
            .await,
    )
    .await;
    assert_eq!(now["firstName"], "B", "the refused writes changed nothing");
    assert_eq!(patch("*", "D").await.unwrap().status(), StatusCode::OK);
    let del = |etag: &'static str| {
        app.api()
            .delete(&path)
            .bearer_auth(&api.token)
            .header("if-match", etag)
            .send()
    };
    assert_eq!(
        del("\"v2\"").await.unwrap().status(),
        StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(
        del("\"v3\"").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
}

async fn idempotency_keys_replay_and_concurrent_retries_create_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = data_api(&app, "Idem", ALL_DATA).await;
    let post = |key: &'static str, body: Value| {
        app.api()
            .post(app.url("/services/ccaas/v1/tickets"))
            .bearer_auth(&api.token)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let (status, first_headers, first) =
        json_of(post("k-1", json!({"subject": "once"})).await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, headers, replay) =
        json_of(post("k-1", json!({"subject": "once"})).await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(replay, first, "the replay is the first answer");
    assert_eq!(headers["location"], first_headers["location"]);
    assert_eq!(headers["idempotent-replayed"], "true");
    let (status, _, err) =
        json_of(post("k-1", json!({"subject": "different"})).await.unwrap()).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::CONFLICT, Some("idempotency_key_reused"))
    );

    // Ten concurrent retries of one request: exactly one record.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let req = app
            .api()
            .post(app.url("/services/ccaas/v1/tickets"))
            .bearer_auth(&api.token)
            .header("idempotency-key", "k-race")
            .json(&json!({"subject": "race"}));
        tasks.spawn(async move { json_of(req.send().await.unwrap()).await });
    }
    let mut ids = std::collections::HashSet::new();
    while let Some(done) = tasks.join_next().await {
        let (status, _, body) = done.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.insert(body["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1, "every retry got the same record");
    let (_, headers, _) = api.list("/tickets").await;
    assert_eq!(headers["x-total-count"], "2");
    // A key older than 24 h is forgotten.
    app.clock.advance(chrono::Duration::hours(25));
    let (_, _, again) = json_of(post("k-1", json!({"subject": "once"})).await.unwrap()).await;
    assert_ne!(again["id"], first["id"]);
}
