//! Accounts, users and sessions: sign-up refuses a taken email without
//! leaving half an account behind, users are seen only from their own
//! account, and deactivating a user ends their sessions.

use super::fixtures::{account, audited, new_account, now, user};
use crate::ids::new_id;
use crate::model::account::Role;
use crate::model::session::Session;
use crate::store::{Constraint, Store, StoreError};
use crate::token::TokenHash;
use chrono::Duration;

pub(super) async fn accounts_and_unique_emails(store: &dyn Store) {
    let a = account("A");
    store
        .create_account_with_admin(
            &a,
            &user(&a, "Dup@Example.com", Role::Admin),
            &audited(&a.id),
        )
        .await
        .unwrap();
    assert_eq!(store.get_account(&a.id).await.unwrap().unwrap().name, "A");
    assert!(store
        .list_accounts()
        .await
        .unwrap()
        .iter()
        .any(|listed| listed.id == a.id && listed.name == "A"));

    // The same email in another case, in a new account: refused, and the
    // account of the failed sign-up is not left behind.
    let b = account("B");
    let err = store
        .create_account_with_admin(
            &b,
            &user(&b, "dup@example.COM", Role::Admin),
            &audited(&b.id),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Unique(Constraint::UserEmail)),
        "{err:?}"
    );
    assert!(
        store.get_account(&b.id).await.unwrap().is_none(),
        "no half-written sign-up"
    );
    assert!(store
        .find_user_by_email("dup@example.com")
        .await
        .unwrap()
        .is_some());
}

pub(super) async fn users_are_scoped_to_their_account(store: &dyn Store) {
    let a = account("Scoped A");
    let admin = user(&a, &format!("{}@a.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&a, &admin, &audited(&a.id))
        .await
        .unwrap();
    let b = new_account(store, "Scoped B").await;

    assert!(store.get_user(&a.id, &admin.id).await.unwrap().is_some());
    assert!(
        store.get_user(&b.id, &admin.id).await.unwrap().is_none(),
        "another account's user is invisible"
    );
    let member = user(&a, &format!("{}@a.example", new_id()), Role::Member);
    store
        .insert_user(&member, &audited(&member.account_id))
        .await
        .unwrap();
    let listed: Vec<String> = store
        .list_users(&a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(listed, vec![admin.id.clone(), member.id.clone()]);
    assert_eq!(store.count_active_admins(&a.id).await.unwrap(), 1);
}

pub(super) async fn deactivation_ends_sessions(store: &dyn Store) {
    let a = account("Deactivate");
    let admin = user(&a, &format!("{}@d.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&a, &admin, &audited(&a.id))
        .await
        .unwrap();
    let mut member = user(&a, &format!("{}@d.example", new_id()), Role::Member);
    store
        .insert_user(&member, &audited(&member.account_id))
        .await
        .unwrap();
    let session = Session {
        id_hash: TokenHash::of(&new_id()),
        user_id: member.id.clone(),
        account_id: a.id.clone(),
        csrf_token: "csrf".into(),
        created_at: now(),
        last_seen_at: now(),
    };
    store.insert_session(&session).await.unwrap();
    let (found, u, acc) = store.find_session(&session.id_hash).await.unwrap().unwrap();
    assert_eq!(
        (found.csrf_token.as_str(), u.id.as_str(), acc.name.as_str()),
        ("csrf", member.id.as_str(), "Deactivate")
    );
    let later = now() + Duration::minutes(5);
    store.touch_session(&session.id_hash, later).await.unwrap();
    assert_eq!(
        store
            .find_session(&session.id_hash)
            .await
            .unwrap()
            .unwrap()
            .0
            .last_seen_at,
        later
    );

    member.active = false;
    store
        .update_user(&member, now(), &audited(&member.account_id))
        .await
        .unwrap();
    assert!(
        store
            .find_session(&session.id_hash)
            .await
            .unwrap()
            .is_none(),
        "sessions end with deactivation"
    );
    assert!(
        !store
            .get_user(&a.id, &member.id)
            .await
            .unwrap()
            .unwrap()
            .active
    );

    let admin_session = Session {
        id_hash: TokenHash::of(&new_id()),
        user_id: admin.id.clone(),
        ..session
    };
    store.insert_session(&admin_session).await.unwrap();
    store.delete_session(&admin_session.id_hash).await.unwrap();
    assert!(store
        .find_session(&admin_session.id_hash)
        .await
        .unwrap()
        .is_none());
}
