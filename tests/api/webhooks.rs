//! Webhooks through the data API (SPEC S9): signed deliveries in the S9
//! format, only the subscribed events, wildcards, the subscription's life
//! (list, get, delete, owner and account isolation), scopes, and a
//! Zapier-style REST-hook run.

use crate::helpers::{json_of, Backend, TestApp};
use crate::webhook_receiver::{create, spawn_for_hooks, subscribe, Receiver, RW};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

on_both_backends!(
    deliveries_are_signed_in_the_s9_format_within_two_seconds,
    only_subscribed_events_arrive_and_wildcards_match,
    subscriptions_are_listed_shown_and_deleted_and_stop_delivering,
    another_account_or_app_cannot_see_or_delete_a_subscription,
    subscribing_needs_the_modules_read_scope_and_valid_input,
    deleting_the_private_app_removes_its_subscriptions,
    admin_api_lists_and_deletes_every_subscription_of_the_account,
    zapier_style_rest_hook_subscribe_receive_unsubscribe,
);

async fn deliveries_are_signed_in_the_s9_format_within_two_seconds(backend: Backend) {
    let app = spawn_for_hooks(backend).await;
    let (_, token) = app.account_with_token("Sig Co", RW).await;
    let mut rx = Receiver::start().await;
    let (_, secret) = subscribe(&app, &token, &rx.url, &["contacts.created"]).await;
    assert!(secret.starts_with("whsec_"), "{secret}");

    let committed = Instant::now();
    let id = create(&app, &token, "contacts", json!({"firstName": "Ada"})).await;
    let hit = rx.expect().await;
    assert!(
        hit.at.duration_since(committed) < Duration::from_secs(2),
        "first attempt {:?} after the commit",
        hit.at.duration_since(committed)
    );
    assert_eq!(hit.content_type, "application/json");
    assert_eq!(hit.kind(), "contacts.created");
    assert_eq!(hit.json["data"]["id"], id.as_str());
    assert_eq!(hit.json["data"]["firstName"], "Ada");
    let keys: Vec<&String> = hit.json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["createdAt", "data", "id", "type"]);
    assert!(hit.json["createdAt"].as_str().unwrap().ends_with('Z'));

    // t=<unix>,v1=<64 hex>, over "<t>.<body>" with the secret's UTF-8 bytes.
    let (t, v1) = hit.signature.split_once(',').unwrap();
    let t: i64 = t.strip_prefix("t=").unwrap().parse().unwrap();
    let v1 = v1.strip_prefix("v1=").unwrap();
    assert_eq!(v1.len(), 64);
    assert!(v1
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert!((chrono::Utc::now().timestamp() - t).abs() < 60);
    let expected = switchboard_core::webhooks::signature::sign(&secret, t, hit.body.as_bytes());
    assert_eq!(hit.signature, expected);
    // Another secret or a changed body do not verify.
    let verify = switchboard_core::webhooks::signature::verify;
    let now = chrono::Utc::now().timestamp();
    assert!(verify(&secret, &hit.signature, hit.body.as_bytes(), now, 300).is_ok());
    assert!(verify("whsec_other", &hit.signature, hit.body.as_bytes(), now, 300).is_err());
    assert!(verify(&secret, &hit.signature, b"{}", now, 300).is_err());
}

