//! Storage contract cases for the Account page and reset links (password
//! resets, password changes, session lists, account renames), the last-admin
//! rule and audit paging. Called from `store_contract::run_all`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::fixtures::{account, audited, now, user};
use crate::ids::new_id;
use crate::model::account::Role;
use crate::model::audit::{AuditCursor, AuditEntry, AuditQuery};
use crate::model::session::{PasswordReset, Session};
use crate::store::{Store, StoreError};
use crate::token::{random_secret, TokenHash};
use chrono::Duration;

pub(crate) async fn run(store: &dyn Store) {
    password_resets_work_once(store).await;
    password_changes_keep_one_session(store).await;
    accounts_are_renamed(store).await;
    the_last_active_admin_stays(store).await;
    audit_pages_follow_the_cursor(store).await;
}

fn session(u: &crate::model::account::User, at: chrono::DateTime<chrono::Utc>) -> Session {
    Session {
        id_hash: TokenHash::of(&random_secret()),
        user_id: u.id.clone(),
        account_id: u.account_id.clone(),
        csrf_token: random_secret(),
        created_at: at,
        last_seen_at: at,
    }
}

async fn password_resets_work_once(store: &dyn Store) {
    let a = account("Reset");
    let u = user(&a, &format!("{}@reset.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&a, &u, &audited(&a.id))
        .await
        .unwrap();
    let s = session(&u, now());
    store.insert_session(&s).await.unwrap();
    let reset = |hash: TokenHash, expires| PasswordReset {
        token_hash: hash,
        account_id: a.id.clone(),
        user_id: u.id.clone(),
        created_by: "test".into(),
        created_at: now(),
        expires_at: expires,
        used_at: None,
    };
    let first = TokenHash::of("first");
    store
        .insert_password_reset(
            &reset(first.clone(), now() + Duration::hours(1)),
            &audited(&a.id),
        )
        .await
        .unwrap();
    let found = store.find_password_reset(&first).await.unwrap().unwrap();
    assert_eq!(
        (found.user_id.as_str(), found.used_at),
        (u.id.as_str(), None)
    );
    // A second link replaces the first.
    let second = TokenHash::of("second");
    store
        .insert_password_reset(
            &reset(second.clone(), now() + Duration::hours(1)),
            &audited(&a.id),
        )
        .await
        .unwrap();
    assert!(store.find_password_reset(&first).await.unwrap().is_none());
    assert!(!store
        .redeem_password_reset(&first, "h1", now(), &audited(&a.id))
        .await
        .unwrap());

    assert!(store
        .redeem_password_reset(&second, "new-hash", now(), &audited(&a.id))
        .await
        .unwrap());
    let after = store.get_user(&a.id, &u.id).await.unwrap().unwrap();
    assert_eq!(after.password_hash, "new-hash");
    assert!(
        store.find_session(&s.id_hash).await.unwrap().is_none(),
        "sessions end"
    );
    assert!(store
        .find_password_reset(&second)
        .await
        .unwrap()
        .unwrap()
        .used_at
        .is_some());
    // Once only.
    assert!(!store
        .redeem_password_reset(&second, "again", now(), &audited(&a.id))
        .await
        .unwrap());
    assert_eq!(
        store
            .get_user(&a.id, &u.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "new-hash"
    );
    // Expired links do nothing.
    let old = TokenHash::of("old");
    store
        .insert_password_reset(
            &reset(old.clone(), now() + Duration::milliseconds(5)),
            &audited(&a.id),
        )
        .await
        .unwrap();
    assert!(!store
        .redeem_password_reset(&old, "late", now() + Duration::seconds(1), &audited(&a.id))
        .await
        .unwrap());
}

async fn password_changes_keep_one_session(store: &dyn Store) {
    let a = account("Pw");
    let u = user(&a, &format!("{}@pw.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&a, &u, &audited(&a.id))
        .await
        .unwrap();
    let (keep, other, third) = (
        session(&u, now()),
        session(&u, now()),
        session(&u, now() + Duration::seconds(1)),
    );
    for s in [&keep, &other, &third] {
        store.insert_session(s).await.unwrap();
    }
    let listed = store.list_sessions(&u.id).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert!(
        listed[0].id_hash.ct_eq(&third.id_hash),
        "most recently seen first"
    );
    store
        .set_password(
            &u.id,
            "changed",
            Some(&keep.id_hash),
            now(),
            &audited(&a.id),
        )
        .await
        .unwrap();
    let listed = store.list_sessions(&u.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].id_hash.ct_eq(&keep.id_hash));
    assert_eq!(
        store
            .get_user(&a.id, &u.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "changed"
    );
    let more = session(&u, now());
    store.insert_session(&more).await.unwrap();
    assert_eq!(
        store
            .delete_other_sessions(&u.id, &keep.id_hash, &audited(&a.id))
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.list_sessions(&u.id).await.unwrap().len(), 1);
    store
        .set_password(&u.id, "again", None, now(), &audited(&a.id))
        .await
        .unwrap();
    assert!(store.list_sessions(&u.id).await.unwrap().is_empty());
}

async fn accounts_are_renamed(store: &dyn Store) {
    let a = account("Old name");
    let u = user(&a, &format!("{}@rename.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&a, &u, &audited(&a.id))
        .await
        .unwrap();
    assert!(store
        .rename_account(&a.id, "New name", now(), &audited(&a.id))
        .await
        .unwrap());
    assert_eq!(
        store.get_account(&a.id).await.unwrap().unwrap().name,
        "New name"
    );
    assert!(!store
        .rename_account("no-such-account", "x", now(), &audited(&a.id))
        .await
        .unwrap());
}

async fn the_last_active_admin_stays(store: &dyn Store) {
    let a = account("Admins");
    let first = user(&a, &format!("{}@admins.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&a, &first, &audited(&a.id))
        .await
        .unwrap();
    let mut second = user(&a, &format!("{}@admins.example", new_id()), Role::Admin);
    store.insert_user(&second, &audited(&a.id)).await.unwrap();
    second.role = Role::Member;
    store
        .update_user(&second, now(), &audited(&a.id))
        .await
        .unwrap();
    let mut demoted = first.clone();
    demoted.role = Role::Member;
    let refused = store.update_user(&demoted, now(), &audited(&a.id)).await;
    assert!(matches!(refused, Err(StoreError::LastAdmin)), "{refused:?}");
    let mut off = first.clone();
    off.active = false;
    let refused = store.update_user(&off, now(), &audited(&a.id)).await;
    assert!(matches!(refused, Err(StoreError::LastAdmin)), "{refused:?}");
    // A member's changes never count against the rule.
    second.active = false;
    store
        .update_user(&second, now(), &audited(&a.id))
        .await
        .unwrap();
    let kept = store.get_user(&a.id, &first.id).await.unwrap().unwrap();
    assert_eq!((kept.role, kept.active), (Role::Admin, true));
}

async fn audit_pages_follow_the_cursor(store: &dyn Store) {
    let a = account("Pages");
    let u = user(&a, &format!("{}@pages.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&a, &u, &audited(&a.id))
        .await
        .unwrap();
    // Five entries in the same millisecond: the id breaks the tie.
    let at = now();
    for _ in 0..5 {
        store
            .insert_audit(&AuditEntry::new(&a.id, "cli", "page.test", None, at))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut q = AuditQuery {
        action: Some("page.test".into()),
        limit: 2,
        ..AuditQuery::default()
    };
    loop {
        let page = store.list_audit(&a.id, &q).await.unwrap();
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        q.before = Some(AuditCursor {
            created_at: last.created_at,
            id: last.id.clone(),
        });
        seen.extend(page.into_iter().map(|e| e.id));
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        (seen.len(), unique.len()),
        (5, 5),
        "every entry once: {seen:?}"
    );
}
