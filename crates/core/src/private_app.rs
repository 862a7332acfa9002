//! Private Apps (SPEC S4): named, scoped tokens an admin creates for a tool.
//! Scope changes apply to the existing token at once, because a token's
//! scopes are read from its app on every request.

use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::model::audit::AuditEntry;
pub use crate::model::private_app::PrivateApp;
use crate::scope::{Scope, ScopeSet};
use crate::services::Services;
use crate::store::{OldTokens, PrivateAppView, TokenRecord};
use crate::token::{PlainToken, TokenKind};
use chrono::{DateTime, Duration, Utc};

pub const NAME_MAX: usize = 80;
pub const DESCRIPTION_MAX: usize = 500;
pub const EXPIRY_CHOICES_DAYS: [u32; 3] = [30, 90, 365];
/// Rotation grace period: 0 to 7 days.
pub const MAX_GRACE_SECS: u32 = 7 * 24 * 3600;

/// Parsed input for a new Private App.
pub struct NewPrivateApp {
    pub name: String,
    pub description: String,
    pub scopes: ScopeSet,
    pub expires_in_days: Option<u32>,
}

#[derive(Default)]
pub struct PrivateAppPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub scopes: Option<ScopeSet>,
}

pub fn parse_app_name(raw: &str) -> Result<String> {
    crate::account::parse_name("name", raw, NAME_MAX)
}

pub fn parse_description(raw: &str) -> Result<String> {
    // The limit is on what was sent (as the API document says), not on
    // what is left after trimming.
    let s = raw.trim();
    if raw.chars().count() > DESCRIPTION_MAX {
        return Err(Error::invalid(
            "description",
            format!("must be at most {DESCRIPTION_MAX} characters"),
        ));
    }
    Ok(s.to_owned())
}

/// Scope names for a Private App: known, grantable, at least one.
pub fn parse_scopes<S: AsRef<str>>(names: &[S]) -> Result<ScopeSet> {
    let set = ScopeSet::parse_list(names).map_err(|bad| {
        Error::invalid(
            "scopes",
            format!("unknown scope {bad:?}; known scopes: {}", known_scopes()),
        )
    })?;
    if let Some(s) = set.iter().find(|s| !s.grantable_to_private_app()) {
        return Err(Error::invalid(
            "scopes",
            format!("{s} cannot be granted to a Private App"),
        ));
    }
    if set.is_empty() {
        return Err(Error::invalid("scopes", "choose at least one scope"));
    }
    Ok(set)
}

