//! Grants: a user's consent to an app (or, for `client_credentials`, the
//! app's own standing), and the tokens issued under it. Revoking a grant
//! revokes every token issued under it (SPEC S5.4, S5.7, S8 `grants`).

use crate::error::{Error, Result};
use crate::model::audit::AuditEntry;
pub use crate::model::oauth::{Grant, GrantView, APP_SUBJECT};
use crate::services::Services;

impl Services {
    /// Live grants in the account; only `user_id`'s when given.
    pub async fn list_grants(
        &self,
        account_id: &str,
        user_id: Option<&str>,
    ) -> Result<Vec<GrantView>> {
        Ok(self.store.list_grants(account_id, user_id).await?)
    }

    /// Revoke a grant and every token under it. `user_id`: only if it is that
    /// user's grant (a member revoking their own connected app).
    pub async fn revoke_grant(
        &self,
        account_id: &str,
        actor: &str,
        grant_id: &str,
        user_id: Option<&str>,
    ) -> Result<()> {
        let grants = self.store.list_grants(account_id, user_id).await?;
        if !grants.iter().any(|g| g.grant.id == grant_id) {
            return Err(Error::NotFound("grant"));
        }
        let now = self.clock.now();
        let audit = AuditEntry::new(
            account_id,
            actor,
            "oauth_grant.revoked",
            Some(grant_id),
            now,
        );
        self.store.revoke_grant(grant_id, now, &audit).await?;
        Ok(())
    }
}