async fn only_subscribed_events_arrive_and_wildcards_match(backend: Backend) {
    let app = spawn_for_hooks(backend).await;
    let (_, token) = app.account_with_token("Filter Co", RW).await;
    let mut created_only = Receiver::start().await;
    let mut tickets_all = Receiver::start().await;
    subscribe(&app, &token, &created_only.url, &["contacts.created"]).await;
    subscribe(&app, &token, &tickets_all.url, &["tickets.*"]).await;

    let contact = create(&app, &token, "contacts", json!({"firstName": "A"})).await;
    let res = app
        .api()
        .patch(app.url(&format!("/services/ccaas/v1/contacts/{contact}")))
        .bearer_auth(&token)
        .json(&json!({"lastName": "B"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let ticket = create(&app, &token, "tickets", json!({"subject": "Help"})).await;
    let res = app
        .api()
        .delete(app.url(&format!("/services/ccaas/v1/tickets/{ticket}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    assert_eq!(created_only.expect().await.kind(), "contacts.created");
    let first = tickets_all.expect().await;
    assert_eq!(first.kind(), "tickets.created");
    assert_eq!(first.json["data"]["subject"], "Help");
    let deleted = tickets_all.expect().await;
    assert_eq!(deleted.kind(), "tickets.deleted");
    assert_eq!(deleted.json["data"], json!({"id": ticket}));
    created_only.assert_quiet(Duration::from_millis(700)).await;
    tickets_all.assert_quiet(Duration::from_millis(100)).await;
}

async fn subscriptions_are_listed_shown_and_deleted_and_stop_delivering(backend: Backend) {
    let app = spawn_for_hooks(backend).await;
    let (_, token) = app.account_with_token("Life Co", RW).await;
    let mut rx = Receiver::start().await;
    let (id, secret) = subscribe(&app, &token, &rx.url, &["contacts.*"]).await;
    let path = format!("/services/ccaas/v1/webhooks/{id}");

    let (status, _, list) = json_of(
        app.get_with_token("/services/ccaas/v1/webhooks", &token)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["targetUrl"], rx.url.as_str());
    assert_eq!(list[0]["events"], json!(["contacts.*"]));
    let (status, _, one) = json_of(app.get_with_token(&path, &token).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["id"], id.as_str());
    // The secret is shown once, at subscription.
    assert!(!one.to_string().contains(&secret));
    assert!(!list.to_string().contains(&secret));

    create(&app, &token, "contacts", json!({"firstName": "Before"})).await;
    assert_eq!(rx.expect().await.json["data"]["firstName"], "Before");

    let res = app
        .api()
        .delete(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_with_token(&path, &token).await.status(),
        StatusCode::NOT_FOUND
    );
    let again = app
        .api()
        .delete(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    create(&app, &token, "contacts", json!({"firstName": "After"})).await;
    rx.assert_quiet(Duration::from_millis(1500)).await;
}

async fn another_account_or_app_cannot_see_or_delete_a_subscription(backend: Backend) {
    let app = spawn_for_hooks(backend).await;
    let (console, token) = app.account_with_token("Owner Co", RW).await;
    let (_, stranger) = app.account_with_token("Stranger Co", RW).await;
    let sibling = console.create_private_app("sibling", RW).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let rx = Receiver::start().await;
    let (id, _) = subscribe(&app, &token, &rx.url, &["contacts.created"]).await;
    let path = format!("/services/ccaas/v1/webhooks/{id}");

    for other in [&stranger, &sibling] {
        let (status, _, err) = json_of(app.get_with_token(&path, other).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(err["error"], "not_found");
        let del = app
            .api()
            .delete(app.url(&path))
            .bearer_auth(other)
            .send()
            .await
            .unwrap();
        assert_eq!(del.status(), StatusCode::NOT_FOUND);
        let deliveries = app
            .get_with_token(&format!("{path}/deliveries"), other)
            .await;
        assert_eq!(deliveries.status(), StatusCode::NOT_FOUND);
        let (_, _, list) = json_of(
            app.get_with_token("/services/ccaas/v1/webhooks", other)
                .await,
        )
        .await;
        assert_eq!(list, json!([]));
    }
    assert_eq!(
        app.get_with_token(&path, &token).await.status(),
        StatusCode::OK
    );
}

async fn subscribing_needs_the_modules_read_scope_and_valid_input(backend: Backend) {
    let app = spawn_for_hooks(backend).await;
    let (_, tickets_only) = app
        .account_with_token("Scope Co", &["tickets.read", "contacts.write"])
        .await;
    let post = |token: String, body: serde_json::Value| {
        let req = app
            .api()
            .post(app.url("/services/ccaas/v1/webhooks"))
            .bearer_auth(token)
            .json(&body);
        async move { json_of(req.send().await.unwrap()).await }
    };
    let url = "http://127.0.0.1:9/hook";
    // contacts.write does not imply contacts.read.
    let (status, headers, err) = post(
        tickets_only.clone(),
        json!({"targetUrl": url, "events": ["tickets.*", "contacts.created"]}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(err["error"], "insufficient_scope");
    let www = headers["www-authenticate"].to_str().unwrap();
    assert!(www.contains(r#"scope="contacts.read""#), "{www}");
    let (status, headers, _) = post(
        tickets_only.clone(),
        json!({"targetUrl": url, "events": ["security.*"]}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(headers["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("admin.read"));

    for (body, field) in [
        (
            json!({"targetUrl": "/relative", "events": ["tickets.*"]}),
            "targetUrl",
        ),
        (
            json!({"targetUrl": "ftp://example.com/x", "events": ["tickets.*"]}),
            "targetUrl",
        ),
        (
            json!({"targetUrl": url, "events": ["tickets.closed"]}),
            "events[0]",
        ),
        (json!({"targetUrl": url, "events": []}), "events"),
    ] {
        let (status, _, err) = post(tickets_only.clone(), body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(err["error"], "invalid_request");
        assert_eq!(err["field"], field, "{body}");
    }
    let (status, _, _) = post(
        tickets_only.clone(),
        json!({"targetUrl": url, "events": ["tickets.*"], "extra": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = post(
        tickets_only,
        json!({"targetUrl": url, "events": ["tickets.*"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // No token: 401.
    let res = app
        .api()
        .post(app.url("/services/ccaas/v1/webhooks"))
        .json(&json!({"targetUrl": url, "events": ["tickets.*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn deleting_the_private_app_removes_its_subscriptions(backend: Backend) {
    let app = spawn_for_hooks(backend).await;
    let (console, writer) = app.account_with_token("Gone Co", RW).await;
    let hook_app = console.create_private_app("zap", &["contacts.read"]).await;
    let hook_token = hook_app["token"].as_str().unwrap();
    let mut rx = Receiver::start().await;
    let (id, _) = subscribe(&app, hook_token, &rx.url, &["contacts.created"]).await;
    let res = console
        .admin(
            Method::DELETE,
            &format!("/private-apps/{}", hook_app["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (_, _, all) = json_of(console.admin(Method::GET, "/webhooks", None).await).await;
    assert!(!all.to_string().contains(&id), "{all}");
    create(
        &app,
        &writer,
        "contacts",
        json!({"firstName": "Nobody hears"}),
    )
    .await;
    rx.assert_quiet(Duration::from_millis(1500)).await;
}

async fn admin_api_lists_and_deletes_every_subscription_of_the_account(backend: Backend) {
    let app = spawn_for_hooks(backend).await;
    let (console, token) = app.account_with_token("Admin Co", RW).await;
    let (other_console, other_token) = app.account_with_token("Other Admin Co", RW).await;
    let rx = Receiver::start().await;
    let (mine, _) = subscribe(&app, &token, &rx.url, &["contacts.*"]).await;
    let (theirs, _) = subscribe(&app, &other_token, &rx.url, &["contacts.*"]).await;

    let (status, _, list) = json_of(console.admin(Method::GET, "/webhooks", None).await).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [mine.as_str()]);
    let res = console
        .admin(Method::DELETE, &format!("/webhooks/{theirs}"), None)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = console
        .admin(Method::DELETE, &format!("/webhooks/{mine}"), None)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (_, _, list) = json_of(console.admin(Method::GET, "/webhooks", None).await).await;
    assert_eq!(list, json!([]));
    // Both writes are audited, naming who made them and what.
    let (_, _, log) = json_of(
        console
            .admin(Method::GET, "/audit-log?limit=100", None)
            .await,
    )
    .await;
    let entry = |action: &str| {
        log.as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == action && e["target"] == mine.as_str())
            .unwrap_or_else(|| panic!("no {action} of {mine} in {log}"))
            .clone()
    };
    assert!(entry("webhook.created")["actor"]
        .as_str()
        .unwrap()
        .starts_with("private_app:"));
    assert!(entry("webhook.deleted")["actor"]
        .as_str()
        .unwrap()
        .starts_with("user:"));
    let (_, _, list) = json_of(other_console.admin(Method::GET, "/webhooks", None).await).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // A token without admin.read may not use the admin API.
    let res = app
        .get_with_token("/services/admin/v1/webhooks", &token)
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

async fn zapier_style_rest_hook_subscribe_receive_unsubscribe(backend: Backend) {
    let app = spawn_for_hooks(backend).await;
    let (console, writer) = app.account_with_token("Zap Co", RW).await;
    // Zapier's "New Contact" trigger: its own app, read scope only.
    let zap = console
        .create_private_app("Zapier", &["contacts.read"])
        .await;
    let zap_token = zap["token"].as_str().unwrap();
    assert_eq!(app.me(zap_token).await.status(), StatusCode::OK);
    let mut rx = Receiver::start().await;
    let (hook, _) = subscribe(&app, zap_token, &rx.url, &["contacts.created"]).await;

    let id = create(
        &app,
        &writer,
        "contacts",
        json!({"firstName": "Zed", "primaryEmail": "zed@example.com"}),
    )
    .await;
    let hit = rx.expect().await;
    assert_eq!(hit.json["data"]["id"], id.as_str());
    assert_eq!(hit.json["data"]["primaryEmail"], "zed@example.com");

    let res = app
        .api()
        .delete(app.url(&format!("/services/ccaas/v1/webhooks/{hook}")))
        .bearer_auth(zap_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    create(&app, &writer, "contacts", json!({"firstName": "Unheard"})).await;
    rx.assert_quiet(Duration::from_millis(1500)).await;
    let _ = TestApp::url(&app, "/");
}
