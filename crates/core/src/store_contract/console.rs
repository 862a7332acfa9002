//! One-time token reveals, and when a rotated-out token stops working.

use super::fixtures::{app_with_token, audited, new_account, now};
use crate::ids::new_id;
use crate::model::reveal::Reveal;
use crate::store::{OldTokens, Store};
use crate::token::TokenHash;
use chrono::Duration;

pub(super) async fn run(store: &dyn Store) {
    let a = new_account(store, "Reveals").await;
    let mine = TokenHash::of("session one");
    let r = Reveal {
        id: new_id(),
        account_id: a.id.clone(),
        session_hash: mine.clone(),
        private_app_id: "app".into(),
        sealed: "sealed".into(),
        created_at: now(),
        expires_at: now() + Duration::minutes(10),
    };
    store.insert_reveal(&r).await.unwrap();
    let other = TokenHash::of("session two");
    assert!(
        store
            .take_reveal(&r.id, &other, now())
            .await
            .unwrap()
            .is_none(),
        "another session cannot take it"
    );
    let taken = store
        .take_reveal(&r.id, &mine, now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (taken.sealed.as_str(), taken.private_app_id.as_str()),
        ("sealed", "app")
    );
    assert!(
        store
            .take_reveal(&r.id, &mine, now())
            .await
            .unwrap()
            .is_none(),
        "taken once, gone"
    );
    let late = Reveal {
        id: new_id(),
        expires_at: now() - Duration::seconds(1),
        ..r
    };
    store.insert_reveal(&late).await.unwrap();
    assert!(
        store
            .take_reveal(&late.id, &mine, now())
            .await
            .unwrap()
            .is_none(),
        "an expired reveal is never shown"
    );

    // A rotation with grace leaves the old token working until then; none without.
    let (mut app, token, _) = app_with_token(&a, None);
    store
        .insert_private_app(&app, &token, &audited(&a.id))
        .await
        .unwrap();
    assert_eq!(
        store
            .old_token_valid_until(&a.id, &app.id, now())
            .await
            .unwrap(),
        None
    );
    let until = now() + Duration::days(1);
    let (_, mut fresh, _) = app_with_token(&a, None);
    fresh.private_app_id = Some(app.id.clone());
    app.current_token_id = fresh.id.clone();
    store
        .rotate_private_app(&app, &fresh, OldTokens::ExpireAt(until), &audited(&a.id))
        .await
        .unwrap();
    assert_eq!(
        store
            .old_token_valid_until(&a.id, &app.id, now())
            .await
            .unwrap(),
        Some(until)
    );
    assert_eq!(
        store
            .old_token_valid_until(&a.id, &app.id, until + Duration::seconds(1))
            .await
            .unwrap(),
        None,
        "past the grace period"
    );
    assert_eq!(
        store
            .old_token_valid_until("other-account", &app.id, now())
            .await
            .unwrap(),
        None,
        "never across accounts"
    );
}
