//! Token revocation (RFC 7009): a client revokes one of its own tokens (a
//! refresh token takes its whole grant with it).

use super::client_audit;
use crate::model::oauth::OAuthApp;
use crate::oauth::error::OAuthError;
use crate::services::Services;
use crate::token::{PlainToken, TokenKind};

impl Services {
    /// RFC 7009. Unknown tokens and other clients' tokens are left alone.
    pub async fn revoke_oauth_token(&self, app: &OAuthApp, text: &str) -> Result<(), OAuthError> {
        let Ok(token) = PlainToken::parse(text.trim()) else {
            return Ok(());
        };
        let Some(found) = self.store.find_token(&token.hash()).await? else {
            return Ok(());
        };
        if found.client_id.as_deref() != Some(app.client_id.as_str()) {
            return Ok(());
        }
        let now = self.clock.now();
        let account = &found.token.account_id;
        match (found.token.kind, &found.token.grant_id) {
            (TokenKind::OAuthRefresh, Some(grant)) => {
                let audit = client_audit(app, account, "oauth_grant.revoked_by_client", grant, now);
                self.store.revoke_grant(grant, now, &audit).await?
            }
            _ => {
                let id = &found.token.id;
                let audit = client_audit(app, account, "oauth_token.revoked_by_client", id, now);
                self.store.revoke_token(id, now, &audit).await?
            }
        }
        Ok(())
    }
}
