//! Tokens issued concurrently (a store may commit them together): each
//! caller's tokens are stored once its call returns, and one caller's bad
//! write fails alone, leaving none of its tokens and all of the others'.

use super::fixtures::{granted_app, now, oauth_token, GrantedApp};
use crate::ids::new_id;
use crate::store::{Store, TokenRecord};
use crate::token::{PlainToken, TokenKind};

pub(crate) async fn concurrent_issuance_fails_alone(store: &dyn Store) {
    let GrantedApp {
        owner: _, grant: g, ..
    } = granted_app(store, "Issuance").await;
    let issue = || oauth_token(TokenKind::OAuthAccess, &g, &new_id(), "contacts.read");
    let (_, taken) = issue();
    store
        .insert_tokens(&g.id, now(), std::slice::from_ref(&taken))
        .await
        .unwrap();

    let good: Vec<(PlainToken, TokenRecord)> = (0..7).map(|_| issue()).collect();
    // The bad call: a fresh token, then one whose id is already taken.
    let (lost, fresh) = issue();
    let (_, mut clash) = issue();
    clash.id = taken.id.clone();
    let bad = [fresh, clash];
    let one = |i: usize| std::slice::from_ref(&good[i].1);
    let (r0, r1, r2, r3, rb, r4, r5, r6) = tokio::join!(
        store.insert_tokens(&g.id, now(), one(0)),
        store.insert_tokens(&g.id, now(), one(1)),
        store.insert_tokens(&g.id, now(), one(2)),
        store.insert_tokens(&g.id, now(), one(3)),
        store.insert_tokens(&g.id, now(), &bad),
        store.insert_tokens(&g.id, now(), one(4)),
        store.insert_tokens(&g.id, now(), one(5)),
        store.insert_tokens(&g.id, now(), one(6)),
    );
    assert!(rb.is_err(), "a token id used twice");
    for r in [r0, r1, r2, r3, r4, r5, r6] {
        r.unwrap();
    }
    for (plain, _) in &good {
        assert!(store.find_token(&plain.hash()).await.unwrap().is_some());
    }
    assert!(
        store.find_token(&lost.hash()).await.unwrap().is_none(),
        "the failed call was half-written"
    );
}
