//! One-time reveals of new Private App tokens in the console (POST/redirect/
//! GET): the create or rotate request stashes the token, sealed under the
//! server key, in a short-lived row bound to the session; the page it
//! redirects to takes the row (deleting it) and shows the token once. A
//! reload finds no row: "already shown". Rows live 10 minutes at most, and
//! work on every node. Also here: when a rotated-out token stops working.

use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::services::Services;
use crate::store::StoreResult;
use crate::token::{PlainToken, TokenHash};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;

/// How long a stashed token waits to be shown.
pub const REVEAL_TTL_MINUTES: i64 = 10;

#[derive(Clone)]
pub struct Reveal {
    pub id: String,
    pub account_id: String,
    /// The session that may see it (the hash of its id).
    pub session_hash: TokenHash,
    pub private_app_id: String,
    /// The token sealed under the server key, bound to `id`.
    pub sealed: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Reveal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reveal")
            .field("id", &self.id)
            .field("private_app_id", &self.private_app_id)
            .finish_non_exhaustive()
    }
}

/// Storage for reveals and the rotation read the console needs.
#[async_trait]
pub trait ConsoleStore: Send + Sync {
    async fn insert_reveal(&self, reveal: &Reveal) -> StoreResult<()>;
    /// Delete and return reveal `id` if `session_hash` owns it and it has not
    /// expired at `now` (expired rows are deleted on the way).
    async fn take_reveal(
        &self,
        id: &str,
        session_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Reveal>>;
    /// The latest time at which a replaced, unrevoked token of the Private
    /// App still works (a rotation with a grace period), if any is left at `now`.
    async fn old_token_valid_until(
        &self,
        account_id: &str,
        app_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>>;
}

impl Services {
    fn reveal_key(&self) -> Result<&crate::secret_box::ServerKey> {
        self.server_key
            .as_ref()
            .ok_or_else(|| Error::internal("no server key is configured"))
    }

    /// Stash `token` for one view by the session `session_hash`; returns the reveal id.
    pub async fn stash_token_reveal(
        &self,
        account_id: &str,
        session_hash: &TokenHash,
        app_id: &str,
        token: &PlainToken,
    ) -> Result<String> {
        let now = self.clock.now();
        let id = new_id();
        let sealed = self
            .reveal_key()?
            .seal(token.expose(), &id)
            .map_err(|e| Error::internal(e.to_string()))?;
        let reveal = Reveal {
            id: id.clone(),
            account_id: account_id.to_owned(),
            session_hash: session_hash.clone(),
            private_app_id: app_id.to_owned(),
            sealed,
            created_at: now,
            expires_at: now + Duration::minutes(REVEAL_TTL_MINUTES),
        };
        self.store.insert_reveal(&reveal).await?;
        Ok(id)
    }

    /// The stashed token of `app_id`, once; None when shown before or expired.
    pub async fn take_token_reveal(
        &self,
        id: &str,
        session_hash: &TokenHash,
        app_id: &str,
    ) -> Result<Option<SecretString>> {
        let now = self.clock.now();
        let Some(r) = self.store.take_reveal(id, session_hash, now).await? else {
            return Ok(None);
        };
        if r.private_app_id != app_id {
            return Ok(None);
        }
        let token = self
            .reveal_key()?
            .open(&r.sealed, &r.id)
            .map_err(|e| Error::internal(e.to_string()))?;
        Ok(Some(SecretString::from(token)))
    }

    /// When the token a rotation replaced stops working, if it still works.
    pub async fn old_private_app_token_valid_until(
        &self,
        account_id: &str,
        app_id: &str,
    ) -> Result<Option<DateTime<Utc>>> {
        let now = self.clock.now();
        Ok(self
            .store
            .old_token_valid_until(account_id, app_id, now)
            .await?)
    }
}

/// The storage contract's cases for reveals (run by `store_contract::run_all`).
#[cfg(feature = "test-support")]
#[expect(clippy::unwrap_used, reason = "a test: failures should panic")]
pub async fn contract(store: &dyn crate::store::Store) {
    use crate::store::OldTokens;
    use crate::store_contract::{app_with_token, audited, new_account, now};
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
