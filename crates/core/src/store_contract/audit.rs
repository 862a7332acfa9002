//! The audit log: its filters (action, actor, time window, limit, account)
//! and that an entry commits with the write it records, or neither does.

use super::fixtures::{app_with_token, audited, new_account, now};
use crate::audit::{AuditEntry, AuditQuery};
use crate::store::Store;
use chrono::Duration;

pub(super) async fn audit_log_filters(store: &dyn Store) {
    let a = new_account(store, "Audit").await;
    let t0 = now();
    for (i, action) in ["x.created", "x.deleted", "x.created"].iter().enumerate() {
        let at = t0 + Duration::seconds(i as i64);
        store
            .insert_audit(&AuditEntry::new(
                &a.id,
                if i == 0 { "user:1" } else { "cli" },
                action,
                None,
                at,
            ))
            .await
            .unwrap();
    }
    let all = store
        .list_audit(
            &a.id,
            &AuditQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 4, "three entries and the account's creation");
    assert!(all[0].created_at >= all[2].created_at, "newest first");
    let created = AuditQuery {
        action: Some("x.created".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(store.list_audit(&a.id, &created).await.unwrap().len(), 2);
    let by_actor = AuditQuery {
        actor: Some("user:1".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(store.list_audit(&a.id, &by_actor).await.unwrap().len(), 1);
    let window = AuditQuery {
        since: Some(t0 + Duration::seconds(1)),
        until: Some(t0 + Duration::seconds(2)),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(store.list_audit(&a.id, &window).await.unwrap().len(), 1);
    assert_eq!(
        store
            .list_audit(
                &a.id,
                &AuditQuery {
                    limit: 1,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store
        .list_audit(
            "someone-else",
            &AuditQuery {
                limit: 10,
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .is_empty());
}

/// A write and its audit entry commit together: when the entry cannot be
/// written (here: it names an account that does not exist), the change is
/// not made either; when it succeeds, the entry is there, with its address.
pub(super) async fn audit_entries_commit_with_their_change(store: &dyn Store) {
    let a = new_account(store, "Audited").await;
    let nowhere = audited("no-such-account");
    let (app, token, _) = app_with_token(&a, None);
    assert!(store
        .insert_private_app(&app, &token, &nowhere)
        .await
        .is_err());
    assert!(store.list_private_apps(&a.id).await.unwrap().is_empty());

    let mut entry = AuditEntry::new(&a.id, "user:1", "private_app.created", Some(&app.id), now());
    entry.ip = Some("203.0.113.9".into());
    store
        .insert_private_app(&app, &token, &entry)
        .await
        .unwrap();
    let mut renamed = app.clone();
    renamed.name = "renamed".into();
    assert!(store.update_private_app(&renamed, &nowhere).await.is_err());
    let kept = store
        .get_private_app(&a.id, &app.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        kept.app.name, app.name,
        "the update rolled back with its entry"
    );
    assert!(store
        .revoke_token(&token.id, now(), &nowhere)
        .await
        .is_err());
    assert!(store
        .find_token(&token.hash)
        .await
        .unwrap()
        .unwrap()
        .token
        .revoked_at
        .is_none());

    let log = store
        .list_audit(
            &a.id,
            &AuditQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let seen: Vec<(&str, Option<&str>)> = log
        .iter()
        .filter(|e| e.action != "contract.write")
        .map(|e| (e.action.as_str(), e.ip.as_deref()))
        .collect();
    assert_eq!(seen, vec![("private_app.created", Some("203.0.113.9"))]);
}
