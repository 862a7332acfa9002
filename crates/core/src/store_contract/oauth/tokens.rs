//! Codes and OAuth tokens in the storage contract: a code redeemed once under
//! concurrency, refresh tokens rotated once, a family revoked as a whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::model::account::User;
use crate::model::oauth::{AuthCode, Grant, OAuthApp};
use crate::store::Store;
use crate::store_contract::fixtures::{audited, code, now, oauth_token, scopes};
use crate::token::{PlainToken, TokenKind};
use chrono::Duration;

/// Whether `t` is revoked, or gone from the store.
pub(super) async fn revoked(store: &dyn Store, t: &PlainToken) -> bool {
    store
        .find_token(&t.hash())
        .await
        .unwrap()
        .is_none_or(|l| l.token.revoked_at.is_some())
}

/// A code is redeemed exactly once, even by concurrent requests; returns the
/// code and the winner's access token.
pub(super) async fn codes_are_redeemed_once(
    store: &dyn Store,
    member: &User,
    a: &OAuthApp,
    g2: &Grant,
) -> (AuthCode, PlainToken) {
    let c = code(a, member, g2, now() + Duration::minutes(10));
    store.insert_code(&c).await.unwrap();
    assert_eq!(
        store.find_code(&c.code_hash).await.unwrap().unwrap().id,
        c.id
    );
    let attempts: Vec<_> = (0..4)
        .map(|_| {
            oauth_token(
                TokenKind::OAuthAccess,
                g2,
                &c.id,
                "contacts.read tickets.read",
            )
        })
        .collect();
    let (r0, r1, r2, r3) = tokio::join!(
        store.redeem_code(&c.id, &g2.id, now(), std::slice::from_ref(&attempts[0].1)),
        store.redeem_code(&c.id, &g2.id, now(), std::slice::from_ref(&attempts[1].1)),
        store.redeem_code(&c.id, &g2.id, now(), std::slice::from_ref(&attempts[2].1)),
        store.redeem_code(&c.id, &g2.id, now(), std::slice::from_ref(&attempts[3].1)),
    );
    let wins: Vec<bool> = [r0, r1, r2, r3].into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(wins.iter().filter(|w| **w).count(), 1, "{wins:?}");
    let winner = &attempts[wins.iter().position(|w| *w).unwrap()].0;
    let lookup = store.find_token(&winner.hash()).await.unwrap().unwrap();
    assert_eq!(lookup.client_id.as_deref(), Some(a.client_id.as_str()));
    assert_eq!(lookup.account_name, "Customer");
    assert_eq!(
        lookup.user.as_ref().map(|u| u.id.as_str()),
        Some(member.id.as_str())
    );
    assert_eq!(
        lookup.scopes,
        scopes("contacts.read"),
        "within the app's current scopes"
    );
    assert!(store
        .find_code(&c.code_hash)
        .await
        .unwrap()
        .unwrap()
        .used_at
        .is_some());
    for (plain, _) in attempts
        .iter()
        .filter(|(p, _)| p.expose() != winner.expose())
    {
        assert!(
            store.find_token(&plain.hash()).await.unwrap().is_none(),
            "losers stored nothing"
        );
    }
    (c, winner.clone())
}

/// A refresh token rotates once; its family can be revoked as a whole.
pub(super) async fn refresh_tokens_rotate_once(
    store: &dyn Store,
    member: &User,
    a: &OAuthApp,
    g2: &Grant,
    c: &AuthCode,
    winner: &PlainToken,
) {
    let (refresh, refresh_rec) = oauth_token(TokenKind::OAuthRefresh, g2, &c.id, "contacts.read");
    store
        .insert_tokens(&g2.id, now(), std::slice::from_ref(&refresh_rec))
        .await
        .unwrap();
    let (next_access, next_rec) = oauth_token(TokenKind::OAuthAccess, g2, &c.id, "contacts.read");
    assert!(store
        .rotate_refresh_token(&refresh_rec.id, &g2.id, now(), &[next_rec])
        .await
        .unwrap());
    let (late, late_rec) = oauth_token(TokenKind::OAuthAccess, g2, &c.id, "contacts.read");
    assert!(!store
        .rotate_refresh_token(&refresh_rec.id, &g2.id, now(), &[late_rec])
        .await
        .unwrap());
    assert!(store.find_token(&late.hash()).await.unwrap().is_none());
    let rotated = store.find_token(&refresh.hash()).await.unwrap().unwrap();
    assert!(rotated.token.rotated_at.is_some() && rotated.token.revoked_at.is_none());
    assert!(store
        .find_live_grant(&a.id, &member.id)
        .await
        .unwrap()
        .unwrap()
        .last_used_at
        .is_some());
    store
        .revoke_token_family(&c.id, now(), &audited(&c.account_id))
        .await
        .unwrap();
    assert!(
        revoked(store, winner).await
            && revoked(store, &next_access).await
            && revoked(store, &refresh).await
    );
}
