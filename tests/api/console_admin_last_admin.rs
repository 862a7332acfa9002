//! The last-admin rule on the console's Users page: the last admin cannot be
//! demoted or deactivated, even by two admins demoting each other at once.

use crate::console_admin::{admin_and_member, users};
use crate::helpers::{json_of, Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    the_last_admin_cannot_be_demoted_or_deactivated,
    two_admins_demoting_each_other_leave_one_admin,
);

async fn the_last_admin_cannot_be_demoted_or_deactivated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _member, _) = admin_and_member(&app).await;
    let me = users(&admin)
        .await
        .into_iter()
        .find(|u| u["role"] == "admin")
        .unwrap();
    let me = me["id"].as_str().unwrap();

    for action in ["demote", "deactivate"] {
        let path = format!("/settings/users/{me}/{action}");
        // The confirmation step first, then the refusal, with a message on the page.
        let ask = admin.browser.get(&path).await;
        assert_eq!(ask.status(), StatusCode::OK);
        let res = admin
            .browser
            .post_form(&path, &[("csrf_token", &admin.csrf)])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{action}");
        let page = admin
            .browser
            .get("/settings/users")
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("last active admin"), "{action}: {page}");
    }
    let after = users(&admin)
        .await
        .into_iter()
        .find(|u| u["id"] == me)
        .unwrap();
    assert_eq!(
        (after["role"].as_str(), after["active"].as_bool()),
        (Some("admin"), Some(true))
    );
    // The admin API refuses the same changes.
    for patch in [json!({"role": "member"}), json!({"active": false})] {
        let (status, _, err) = json_of(
            admin
                .admin(Method::PATCH, &format!("/users/{me}"), Some(patch))
                .await,
        )
        .await;
        assert_eq!(
            (status, err["error"].as_str()),
            (StatusCode::CONFLICT, Some("last_admin"))
        );
    }
}

/// Two admins each demote the other at the same moment: one change must
/// lose, or the account would be left with no admin at all.
async fn two_admins_demoting_each_other_leave_one_admin(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (a, b, b_id) = admin_and_member(&app).await;
    let a_id = users(&a)
        .await
        .into_iter()
        .find(|u| u["id"] != b_id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for round in 0..10 {
        app.sql(&format!(
            "update users set role = 'admin' where id in ('{a_id}', '{b_id}')"
        ))
        .await;
        let (pa, pb) = (format!("/users/{b_id}"), format!("/users/{a_id}"));
        let demote = json!({"role": "member"});
        let (ra, rb) = tokio::join!(
            a.admin(Method::PATCH, &pa, Some(demote.clone())),
            b.admin(Method::PATCH, &pb, Some(demote.clone())),
        );
        let statuses = [ra.status(), rb.status()];
        assert!(
            statuses.contains(&StatusCode::OK),
            "round {round}: {statuses:?}"
        );
        assert_eq!(active_admins(&app).await, 1, "round {round}: {statuses:?}");
    }
}

/// How many active admins the database holds (the rows a no-op update touches).
async fn active_admins(app: &TestApp) -> u64 {
    app.sql("update users set updated_at = updated_at where role = 'admin' and active = 1")
        .await
}
