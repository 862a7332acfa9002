//! Purging in the storage contract: expired codes, and OAuth tokens dead
//! for longer than the retention window.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::ids::new_id;
use crate::model::account::User;
use crate::model::oauth::{Grant, OAuthApp};
use crate::store::{Store, TokenRecord};
use crate::store_contract::fixtures::{code, now, oauth_token};
use crate::token::TokenKind;
use chrono::Duration;

/// Expired codes and consents are purged.
pub(super) async fn expired_codes_are_purged(
    store: &dyn Store,
    owner_admin: &User,
    a: &OAuthApp,
    own: &Grant,
) {
    let expired = code(a, owner_admin, own, now() - Duration::minutes(1));
    store.insert_code(&expired).await.unwrap();
    let long_ago = now() - Duration::days(3650);
    store
        .purge_expired(long_ago, long_ago, long_ago, long_ago, now())
        .await
        .unwrap();
    assert!(store.find_code(&expired.code_hash).await.unwrap().is_none());
}

/// OAuth tokens expired or revoked before the retention cut-off go; the
/// rest stay (live ones, and dead ones still inside the window).
pub(super) async fn old_oauth_tokens_are_purged(store: &dyn Store, own: &Grant) {
    let long_ago = now() - Duration::days(3650);
    let cutoff = now() - Duration::days(7);
    let token = |expires: Option<Duration>, revoked: Option<Duration>| {
        let (t, mut rec) = oauth_token(TokenKind::OAuthAccess, own, &new_id(), "contacts.read");
        rec.expires_at = expires.map(|d| now() - d);
        rec.revoked_at = revoked.map(|d| now() - d);
        (t, rec)
    };
    let old_expired = token(Some(Duration::days(8)), None);
    let old_revoked = token(None, Some(Duration::days(8)));
    let recent_expired = token(Some(Duration::days(1)), None);
    let live = token(Some(Duration::days(-1)), None);
    let records: Vec<TokenRecord> = [&old_expired, &old_revoked, &recent_expired, &live]
        .iter()
        .map(|(_, r)| r.clone())
        .collect();
    store.insert_tokens(&own.id, now(), &records).await.unwrap();
    let purged = store
        .purge_expired(long_ago, long_ago, long_ago, cutoff, now())
        .await
        .unwrap();
    assert!(purged >= 2, "{purged}");
    for (t, _) in [&old_expired, &old_revoked] {
        assert!(store.find_token(&t.hash()).await.unwrap().is_none());
    }
    for (t, _) in [&recent_expired, &live] {
        assert!(store.find_token(&t.hash()).await.unwrap().is_some());
    }
}