fn known_scopes() -> String {
    Scope::ALL
        .iter()
        .filter(|s| s.grantable_to_private_app())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn parse_expiry(days: Option<u32>) -> Result<Option<u32>> {
    match days {
        None => Ok(None),
        Some(d) if EXPIRY_CHOICES_DAYS.contains(&d) => Ok(Some(d)),
        Some(_) => Err(Error::invalid(
            "expiresInDays",
            "must be 30, 90 or 365 (or absent for a token that never expires)",
        )),
    }
}

pub fn parse_grace(secs: Option<i64>) -> Result<u32> {
    match secs {
        None => Ok(0),
        Some(s) if (0..=i64::from(MAX_GRACE_SECS)).contains(&s) => Ok(s as u32),
        Some(_) => Err(Error::invalid(
            "graceSeconds",
            format!("must be between 0 and {MAX_GRACE_SECS} (7 days)"),
        )),
    }
}

fn new_token_record(app: &PrivateApp, now: DateTime<Utc>) -> (PlainToken, TokenRecord) {
    let plain = PlainToken::generate(TokenKind::PrivateApp);
    let record = TokenRecord {
        id: new_id(),
        account_id: app.account_id.clone(),
        kind: TokenKind::PrivateApp,
        hash: plain.hash(),
        private_app_id: Some(app.id.clone()),
        user_id: None,
        created_at: now,
        last_used_at: None,
        expires_at: app
            .expires_in_days
            .map(|d| now + Duration::days(i64::from(d))),
        revoked_at: None,
        grant_id: None,
        family_id: None,
        scopes: None,
        rotated_at: None,
        family_started_at: None,
    };
    (plain, record)
}

impl Services {
    pub async fn create_private_app(
        &self,
        account_id: &str,
        actor: &str,
        input: NewPrivateApp,
    ) -> Result<(PrivateAppView, PlainToken)> {
        let now = self.clock.now();
        let mut app = PrivateApp {
            id: new_id(),
            account_id: account_id.to_owned(),
            name: input.name,
            description: input.description,
            scopes: input.scopes,
            logo_id: None,
            expires_in_days: input.expires_in_days,
            current_token_id: String::new(),
            created_by: actor.to_owned(),
            created_at: now,
            updated_at: now,
        };
        let (plain, token) = new_token_record(&app, now);
        app.current_token_id = token.id.clone();
        let audit = AuditEntry::new(account_id, actor, "private_app.created", Some(&app.id), now);
        self.store.insert_private_app(&app, &token, &audit).await?;
        let view = PrivateAppView {
            app,
            last_used_at: None,
            expires_at: token.expires_at,
        };
        Ok((view, plain))
    }

    pub async fn list_private_apps(&self, account_id: &str) -> Result<Vec<PrivateAppView>> {
        Ok(self.store.list_private_apps(account_id).await?)
    }

    pub async fn get_private_app(&self, account_id: &str, id: &str) -> Result<PrivateAppView> {
        self.store
            .get_private_app(account_id, id)
            .await?
            .ok_or(Error::NotFound("private app"))
    }

    pub async fn update_private_app(
        &self,
        account_id: &str,
        actor: &str,
        id: &str,
        patch: PrivateAppPatch,
    ) -> Result<PrivateAppView> {
        let mut view = self.get_private_app(account_id, id).await?;
        let app = &mut view.app;
        if let Some(n) = patch.name {
            app.name = n;
        }
        if let Some(d) = patch.description {
            app.description = d;
        }
        if let Some(s) = patch.scopes {
            app.scopes = s;
        }
        let now = self.clock.now();
        app.updated_at = now;
        let audit = AuditEntry::new(account_id, actor, "private_app.updated", Some(id), now);
        self.store.update_private_app(app, &audit).await?;
        Ok(view)
    }

    /// Issue a new token. Older tokens die now, or after the grace period.
    pub async fn rotate_private_app(
        &self,
        account_id: &str,
        actor: &str,
        id: &str,
        grace_secs: u32,
    ) -> Result<(PrivateAppView, PlainToken)> {
        let mut view = self.get_private_app(account_id, id).await?;
        let now = self.clock.now();
        let (plain, token) = new_token_record(&view.app, now);
        view.app.current_token_id = token.id.clone();
        view.app.updated_at = now;
        let old = if grace_secs == 0 {
            OldTokens::RevokeNow
        } else {
            OldTokens::ExpireAt(now + Duration::seconds(i64::from(grace_secs)))
        };
        let audit = AuditEntry::new(account_id, actor, "private_app.rotated", Some(id), now);
        self.store
            .rotate_private_app(&view.app, &token, old, &audit)
            .await?;
        view.last_used_at = None;
        view.expires_at = token.expires_at;
        Ok((view, plain))
    }

    pub async fn delete_private_app(&self, account_id: &str, actor: &str, id: &str) -> Result<()> {
        let now = self.clock.now();
        let audit = AuditEntry::new(account_id, actor, "private_app.deleted", Some(id), now);
        if !self
            .store
            .delete_private_app(account_id, id, &audit)
            .await?
        {
            return Err(Error::NotFound("private app"));
        }
        Ok(())
    }

    /// Leaked-token report (SPEC S3): revoke every valid token in the list and
    /// audit it in the owning account. Says nothing about which were valid.
    pub async fn report_leaked_tokens(&self, tokens: &[String]) -> Result<()> {
        let now = self.clock.now();
        for text in tokens {
            let Ok(token) = PlainToken::parse(text.trim()) else {
                continue;
            };
            if token.kind() == TokenKind::ClientSecret {
                self.revoke_leaked_client_secret(&token).await?;
                continue;
            }
            let Some(found) = self.store.find_token(&token.hash()).await? else {
                continue;
            };
            if !found.token.is_live(now) {
                continue;
            }
            let audit = AuditEntry::new(
                &found.token.account_id,
                "anonymous",
                "token.leak_reported_revoked",
                Some(&found.token.id),
                now,
            );
            self.store
                .revoke_token(&found.token.id, now, &audit)
                .await?;
            tracing::warn!(token_id = %found.token.id, account_id = %found.token.account_id, "leaked token reported and revoked");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_rules_for_private_apps() {
        assert!(parse_scopes(&["contacts.read", "admin.write"]).is_ok());
        assert!(parse_scopes::<&str>(&[]).is_err());
        assert!(parse_scopes(&["offline_access"]).is_err());
        let err = parse_scopes(&["contacts.delete"]).unwrap_err().to_string();
        assert!(err.contains("contacts.delete"), "{err}");
    }

    #[test]
    fn expiry_and_grace_choices() {
        assert_eq!(parse_expiry(Some(90)).unwrap(), Some(90));
        assert!(parse_expiry(Some(7)).is_err());
        assert_eq!(parse_grace(None).unwrap(), 0);
        assert!(parse_grace(Some(604_801)).is_err());
        assert!(parse_grace(Some(-1)).is_err());
    }
}
