//! Consents and grants in the storage contract: consents bound to their
//! session, one grant per app and subject, revoked with their tokens, the
//! app's own grant, and a deactivated user's grants.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::tokens::revoked;
use crate::ids::new_id;
use crate::model::account::{Account, User};
use crate::model::oauth::{Consent, Grant, OAuthApp, APP_SUBJECT};
use crate::model::session::Session;
use crate::store::Store;
use crate::store_contract::fixtures::{audited, grant, now, oauth_token, scopes};
use crate::token::{TokenHash, TokenKind};
use chrono::Duration;

/// Consent transactions are bound to their session and taken once.
pub(super) async fn consents_are_bound_to_their_session(
    store: &dyn Store,
    other: &Account,
    member: &User,
    a: &OAuthApp,
) {
    let session = Session {
        id_hash: TokenHash::of(&new_id()),
        user_id: member.id.clone(),
        account_id: other.id.clone(),
        csrf_token: "csrf".into(),
        created_at: now(),
        last_seen_at: now(),
    };
    store.insert_session(&session).await.unwrap();
    let consent = Consent {
        id_hash: TokenHash::of(&new_id()),
        session_hash: session.id_hash.clone(),
        user_id: member.id.clone(),
        app_id: a.id.clone(),
        redirect_uri: "https://a.example/cb".into(),
        scopes: scopes("contacts.read"),
        state: Some("s".into()),
        code_challenge: None,
        created_at: now(),
        expires_at: now() + Duration::minutes(10),
    };
    store.insert_consent(&consent).await.unwrap();
    let elsewhere = TokenHash::of("another session");
    assert!(store
        .take_consent(&consent.id_hash, &elsewhere)
        .await
        .unwrap()
        .is_none());
    let taken = store
        .take_consent(&consent.id_hash, &session.id_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.state.as_deref(), Some("s"));
    assert!(
        store
            .take_consent(&consent.id_hash, &session.id_hash)
            .await
            .unwrap()
            .is_none(),
        "single use"
    );
}

/// One grant per app and subject: saving again keeps its id.
pub(super) async fn one_grant_per_app_and_subject(
    store: &dyn Store,
    owner: &Account,
    other: &Account,
    member: &User,
    a: &OAuthApp,
) -> Grant {
    let g = store
        .save_grant(
            &grant(a, member, "contacts.read"),
            &audited(&member.account_id),
        )
        .await
        .unwrap();
    let g2 = store
        .save_grant(
            &grant(a, member, "contacts.read offline_access"),
            &audited(&member.account_id),
        )
        .await
        .unwrap();
    assert_eq!(g.id, g2.id);
    assert_eq!(g2.scopes, scopes("contacts.read offline_access"));
    let live = store
        .find_live_grant(&a.id, &member.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        live.account_id, other.id,
        "the grant reaches the authorizing user's account"
    );
    let views = store
        .list_grants(&other.id, Some(&member.id))
        .await
        .unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].user_email.as_deref(), Some(member.email.as_str()));
    assert!(store.list_grants(&owner.id, None).await.unwrap().is_empty());
    g2
}

/// Revoking a grant revokes its tokens; consenting again revives it.
pub(super) async fn revoking_a_grant_revokes_its_tokens(
    store: &dyn Store,
    other: &Account,
    member: &User,
    a: &OAuthApp,
    g2: &Grant,
) -> Grant {
    let (t, rec) = oauth_token(TokenKind::OAuthAccess, g2, &new_id(), "contacts.read");
    store.insert_tokens(&g2.id, now(), &[rec]).await.unwrap();
    store
        .revoke_grant(&g2.id, now(), &audited(&g2.account_id))
        .await
        .unwrap();
    assert!(revoked(store, &t).await);
    assert!(store
        .find_live_grant(&a.id, &member.id)
        .await
        .unwrap()
        .is_none());
    assert!(store.list_grants(&other.id, None).await.unwrap().is_empty());
    let revived = store
        .save_grant(
            &grant(a, member, "contacts.read"),
            &audited(&member.account_id),
        )
        .await
        .unwrap();
    assert_eq!(revived.id, g2.id);
    assert!(revoked(store, &t).await, "old tokens stay revoked");
    revived
}

/// An app's own grant (client_credentials) lives beside users' grants.
pub(super) async fn an_apps_own_grant_lives_beside_users_grants(
    store: &dyn Store,
    owner: &Account,
    owner_admin: &User,
    a: &OAuthApp,
    revived: &Grant,
) -> Grant {
    let own = Grant {
        user_id: None,
        subject: APP_SUBJECT.into(),
        account_id: owner.id.clone(),
        ..grant(a, owner_admin, "contacts.read")
    };
    let own = store
        .save_grant(&own, &audited(&own.account_id))
        .await
        .unwrap();
    assert_ne!(own.id, revived.id);
    own
}

/// Deactivating a user revokes their grants and tokens.
pub(super) async fn deactivating_a_user_revokes_their_grants(
    store: &dyn Store,
    mut member: User,
    a: &OAuthApp,
    revived: &Grant,
) {
    let (t, rec) = oauth_token(TokenKind::OAuthAccess, revived, &new_id(), "contacts.read");
    store
        .insert_tokens(&revived.id, now(), &[rec])
        .await
        .unwrap();
    member.active = false;
    store
        .update_user(&member, now(), &audited(&member.account_id))
        .await
        .unwrap();
    assert!(revoked(store, &t).await);
    assert!(store
        .find_live_grant(&a.id, &member.id)
        .await
        .unwrap()
        .is_none());
}
