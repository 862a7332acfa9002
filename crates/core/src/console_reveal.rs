//! One-time reveals of new Private App tokens in the console (POST/redirect/
//! GET): the create or rotate request stashes the token, sealed under the
//! server key, in a short-lived row bound to the session; the page it
//! redirects to takes the row (deleting it) and shows the token once. A
//! reload finds no row: "already shown". Rows live 10 minutes at most, and
//! work on every node. Also here: when a rotated-out token stops working.

use crate::error::{Error, Result};
use crate::ids::new_id;
pub use crate::model::reveal::Reveal;
use crate::services::Services;
use crate::token::{PlainToken, TokenHash};
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;

/// How long a stashed token waits to be shown.
pub const REVEAL_TTL_MINUTES: i64 = 10;

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
