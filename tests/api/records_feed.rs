//! The change feed of the data API (SPEC S6): ordered and complete, page by
//! page and under concurrent writers.

use crate::helpers::{Backend, TestApp};
use crate::records::{data_api, ALL_DATA};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(change_feed_is_ordered_and_complete);

async fn change_feed_is_ordered_and_complete(backend: Backend) {
    // Many requests on one token: lift the rate limit, which is tested elsewhere.
    let app = TestApp::spawn_with(backend, |c| c.rate_limit_per_10s = 1_000_000).await;
    let api = data_api(&app, "Feed", ALL_DATA).await;
    let a = api.create("contacts", json!({"firstName": "a"})).await;
    let a_id = a["id"].as_str().unwrap();
    api.call(
        Method::PATCH,
        &format!("/contacts/{a_id}"),
        Some(json!({"firstName": "a2"})),
    )
    .await;
    let b = api.create("contacts", json!({"firstName": "b"})).await;
    api.call(Method::DELETE, &format!("/contacts/{a_id}"), None)
        .await;

    let (status, _, feed) = api.list("/contacts/changes").await;
    assert_eq!(status, StatusCode::OK);
    let changes = feed["changes"].as_array().unwrap();
    let summary: Vec<(String, String)> = changes
        .iter()
        .map(|c| {
            (
                c["op"].as_str().unwrap().to_owned(),
                c["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("upsert".into(), a_id.to_owned()),
            ("upsert".into(), a_id.to_owned()),
            ("upsert".into(), b["id"].as_str().unwrap().to_owned()),
            ("delete".into(), a_id.to_owned()),
        ]
    );
    assert_eq!(
        changes[1]["record"]["firstName"], "a2",
        "the record as of that change"
    );
    assert!(changes[3].get("record").is_none(), "no record on deletes");
    assert_eq!(feed["nextCursor"], changes[3]["cursor"]);

    // Following the cursor in small pages sees the same sequence.
    let mut cursor: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let q = match &cursor {
            Some(c) => format!("/contacts/changes?limit=1&since={c}"),
            None => "/contacts/changes?limit=1".to_owned(),
        };
        let (_, _, page) = api.list(&q).await;
        let items = page["changes"].as_array().unwrap().clone();
        if items.is_empty() {
            assert_eq!(
                page["nextCursor"].as_str(),
                cursor.as_deref(),
                "an empty page keeps the cursor"
            );
            break;
        }
        seen.extend(items);
        cursor = page["nextCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(&seen, changes);

    // Concurrent writers and a reader racing them: the reader sees every change once, in order.
    let writers = 4;
    let per_writer = 15;
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..writers {
        let client = app.api();
        let url = app.url("/services/ccaas/v1/tickets");
        let token = api.token.clone();
        tasks.spawn(async move {
            for i in 0..per_writer {
                let res = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"subject": format!("w{w}-{i}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), StatusCode::CREATED);
            }
        });
    }
    let mut cursor = "c0".to_owned();
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (_, _, page) = api
            .list(&format!("/tickets/changes?since={cursor}&limit=7"))
            .await;
        seen.extend(
            page["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
        cursor = page["nextCursor"].as_str().unwrap().to_owned();
        if seen.len() >= writers * per_writer || std::time::Instant::now() > deadline {
            break;
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let (_, _, rest) = api.list(&format!("/tickets/changes?since={cursor}")).await;
    assert_eq!(
        rest["changes"],
        json!([]),
        "nothing after the reader caught up"
    );
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(seen.len(), writers * per_writer, "each change exactly once");
    assert_eq!(unique.len(), seen.len());
    let (_, _, full) = api.list("/tickets/changes?limit=1000").await;
    let full_ids: Vec<String> = full["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, full_ids, "in commit order");
}
