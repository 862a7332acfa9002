//! The `client_credentials` grant (SPEC S5.3): a confidential client's
//! tokens that act as the app itself, under the app's own grant.

use super::mint::Family;
use super::{client_audit, narrow, parse_scope_param, IssuedTokens, TokenRequest};
use crate::ids::new_id;
use crate::model::oauth::ClientType;
use crate::model::oauth::OAuthApp;
use crate::oauth::error::OAuthError;
use crate::oauth::grant::{Grant, APP_SUBJECT};
use crate::scope::{Scope, ScopeSet};
use crate::services::Services;

impl Services {
    pub(super) async fn client_credentials(
        &self,
        app: &OAuthApp,
        req: &TokenRequest<'_>,
    ) -> Result<IssuedTokens, OAuthError> {
        if app.client_type != ClientType::Confidential {
            return Err(OAuthError::unauthorized_client(
                "client_credentials is for confidential clients only",
            ));
        }
        let registered: ScopeSet = app
            .scopes
            .iter()
            .filter(|s| *s != Scope::OfflineAccess && s.grantable_to_oauth_app())
            .collect();
        let scopes = narrow(parse_scope_param(req.scope)?, &registered).map_err(|_| {
            OAuthError::invalid_scope(
                "a requested scope is not registered for this app (or is offline_access)",
            )
        })?;
        let now = self.clock.now();
        // The app's own grant: created once, refreshed when its scopes change.
        let grant = match self.store.find_live_grant(&app.id, APP_SUBJECT).await? {
            Some(g) if g.scopes == registered => g,
            _ => {
                // Target: the app (an existing grant row may be reused).
                let audit = client_audit(
                    app,
                    &app.account_id,
                    "oauth_grant.app_grant_saved",
                    &app.id,
                    now,
                );
                self.store
                    .save_grant(
                        &Grant {
                            id: new_id(),
                            account_id: app.account_id.clone(),
                            app_id: app.id.clone(),
                            user_id: None,
                            subject: APP_SUBJECT.into(),
                            scopes: registered,
                            created_at: now,
                            updated_at: now,
                            last_used_at: None,
                        },
                        &audit,
                    )
                    .await?
            }
        };
        let family = Family {
            app,
            grant_id: &grant.id,
            account_id: &app.account_id,
            user_id: None,
            family_id: new_id(),
            started_at: now,
        };
        let (issued, records) = self.mint(&family, scopes, None, now);
        self.store.insert_tokens(&grant.id, now, &records).await?;
        Ok(issued)
    }
}
