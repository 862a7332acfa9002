//! The console's Webhooks page: what a failed delivery says about its next
//! try.

use crate::helpers::{json_of, Backend, Console, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(the_webhooks_page_says_when_a_failed_delivery_is_tried_again);

/// The Webhooks page once `hook` has logged at least `n` deliveries.
async fn webhooks_page(console: &Console, hook: &str, n: usize) -> String {
    let started = std::time::Instant::now();
    loop {
        let (_, _, log) = json_of(
            console
                .admin(Method::GET, &format!("/webhooks/{hook}/deliveries"), None)
                .await,
        )
        .await;
        if log.as_array().unwrap().len() >= n {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{log}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let res = console.browser.get("/settings/webhooks").await;
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

async fn the_webhooks_page_says_when_a_failed_delivery_is_tried_again(backend: Backend) {
    use crate::webhook_receiver::{create, subscribe, Receiver, Reply, RW};
    // The first retry comes 2 to 4 minutes after a failure.
    let app = TestApp::spawn_with(backend, |c| {
        c.webhooks.allow_private = true;
        c.webhooks.timeout_ms = 500;
        c.webhooks.retry_base_ms = 240_000;
    })
    .await;
    let (console, token) = app.account_with_token("Retry Page Co", RW).await;
    let mut rx = Receiver::start().await;
    rx.script([Reply::Status(500)]);
    let (hook, _) = subscribe(&app, &token, &rx.url, &["contacts.created"]).await;
    create(&app, &token, "contacts", json!({"firstName": "Later"})).await;
    rx.expect().await;
    let html = webhooks_page(&console, &hook, 1).await;
    assert!(html.contains(r#"status status-failed">500<"#), "{html}");
    let next = html
        .split("Next try ")
        .nth(1)
        .unwrap_or_else(|| panic!("no next try: {html}"));
    assert!(
        ["in 2 minutes", "in 3 minutes", "in 4 minutes"]
            .iter()
            .any(|t| next.contains(&format!(">{t}</time>"))),
        "{next}"
    );

    // Its time comes: the retry succeeds, and the failed row says it was retried.
    app.clock.advance(chrono::Duration::minutes(5));
    rx.expect().await;
    let html = webhooks_page(&console, &hook, 2).await;
    assert!(html.contains(r#"status status-ok">200<"#), "{html}");
    assert!(html.contains(r#"class="delivery-note">Retried<"#), "{html}");
    assert!(!html.contains("Next try"), "{html}");
}
