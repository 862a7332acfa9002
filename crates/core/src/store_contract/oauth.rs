//! The OAuth part of the storage contract (see [`crate::store_contract`]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::fixtures::{app, audited, client, code, grant, now, oauth_token, scopes, user};
use crate::ids::new_id;
use crate::model::account::Role;
use crate::model::oauth::{AccessTokenLifetime, Consent, Grant, APP_SUBJECT};
use crate::model::session::Session;
use crate::store::{Store, StoreError, TokenRecord};
use crate::token::{PlainToken, TokenHash, TokenKind};
use chrono::Duration;

async fn revoked(store: &dyn Store, t: &PlainToken) -> bool {
    store
        .find_token(&t.hash())
        .await
        .unwrap()
        .is_none_or(|l| l.token.revoked_at.is_some())
}

pub async fn run(store: &dyn Store) {
    // App owned by account A, authorized by a member of account B.
    let owner = super::fixtures::account("Owner");
    let owner_admin = user(&owner, &format!("{}@o.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&owner, &owner_admin, &audited(&owner.id))
        .await
        .unwrap();
    let other = super::fixtures::account("Customer");
    let admin_b = user(&other, &format!("{}@c.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&other, &admin_b, &audited(&other.id))
        .await
        .unwrap();
    let mut member = user(&other, &format!("{}@c.example", new_id()), Role::Member);
    store
        .insert_user(&member, &audited(&member.account_id))
        .await
        .unwrap();

    let mut a = app(&owner);
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
    let mut dup = app(&owner);
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

    // Consent transactions are bound to their session and taken once.
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

    // One grant per app and subject: saving again keeps its id.
    let g = store
        .save_grant(
            &grant(&a, &member, "contacts.read"),
            &audited(&member.account_id),
        )
        .await
        .unwrap();
    let g2 = store
        .save_grant(
            &grant(&a, &member, "contacts.read offline_access"),
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

    // A code is redeemed exactly once, even by concurrent requests.
    let c = code(&a, &member, &g2, now() + Duration::minutes(10));
    store.insert_code(&c).await.unwrap();
    assert_eq!(
        store.find_code(&c.code_hash).await.unwrap().unwrap().id,
        c.id
    );
    let attempts: Vec<_> = (0..4)
        .map(|_| {
            oauth_token(
                TokenKind::OAuthAccess,
                &g2,
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

    // A refresh token rotates once; its family can be revoked as a whole.
    let (refresh, refresh_rec) = oauth_token(TokenKind::OAuthRefresh, &g2, &c.id, "contacts.read");
    store
        .insert_tokens(&g2.id, now(), std::slice::from_ref(&refresh_rec))
        .await
        .unwrap();
    let (next_access, next_rec) = oauth_token(TokenKind::OAuthAccess, &g2, &c.id, "contacts.read");
    assert!(store
        .rotate_refresh_token(&refresh_rec.id, &g2.id, now(), &[next_rec])
        .await
        .unwrap());
    let (late, late_rec) = oauth_token(TokenKind::OAuthAccess, &g2, &c.id, "contacts.read");
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

    // Revoking a grant revokes its tokens; consenting again revives it.
    let (t, rec) = oauth_token(TokenKind::OAuthAccess, &g2, &new_id(), "contacts.read");
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
            &grant(&a, &member, "contacts.read"),
            &audited(&member.account_id),
        )
        .await
        .unwrap();
    assert_eq!(revived.id, g2.id);
    assert!(revoked(store, &t).await, "old tokens stay revoked");

    // An app's own grant (client_credentials) lives beside users' grants.
    let own = Grant {
        user_id: None,
        subject: APP_SUBJECT.into(),
        account_id: owner.id.clone(),
        ..grant(&a, &owner_admin, "contacts.read")
    };
    let own = store
        .save_grant(&own, &audited(&own.account_id))
        .await
        .unwrap();
    assert_ne!(own.id, revived.id);

    // Deactivating a user revokes their grants and tokens.
    let (t, rec) = oauth_token(TokenKind::OAuthAccess, &revived, &new_id(), "contacts.read");
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

    // Expired codes and consents are purged; deleting the app takes the rest.
    let expired = code(&a, &owner_admin, &own, now() - Duration::minutes(1));
    store.insert_code(&expired).await.unwrap();
    let long_ago = now() - Duration::days(3650);
    store
        .purge_expired(long_ago, long_ago, long_ago, long_ago, now())
        .await
        .unwrap();
    assert!(store.find_code(&expired.code_hash).await.unwrap().is_none());

    // OAuth tokens expired or revoked before the retention cut-off go; the
    // rest stay (live ones, and dead ones still inside the window).
    let cutoff = now() - Duration::days(7);
    let token = |expires: Option<Duration>, revoked: Option<Duration>| {
        let (t, mut rec) = oauth_token(TokenKind::OAuthAccess, &own, &new_id(), "contacts.read");
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
    let (t, rec) = oauth_token(TokenKind::OAuthAccess, &own, &new_id(), "contacts.read");
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
