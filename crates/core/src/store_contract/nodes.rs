//! Two nodes on one database: a change made through one store reaches a
//! look-up cached by the other within a second. The backends' tests call
//! it with two stores of their own, outside [`super::run_all`].

use super::fixtures::{app, app_with_token, audited, client, new_account, now};
use crate::model::oauth::OAuthApp;
use crate::scope::ScopeSet;
use crate::store::{Store, TokenLookup};
use crate::token::{PlainToken, TokenHash};

/// Two nodes on one database: what `writer` changes, `reader` sees within
/// SPEC S3's one second, although `reader` had the token's (or the OAuth
/// client's) look-up cached.
pub async fn changes_reach_other_nodes(writer: &dyn Store, reader: &dyn Store) {
    use std::time::{Duration as StdDuration, Instant};
    // Poll `reader` until `done` holds of its look-up; return how long it took.
    async fn within_a_second(
        reader: &dyn Store,
        plain: &PlainToken,
        done: impl Fn(Option<&TokenLookup>) -> bool,
    ) -> StdDuration {
        let started = Instant::now();
        loop {
            let found = reader.find_token(&plain.hash()).await.unwrap();
            if done(found.as_ref()) {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < StdDuration::from_secs(1),
                "the change did not reach the other node within 1 s"
            );
            tokio::time::sleep(StdDuration::from_millis(10)).await;
        }
    }

    let a = new_account(writer, "Nodes").await;
    let (mut app, token, plain) = app_with_token(&a, None);
    writer
        .insert_private_app(&app, &token, &audited(&app.account_id))
        .await
        .unwrap();
    for _ in 0..3 {
        // Cached on the reader from here on.
        assert!(reader.find_token(&plain.hash()).await.unwrap().is_some());
    }

    app.scopes = ScopeSet::parse_spaced("calls.read").unwrap();
    writer
        .update_private_app(&app, &audited(&app.account_id))
        .await
        .unwrap();
    let want = app.scopes.clone();
    within_a_second(reader, &plain, |f| f.is_some_and(|f| f.scopes == want)).await;

    writer
        .revoke_token(&token.id, now(), &audited(&token.account_id))
        .await
        .unwrap();
    within_a_second(reader, &plain, |f| {
        f.is_some_and(|f| f.token.revoked_at.is_some())
    })
    .await;

    assert!(writer
        .delete_private_app(&a.id, &app.id, &audited(&a.id))
        .await
        .unwrap());
    within_a_second(reader, &plain, |f| f.is_none()).await;

    client_changes_reach_other_nodes(writer, reader).await;
}

/// Two nodes on one database: a client created, its secret rotated, or the
/// app deleted through `writer` is seen so by `reader` within SPEC S3's
/// second, although `reader` had looked the client up just before.
async fn client_changes_reach_other_nodes(writer: &dyn Store, reader: &dyn Store) {
    use std::time::{Duration as StdDuration, Instant};
    async fn within_a_second(
        reader: &dyn Store,
        client_id: &str,
        done: impl Fn(Option<&OAuthApp>) -> bool,
    ) {
        let started = Instant::now();
        loop {
            let found = client(reader, client_id).await;
            if done(found.as_ref().map(|(a, _)| a)) {
                return;
            }
            assert!(
                started.elapsed() < StdDuration::from_secs(1),
                "the client change did not reach the other node within 1 s"
            );
            tokio::time::sleep(StdDuration::from_millis(10)).await;
        }
    }

    let owner = super::fixtures::new_account(writer, "Client Nodes").await;
    let mut a = app(&owner);
    assert!(client(reader, &a.client_id).await.is_none());
    writer
        .insert_oauth_app(&a, &audited(&a.account_id))
        .await
        .unwrap();
    within_a_second(reader, &a.client_id, |f| f.is_some()).await;
    for _ in 0..3 {
        assert!(client(reader, &a.client_id).await.is_some());
    }

    a.secret_hash = Some(TokenHash::of("rotated on the writer"));
    writer
        .update_oauth_app(&a, &audited(&a.account_id))
        .await
        .unwrap();
    within_a_second(reader, &a.client_id, |f| {
        f.and_then(|f| f.secret_hash.as_ref())
            .is_some_and(|h| h.ct_eq(&TokenHash::of("rotated on the writer")))
    })
    .await;

    assert!(writer
        .delete_oauth_app(&owner.id, &a.id, &audited(&owner.id))
        .await
        .unwrap());
    within_a_second(reader, &a.client_id, |f| f.is_none()).await;

    grant_changes_reach_other_nodes(writer, reader).await;
}

/// Two nodes on one database: a grant revoked through `writer` is no longer
/// live on `reader` within SPEC S3's second, although `reader` had looked
/// it up just before.
async fn grant_changes_reach_other_nodes(writer: &dyn Store, reader: &dyn Store) {
    use std::time::{Duration as StdDuration, Instant};
    let granted = super::fixtures::granted_app(writer, "Grant Nodes").await;
    let (app_id, subject) = (&granted.app.id, &granted.admin.id);
    for _ in 0..3 {
        assert!(reader
            .find_live_grant(app_id, subject)
            .await
            .unwrap()
            .is_some());
    }
    writer
        .revoke_grant(&granted.grant.id, now(), &audited(&granted.owner.id))
        .await
        .unwrap();
    let started = Instant::now();
    while reader
        .find_live_grant(app_id, subject)
        .await
        .unwrap()
        .is_some()
    {
        assert!(
            started.elapsed() < StdDuration::from_secs(1),
            "the grant's revocation did not reach the other node within 1 s"
        );
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
}
