//! The Webhooks page in headless Chromium, clicked as a person would: an
//! app subscribes through the data API to a receiver on 127.0.0.1, a
//! contact is created, and the admin finds the subscription from the
//! settings navigation, reads its deliveries, redelivers one (it arrives
//! again) and deletes the subscription after the confirmation. Members are
//! not shown the page. Screenshots at 1280 and 390 px, checked by axe-core.

use crate::browser_admin::{sign_in, text_of};
use crate::browser_support::{check_page, flash_text, submit, wait_for_path};
use crate::helpers::{json_of, webdriver, Backend, Console, TestApp, PASSWORD};
use crate::webhook_receiver::{create, spawn_for_hooks, subscribe, Receiver, Reply};
use fantoccini::{Client, Locator};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The account's deliveries of `hook` (admin API, newest first), once
/// there are at least `n`.
async fn deliveries(console: &Console, hook: &str, n: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let (status, _, log) = json_of(
            console
                .admin(Method::GET, &format!("/webhooks/{hook}/deliveries"), None)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{log}");
        let log = log.as_array().unwrap().clone();
        if log.len() >= n {
            return log;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{n} deliveries of {hook} were not logged: {log:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The ids of the account's subscriptions in the admin API.
async fn listed(console: &Console) -> Vec<String> {
    let (status, _, list) = json_of(console.admin(Method::GET, "/webhooks", None).await).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Open the Webhooks page through the settings navigation.
async fn open_from_nav(c: &Client, app: &TestApp) {
    c.goto(&app.url("/settings")).await.unwrap();
    submit(c, "nav.side a[href='/settings/webhooks']").await;
    wait_for_path(c, "/settings/webhooks").await;
    let current = c
        .find(Locator::Css("nav.side a[aria-current=page]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(current, "Webhooks");
}

/// The cells of each delivery row of the subscription `hook`, by label.
async fn delivery_rows(c: &Client, hook: &str) -> Vec<Vec<(String, String)>> {
    let rows = c
        .find_all(Locator::Css(&format!("#webhook-{hook} tbody tr")))
        .await
        .unwrap();
    let mut out = Vec::new();
    for row in rows {
        let mut cells = Vec::new();
        for td in row.find_all(Locator::Css("td[data-label]")).await.unwrap() {
            let label = td.attr("data-label").await.unwrap().unwrap();
            cells.push((label, td.text().await.unwrap()));
        }
        out.push(cells);
    }
    out
}

fn cell<'a>(row: &'a [(String, String)], label: &str) -> &'a str {
    row.iter()
        .find(|(l, _)| l == label)
        .map(|(_, t)| t.as_str())
        .unwrap_or_else(|| panic!("no {label} cell in {row:?}"))
}

#[tokio::test]
async fn an_admin_reads_redelivers_and_deletes_a_webhook_in_the_browser() {
    let Some(driver) = webdriver().await else {
        return;
    };
    let c = &driver.client;
    let app = spawn_for_hooks(Backend::Sqlite).await;
    let console = app.sign_up("Hook Co", "ada@hooks.example").await;
    // Zapier-style: an app that may only read contacts subscribes; another
    // app writes them.
    let zap = console
        .create_private_app("Zapier", &["contacts.read"])
        .await;
    let zap_token = zap["token"].as_str().unwrap().to_owned();
    let crm = console
        .create_private_app("CRM sync", &["contacts.read", "contacts.write"])
        .await;
    let writer = crm["token"].as_str().unwrap().to_owned();

    sign_in(c, &app, "ada@hooks.example", PASSWORD).await;
    open_from_nav(c, &app).await;
    let empty = text_of(c, "main .empty").await;
    assert!(empty.contains("No webhooks"), "{empty}");
    check_page(c, "webhooks-empty").await;

    // A subscription with a long target URL (the receiver answers any
    // path), and one whose target times out, to show a failure.
    let mut rx = Receiver::start().await;
    let target = format!(
        "{}/catch/4417305/3b9xq2kzv7-contacts-created-production-workspace?source=switchboard",
        rx.url
    );
    let (hook, _) = subscribe(&app, &zap_token, &target, &["contacts.created"]).await;
    let mut slow = Receiver::start().await;
    slow.script([Reply::Sleep(Duration::from_millis(1500))]);
    let (slow_hook, _) = subscribe(&app, &writer, &slow.url, &["contacts.*"]).await;
    create(&app, &writer, "contacts", json!({"firstName": "Hedy"})).await;
    let first = rx.expect().await;
    assert_eq!(first.kind(), "contacts.created");
    slow.expect().await;
    let log = deliveries(&console, &hook, 1).await;
    assert_eq!(log[0]["status"], 200, "{log:?}");
    let slow_log = deliveries(&console, &slow_hook, 1).await;
    assert_eq!(slow_log[0]["status"], Value::Null, "{slow_log:?}");

    // The page: target, app, events, and the delivery with its status,
    // latency and attempt.
    open_from_nav(c, &app).await;
    let section = format!("#webhook-{hook}");
    assert_eq!(text_of(c, &format!("{section} h2")).await, target);
    let head = text_of(c, &format!("{section} .card-head")).await;
    assert!(
        head.contains("Zapier") && head.contains("contacts.created"),
        "{head}"
    );
    let rows = delivery_rows(c, &hook).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let latency = log[0]["latencyMs"].as_i64().unwrap();
    assert!(cell(&rows[0], "Event").contains("contacts.created"));
    assert_eq!(cell(&rows[0], "Status"), "200");
    assert_eq!(cell(&rows[0], "Latency"), format!("{latency} ms"));
    assert_eq!(cell(&rows[0], "Attempt"), "1");
    // The failure says so, in words.
    let slow_rows = delivery_rows(c, &slow_hook).await;
    assert_eq!(slow_rows.len(), 1, "{slow_rows:?}");
    let status = cell(&slow_rows[0], "Status");
    assert!(
        status.contains("No answer") && status.contains("Retry"),
        "{status}"
    );
    check_page(c, "webhooks").await;

    // Redeliver: the same event arrives again, and the page logs it.
    submit(c, &format!("{section} td.actions button[type=submit]")).await;
    wait_for_path(c, "/settings/webhooks").await;
    assert!(flash_text(c).await.contains("sent again"));
    let again = rx.expect().await;
    assert_eq!(again.event_id(), first.event_id());
    assert_eq!(again.body, first.body);
    deliveries(&console, &hook, 2).await;
    c.refresh().await.unwrap();
    let rows = delivery_rows(c, &hook).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| cell(r, "Status") == "200"), "{rows:?}");
    check_page(c, "webhooks-redelivered").await;

    // Delete asks first; Cancel keeps it, Delete removes it.
    submit(c, &format!("{section} a[href$='/delete']")).await;
    let question = text_of(c, ".confirm").await;
    assert!(question.contains(&target), "{question}");
    check_page(c, "webhooks-confirm-delete").await;
    submit(c, ".confirm a.btn-secondary").await;
    wait_for_path(c, "/settings/webhooks").await;
    c.find(Locator::Css(&section)).await.unwrap();
    assert!(listed(&console).await.contains(&hook), "cancel keeps it");
    submit(c, &format!("{section} a[href$='/delete']")).await;
    submit(c, "#confirm").await;
    wait_for_path(c, "/settings/webhooks").await;
    assert!(flash_text(c).await.contains("Webhook deleted"));
    assert!(c.find(Locator::Css(&section)).await.is_err(), "still shown");
    assert!(!c.source().await.unwrap().contains(&target));
    c.find(Locator::Css(&format!("#webhook-{slow_hook}")))
        .await
        .expect("the other subscription stays");
    assert_eq!(listed(&console).await, [slow_hook]);
    // Nothing more is sent to it.
    create(&app, &writer, "contacts", json!({"firstName": "Unheard"})).await;
    rx.assert_quiet(Duration::from_millis(800)).await;
    driver.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_member_is_not_shown_the_webhooks_page() {
    let Some(driver) = webdriver().await else {
        return;
    };
    let c = &driver.client;
    let app = spawn_for_hooks(Backend::Sqlite).await;
    let admin = app
        .sign_up("Member Hook Co", "boss@memberhook.example")
        .await;
    let zap = admin.create_private_app("Zapier", &["contacts.read"]).await;
    let rx = Receiver::start().await;
    let (hook, _) = subscribe(
        &app,
        zap["token"].as_str().unwrap(),
        &rx.url,
        &["contacts.created"],
    )
    .await;
    let res = admin
        .admin(
            Method::POST,
            "/users",
            Some(json!({"email": "mo@memberhook.example", "name": "Mo Member", "password": PASSWORD, "role": "member"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    sign_in(c, &app, "mo@memberhook.example", PASSWORD).await;
    let nav = text_of(c, "nav.side").await;
    assert!(
        !nav.contains("Webhooks"),
        "a member is shown Webhooks: {nav}"
    );
    // As on the other admin pages: Not allowed, inside the layout.
    for path in [
        "/settings/webhooks".to_owned(),
        format!("/settings/webhooks/{hook}/delete"),
    ] {
        c.goto(&app.url(&path)).await.unwrap();
        let html = c.source().await.unwrap();
        assert!(
            html.contains("Not allowed")
                && html.contains("Only account admins")
                && html.contains("Sign out"),
            "{path} for a member: {html}"
        );
        assert!(!html.contains(&rx.url), "{path} shows the target");
    }
    check_page(c, "webhooks-member-403").await;

    // And the forms refuse them, whatever they send.
    let member = app.browser();
    member.log_in("mo@memberhook.example", PASSWORD, None).await;
    let csrf = member.page_csrf("/settings").await;
    assert_eq!(
        member.get("/settings/webhooks").await.status(),
        StatusCode::FORBIDDEN
    );
    let res = member
        .post_form(
            &format!("/settings/webhooks/{hook}/delete"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(listed(&admin).await, [hook]);
    driver.client.clone().close().await.unwrap();
}
