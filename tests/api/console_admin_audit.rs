//! The console's Audit log page: its filters and its pages.

use crate::console_admin::admin_and_member;
use crate::helpers::{Backend, TestApp};
use reqwest::StatusCode;

on_both_backends!(the_audit_log_page_filters_and_pages);

async fn the_audit_log_page_filters_and_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, member, _) = admin_and_member(&app).await;
    assert_eq!(
        member.browser.get("/settings/audit-log").await.status(),
        StatusCode::FORBIDDEN
    );
    // 60 Private Apps: more entries than one page holds.
    for i in 0..60 {
        admin
            .create_private_app(&format!("app {i}"), &["contacts.read"])
            .await;
    }
    let rows = |html: &str| html.matches("<td data-label=\"When\">").count();
    let first = admin
        .browser
        .get("/settings/audit-log?action=private_app.created")
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let html = first.text().await.unwrap();
    assert_eq!(rows(&html), 50);
    assert!(
        html.contains("<td data-label=\"What\">Private App created")
            && !html.contains("<td data-label=\"What\">User added")
    );
    let marker = "href=\"/settings/audit-log?";
    let older = html[html.rfind(marker).unwrap() + 6..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(older.contains("before="), "{older}");
    let html = admin.browser.get(&older).await.text().await.unwrap();
    assert_eq!(rows(&html), 10, "the rest, none twice");
    assert!(html.contains("Newest") && !html.contains("Older entries"));
    // Filters by actor and day; a range that ends before it starts is refused at the field.
    let res = admin
        .browser
        .get("/settings/audit-log?from=2020-01-02&to=2020-01-01")
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("id=\"f-to-error\""));
    let res = admin
        .browser
        .get("/settings/audit-log?from=yesterday")
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = admin
        .browser
        .get("/settings/audit-log?from=2020-01-01&to=2020-12-31")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(rows(&html), 0);
    assert!(html.contains("No entries match."));
    let bad = admin.browser.get("/settings/audit-log?before=1.x%27").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
