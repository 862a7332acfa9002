//! OAuth apps in the storage contract: stored, found, changed and deleted,
//! with the client look-up following every change at once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::ids::new_id;
use crate::model::account::Account;
use crate::model::oauth::{AccessTokenLifetime, Grant, OAuthApp};
use crate::store::{Store, StoreError};
use crate::store_contract::fixtures::{app, audited, client, now, oauth_token, scopes};
use crate::token::{TokenHash, TokenKind};

/// An app round-trips through the store, and the client look-up follows every
/// change to it at once.
pub(super) async fn apps_round_trip(
    store: &dyn Store,
    owner: &Account,
    other: &Account,
) -> OAuthApp {
    let mut a = app(owner);
    // Looked up (and found missing) before it exists: its creation counts.
    assert!(client(store, &a.client_id).await.is_none());
    store
        .insert_oauth_app(&a, &audited(&a.account_id))
        .await
        .unwrap();
    assert!(
        client(store, &a.client_id).await.is_some(),
        "usable at once"
    );
    let mut dup = app(owner);
    dup.client_id = a.client_id.clone();
    assert!(matches!(
        store
            .insert_oauth_app(&dup, &audited(&dup.account_id))
            .await,
        Err(StoreError::Unique(crate::store::Constraint::OAuthClientId))
    ));
    let (found, owner_name) = store
        .find_oauth_app_by_client_id(&a.client_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.id.as_str(), owner_name.as_str()),
        (a.id.as_str(), "Owner")
    );
    assert_eq!(found.redirect_uris, a.redirect_uris);
    assert_eq!(found.access_token_lifetime, AccessTokenLifetime::OneHour);
    assert!(
        store
            .get_oauth_app(&other.id, &a.id)
            .await
            .unwrap()
            .is_none(),
        "scoped to its account"
    );
    a.scopes = scopes("contacts.read offline_access");
    a.secret_hash = Some(TokenHash::of("rotated"));
    store
        .update_oauth_app(&a, &audited(&a.account_id))
        .await
        .unwrap();
    let again = store.get_oauth_app_by_id(&a.id).await.unwrap().unwrap();
    assert_eq!(again.scopes, a.scopes);
    assert!(again.secret_hash.unwrap().ct_eq(&TokenHash::of("rotated")));
    // The client look-up (cached above) follows every change at once.
    let (cached, _) = client(store, &a.client_id).await.unwrap();
    assert_eq!(cached.scopes, a.scopes);
    assert!(
        cached
            .secret_hash
            .is_some_and(|h| h.ct_eq(&TokenHash::of("rotated"))),
        "a rotated secret is the one checked, at once"
    );
    let logo = crate::model::logo::Logo {
        id: new_id(),
        account_id: owner.id.clone(),
        content_type: "image/png",
        bytes: vec![1, 2, 3],
        created_at: now(),
    };
    store
        .replace_logo(
            crate::model::logo::LogoOwner::OAuthApp,
            &owner.id,
            &a.id,
            Some(&logo),
            None,
            &audited(&owner.id),
        )
        .await
        .unwrap();
    a.logo_id = Some(logo.id.clone());
    assert_eq!(
        client(store, &a.client_id).await.unwrap().0.logo_id,
        a.logo_id
    );
    assert!(store
        .rename_account(&owner.id, "Owner Renamed", now(), &audited(&owner.id))
        .await
        .unwrap());
    assert_eq!(
        client(store, &a.client_id).await.unwrap().1,
        "Owner Renamed"
    );
    assert_eq!(store.list_oauth_apps(&owner.id).await.unwrap().len(), 1);
    a
}

/// Deleting the app takes the rest: its tokens, and its client at once.
pub(super) async fn deleting_an_app_takes_the_rest(
    store: &dyn Store,
    owner: &Account,
    a: &OAuthApp,
    own: &Grant,
) {
    let (t, rec) = oauth_token(TokenKind::OAuthAccess, own, &new_id(), "contacts.read");
    store.insert_tokens(&own.id, now(), &[rec]).await.unwrap();
    assert!(client(store, &a.client_id).await.is_some());
    assert!(store
        .delete_oauth_app(&owner.id, &a.id, &audited(&owner.id))
        .await
        .unwrap());
    assert!(store.find_token(&t.hash()).await.unwrap().is_none());
    assert!(
        client(store, &a.client_id).await.is_none(),
        "a deleted client is gone at once"
    );
    assert!(!store
        .delete_oauth_app(&owner.id, &a.id, &audited(&owner.id))
        .await
        .unwrap());
}
