//! One-time links an admin hands to a user to set a new password: a random
//! 190-bit secret in the URL, only its SHA-256 stored, valid for a day and
//! for one use. Setting the password ends every session of that user.

use crate::account::{NewPassword, User};
use crate::error::{Error, Result};
use crate::model::audit::AuditEntry;
pub use crate::model::session::PasswordReset;
use crate::password::hash_password;
use crate::services::Services;
use crate::token::{random_secret, TokenHash};
use chrono::{DateTime, Duration, Utc};

pub const RESET_LIFETIME_HOURS: i64 = 24;

/// The secret of a new link (goes into the URL once, never stored) and when it expires.
pub struct ResetLink {
    pub user: User,
    pub secret: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for ResetLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResetLink")
            .field("user", &self.user)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

fn link_refused() -> Error {
    Error::NotFound("password reset link")
}

impl Services {
    /// A new one-time link for a user of the account; earlier unused links
    /// of that user stop working.
    #[tracing::instrument(skip_all, fields(account_id, user_id))]
    pub async fn create_password_reset(
        &self,
        account_id: &str,
        actor: &str,
        user_id: &str,
    ) -> Result<ResetLink> {
        let user = self.get_user(account_id, user_id).await?;
        if !user.active {
            return Err(Error::Conflict {
                code: "user_inactive",
                message: "this user is deactivated; reactivate them first".into(),
            });
        }
        let now = self.clock.now();
        let secret = random_secret();
        let reset = PasswordReset {
            token_hash: TokenHash::of(&secret),
            account_id: account_id.to_owned(),
            user_id: user.id.clone(),
            created_by: actor.to_owned(),
            created_at: now,
            expires_at: now + Duration::hours(RESET_LIFETIME_HOURS),
            used_at: None,
        };
        let audit = AuditEntry::new(
            account_id,
            actor,
            "user.password_reset_link_created",
            Some(&user.id),
            now,
        );
        self.store.insert_password_reset(&reset, &audit).await?;
        Ok(ResetLink {
            user,
            secret,
            expires_at: reset.expires_at,
        })
    }

    /// The user a link is for, while it can still be used.
    #[tracing::instrument(skip_all)]
    pub async fn password_reset_user(&self, secret: &str) -> Result<User> {
        let hash = TokenHash::of(secret);
        let reset = self
            .store
            .find_password_reset(&hash)
            .await?
            .filter(|r| r.is_usable(self.clock.now()))
            .ok_or_else(link_refused)?;
        let user = self.get_user(&reset.account_id, &reset.user_id).await?;
        if user.active {
            Ok(user)
        } else {
            Err(link_refused())
        }
    }

    /// Use a link: set the password and end the user's sessions, once.
    #[tracing::instrument(skip_all)]
    pub async fn redeem_password_reset(&self, secret: &str, password: NewPassword) -> Result<User> {
        let user = self.password_reset_user(secret).await?;
        let password_hash = hash_password(password).await?;
        let now = self.clock.now();
        let audit = AuditEntry::new(
            &user.account_id,
            &format!("user:{}", user.id),
            "user.password_reset",
            Some(&user.id),
            now,
        );
        let redeemed = self
            .store
            .redeem_password_reset(&TokenHash::of(secret), &password_hash, now, &audit)
            .await?;
        if redeemed {
            Ok(user)
        } else {
            // Used or expired while the password was being hashed.
            Err(link_refused())
        }
    }
}
