//! Private Apps and their tokens: create, look up, list, update, rotate
//! and delete an app, and how rotation and use change its token (an
//! earlier expiry stays; `last_used_at` moves at most once a throttle window).

use super::fixtures::{app_with_token, audited, new_account, now};
use crate::scope::ScopeSet;
use crate::store::{OldTokens, Store};
use crate::token::{PlainToken, TokenKind};
use chrono::Duration;

pub(super) async fn private_app_lifecycle(store: &dyn Store) {
    let a = new_account(store, "Apps").await;
    let other = new_account(store, "Other").await;
    let (mut app, token, plain) = app_with_token(&a, None);
    store
        .insert_private_app(&app, &token, &audited(&app.account_id))
        .await
        .unwrap();
    let (app2, token2, _) = app_with_token(&a, None);
    store
        .insert_private_app(&app2, &token2, &audited(&app2.account_id))
        .await
        .unwrap();

    let found = store.find_token(&plain.hash()).await.unwrap().unwrap();
    assert_eq!(found.token.id, token.id);
    assert!(found.token.hash.ct_eq(&plain.hash()));
    assert_eq!(found.account_name, "Apps");
    assert_eq!(found.scopes, app.scopes);
    assert!(store
        .find_token(&PlainToken::generate(TokenKind::PrivateApp).hash())
        .await
        .unwrap()
        .is_none());

    let listed: Vec<String> = store
        .list_private_apps(&a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.app.id)
        .collect();
    assert_eq!(listed.len(), 2);
    assert!(store.list_private_apps(&other.id).await.unwrap().is_empty());
    assert!(
        store
            .get_private_app(&other.id, &app.id)
            .await
            .unwrap()
            .is_none(),
        "scoped to the account"
    );

    app.name = "renamed".into();
    app.scopes = ScopeSet::parse_spaced("tickets.read").unwrap();
    store
        .update_private_app(&app, &audited(&app.account_id))
        .await
        .unwrap();
    assert_eq!(
        store
            .find_token(&plain.hash())
            .await
            .unwrap()
            .unwrap()
            .scopes,
        app.scopes,
        "scopes apply at once"
    );
    assert_eq!(
        store
            .get_private_app(&a.id, &app.id)
            .await
            .unwrap()
            .unwrap()
            .app
            .name,
        "renamed"
    );

    // Rotation that revokes now.
    let (_, mut fresh, fresh_plain) = app_with_token(&a, None);
    fresh.private_app_id = Some(app.id.clone());
    app.current_token_id = fresh.id.clone();
    store
        .rotate_private_app(
            &app,
            &fresh,
            OldTokens::RevokeNow,
            &audited(&app.account_id),
        )
        .await
        .unwrap();
    assert!(store
        .find_token(&plain.hash())
        .await
        .unwrap()
        .unwrap()
        .token
        .revoked_at
        .is_some());
    assert!(store
        .find_token(&fresh_plain.hash())
        .await
        .unwrap()
        .unwrap()
        .token
        .revoked_at
        .is_none());

    // Delete removes the app and its tokens; a second delete finds nothing;
    // another account cannot delete.
    assert!(!store
        .delete_private_app(&other.id, &app2.id, &audited(&other.id))
        .await
        .unwrap());
    assert!(store
        .delete_private_app(&a.id, &app.id, &audited(&a.id))
        .await
        .unwrap());
    assert!(!store
        .delete_private_app(&a.id, &app.id, &audited(&a.id))
        .await
        .unwrap());
    assert!(store
        .find_token(&fresh_plain.hash())
        .await
        .unwrap()
        .is_none());
    assert!(store
        .get_private_app(&a.id, &app2.id)
        .await
        .unwrap()
        .is_some());
}

pub(super) async fn rotation_never_extends_a_token(store: &dyn Store) {
    let a = new_account(store, "Grace").await;
    let soon = now() + Duration::minutes(10);
    let (mut app, token, plain) = app_with_token(&a, Some(soon));
    store
        .insert_private_app(&app, &token, &audited(&app.account_id))
        .await
        .unwrap();
    let (_, mut fresh, _) = app_with_token(&a, None);
    fresh.private_app_id = Some(app.id.clone());
    app.current_token_id = fresh.id.clone();
    store
        .rotate_private_app(
            &app,
            &fresh,
            OldTokens::ExpireAt(now() + Duration::days(1)),
            &audited(&app.account_id),
        )
        .await
        .unwrap();
    let old = store
        .find_token(&plain.hash())
        .await
        .unwrap()
        .unwrap()
        .token;
    assert_eq!(old.expires_at, Some(soon), "the earlier expiry stays");
    assert!(old.revoked_at.is_none());
    let view = store
        .get_private_app(&a.id, &app.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.app.current_token_id, fresh.id);
}

pub(super) async fn token_touch_is_throttled(store: &dyn Store) {
    let a = new_account(store, "Touch").await;
    let (app, token, plain) = app_with_token(&a, None);
    store
        .insert_private_app(&app, &token, &audited(&app.account_id))
        .await
        .unwrap();
    let t0 = now();
    store.touch_token(&token.id, t0, 60_000).await.unwrap();
    store
        .touch_token(&token.id, t0 + Duration::seconds(30), 60_000)
        .await
        .unwrap();
    assert_eq!(
        store
            .find_token(&plain.hash())
            .await
            .unwrap()
            .unwrap()
            .token
            .last_used_at,
        Some(t0)
    );
    store
        .touch_token(&token.id, t0 + Duration::seconds(61), 60_000)
        .await
        .unwrap();
    assert_eq!(
        store
            .find_token(&plain.hash())
            .await
            .unwrap()
            .unwrap()
            .token
            .last_used_at,
        Some(t0 + Duration::seconds(61))
    );
    store
        .revoke_token(&token.id, t0, &audited(&token.account_id))
        .await
        .unwrap();
    assert_eq!(
        store
            .find_token(&plain.hash())
            .await
            .unwrap()
            .unwrap()
            .token
            .revoked_at,
        Some(t0)
    );
}
