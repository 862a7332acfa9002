//! What issuing tokens leaves in a node's cache: nothing it had cached may
//! be dropped, or every grant would cost every node its cached look-ups.
//! Seen from two stores on one SQLite file, which do not notify each other:
//! a change made through one shows on the other only once the other's
//! cache has been dropped (or its entries have expired).

use super::fixtures::{audited, code, granted_app, now, oauth_token, GrantedApp};
use crate::ids::new_id;
use crate::store::Store;
use crate::token::TokenKind;
use chrono::Duration;
use std::time::{Duration as StdDuration, Instant};

/// Shorter than any cache lifetime a store may use (SPEC S3 allows up to
/// 1 s): past it, a look-up may have expired and the test proves nothing.
const FRESH: StdDuration = StdDuration::from_millis(400);

/// `writer` and `node` share a database but not notifications.
pub async fn issuing_tokens_keeps_cached_lookups(writer: &dyn Store, node: &dyn Store) {
    let GrantedApp {
        owner,
        admin,
        app: a,
        grant: g,
    } = granted_app(writer, "Cache").await;
    let issue = || oauth_token(TokenKind::OAuthAccess, &g, &new_id(), "contacts.read");
    let (cached, cached_rec) = issue();
    writer
        .insert_tokens(&g.id, now(), std::slice::from_ref(&cached_rec))
        .await
        .unwrap();

    // What `node` sees of the first token: revoked or not.
    let seen_revoked = || async {
        node.find_token(&cached.hash())
            .await
            .unwrap()
            .expect("the token is there")
            .token
            .revoked_at
            .is_some()
    };
    // Cached on `node`, then revoked behind its back.
    assert!(!seen_revoked().await);
    let cached_at = Instant::now();
    writer
        .revoke_token(&cached_rec.id, now(), &audited(&owner.id))
        .await
        .unwrap();

    // `node` issues: a token under the grant, and a code's tokens.
    node.insert_tokens(&g.id, now(), &[issue().1])
        .await
        .unwrap();
    let c = code(&a, &admin, &g, now() + Duration::minutes(1));
    writer.insert_code(&c).await.unwrap();
    assert!(node
        .redeem_code(&c.id, &g.id, now(), &[issue().1])
        .await
        .unwrap());
    let still_cached = !seen_revoked().await;
    if cached_at.elapsed() < FRESH {
        assert!(still_cached, "issuing tokens dropped the node's cache");
    }

    // The control: a change made through `node` itself drops its cache, so
    // the revocation made elsewhere shows.
    let (_, other) = issue();
    node.insert_tokens(&g.id, now(), std::slice::from_ref(&other))
        .await
        .unwrap();
    node.revoke_token(&other.id, now(), &audited(&owner.id))
        .await
        .unwrap();
    assert!(seen_revoked().await);
}

/// A grant's look-up (cached by a store that caches) follows every write
/// of the grant through the same store: scopes saved, revoked, saved again.
pub(super) async fn grant_lookups_follow_grant_writes(store: &dyn Store) {
    let GrantedApp {
        owner,
        admin,
        app: a,
        grant: g,
    } = granted_app(store, "Grant cache").await;
    let live = || async { store.find_live_grant(&a.id, &admin.id).await.unwrap() };
    for _ in 0..3 {
        assert_eq!(live().await.map(|l| l.id), Some(g.id.clone()));
    }
    let mut wider = g.clone();
    wider.scopes = crate::scope::ScopeSet::parse_spaced("contacts.read calls.read").unwrap();
    store.save_grant(&wider, &audited(&owner.id)).await.unwrap();
    assert_eq!(live().await.map(|l| l.scopes), Some(wider.scopes.clone()));
    store
        .revoke_grant(&g.id, now(), &audited(&owner.id))
        .await
        .unwrap();
    assert!(live().await.is_none(), "a revoked grant is not live");
    assert!(live().await.is_none());
    store.save_grant(&g, &audited(&owner.id)).await.unwrap();
    assert_eq!(live().await.map(|l| l.scopes), Some(g.scopes.clone()));
}
