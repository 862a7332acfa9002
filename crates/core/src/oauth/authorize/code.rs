//! Authorization codes: the single-use code bound to client, redirect URI,
//! user, scopes and PKCE challenge, stored (as a hash) with the grant it
//! belongs to, and the success redirect that carries it.

use super::redirect_with;
use crate::ids::new_id;
use crate::model::account::User;
use crate::model::audit::AuditEntry;
use crate::model::oauth::OAuthApp;
use crate::model::oauth::{AuthCode, Grant};
use crate::oauth::settings::CODE_TTL_MINUTES;
use crate::scope::ScopeSet;
use crate::services::Services;
use crate::token::{random_secret, TokenHash};
use chrono::Duration;

impl Services {
    /// Store a code (and the grant, when consent was just given) and build
    /// the success redirect: `code`, `state`, `iss` (RFC 9207).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn issue_code(
        &self,
        app: &OAuthApp,
        user: &User,
        grant: Grant,
        redirect_uri: &str,
        scopes: &ScopeSet,
        code_challenge: Option<String>,
        state: Option<&str>,
        save_grant: bool,
    ) -> crate::Result<String> {
        let now = self.clock.now();
        let code = random_secret();
        let grant = if save_grant {
            let actor = format!("user:{}", user.id);
            let audit = AuditEntry::new(
                &user.account_id,
                &actor,
                "oauth_grant.authorized",
                Some(&app.id),
                now,
            );
            self.store.save_grant(&grant, &audit).await?
        } else {
            grant
        };
        self.store
            .insert_code(&AuthCode {
                id: new_id(),
                code_hash: TokenHash::of(&code),
                grant_id: grant.id,
                app_id: app.id.clone(),
                user_id: user.id.clone(),
                account_id: user.account_id.clone(),
                redirect_uri: redirect_uri.to_owned(),
                scopes: scopes.clone(),
                code_challenge,
                created_at: now,
                expires_at: now + Duration::minutes(CODE_TTL_MINUTES),
                used_at: None,
            })
            .await?;
        Ok(redirect_with(
            redirect_uri,
            &[
                ("code", Some(&code)),
                ("state", state),
                ("iss", Some(&self.oauth.issuer)),
            ],
        ))
    }
}
