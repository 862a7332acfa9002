//! Server-side console sessions. The cookie carries a random id; the database
//! keeps only its SHA-256, the user, and the session's CSRF token.

use crate::account::{Account, NewPassword, User};
use crate::error::{Error, Result};
use crate::model::audit::AuditEntry;
pub use crate::model::session::{Session, ABSOLUTE_TIMEOUT_DAYS, IDLE_TIMEOUT_HOURS};
use crate::password::{hash_password, verify_password};
use crate::services::Services;
use crate::token::{random_secret, TokenHash};
use chrono::Duration;
use secrecy::SecretString;

/// `last_seen_at` is written at most this often.
const TOUCH_INTERVAL_SECS: i64 = 60;

/// A signed-in session as handlers see it.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub session: Session,
    pub user: User,
    pub account: Account,
}

impl Services {
    /// Start a new session for a user who just signed in. Returns the cookie
    /// value (a fresh id every time: no session fixation).
    pub async fn start_session(&self, user: &User) -> Result<(String, Session)> {
        let now = self.clock.now();
        let id = random_secret();
        let session = Session {
            id_hash: TokenHash::of(&id),
            user_id: user.id.clone(),
            account_id: user.account_id.clone(),
            csrf_token: random_secret(),
            created_at: now,
            last_seen_at: now,
        };
        self.store.insert_session(&session).await?;
        Ok((id, session))
    }

    /// The live session behind a cookie value, if any. Expired sessions and
    /// sessions of deactivated users count as none.
    pub async fn resolve_session(&self, cookie_value: &str) -> Result<Option<ActiveSession>> {
        let hash = TokenHash::of(cookie_value);
        let Some((session, user, account)) = self.store.find_session(&hash).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        if !session.is_live(now) || !user.active {
            self.store.delete_session(&hash).await?;
            return Ok(None);
        }
        if now - session.last_seen_at > Duration::seconds(TOUCH_INTERVAL_SECS) {
            self.store.touch_session(&hash, now).await?;
        }
        Ok(Some(ActiveSession {
            session,
            user,
            account,
        }))
    }

    pub async fn end_session(&self, cookie_value: &str) -> Result<()> {
        Ok(self
            .store
            .delete_session(&TokenHash::of(cookie_value))
            .await?)
    }
}

impl Services {
    /// The user's live sessions, most recently seen first.
    pub async fn list_sessions(&self, user_id: &str) -> Result<Vec<Session>> {
        let now = self.clock.now();
        let mut sessions: Vec<Session> = self
            .store
            .list_sessions(user_id)
            .await?
            .into_iter()
            .filter(|s| s.is_live(now))
            .collect();
        sessions.sort_by_key(|s| std::cmp::Reverse(s.last_seen_at));
        Ok(sessions)
    }

    /// Sign the user out everywhere but in this session; returns how many ended.
    pub async fn end_other_sessions(&self, current: &ActiveSession) -> Result<u64> {
        let audit = AuditEntry::new(
            &current.account.id,
            &format!("user:{}", current.user.id),
            "user.other_sessions_ended",
            Some(&current.user.id),
            self.clock.now(),
        );
        Ok(self
            .store
            .delete_other_sessions(&current.user.id, &current.session.id_hash, &audit)
            .await?)
    }

    /// Change one's own password: the current one is required (and its
    /// failures throttled like sign-in); every other session ends, this one stays.
    #[tracing::instrument(skip_all, fields(user_id = %current.user.id))]
    pub async fn change_password(
        &self,
        current: &ActiveSession,
        old_password: SecretString,
        new_password: NewPassword,
        client_ip: &str,
    ) -> Result<()> {
        let key = current.user.email.to_lowercase();
        let now = self.clock.now();
        self.sign_in_throttle.check(&key, client_ip, now)?;
        let user = self.get_user(&current.account.id, &current.user.id).await?;
        if !verify_password(old_password, user.password_hash).await {
            self.sign_in_throttle.failed(&key, client_ip, now);
            return Err(Error::invalid("current_password", "is not correct"));
        }
        self.sign_in_throttle.succeeded(&key);
        let hash = hash_password(new_password).await?;
        let audit = AuditEntry::new(
            &current.account.id,
            &format!("user:{}", user.id),
            "user.password_changed",
            Some(&user.id),
            now,
        );
        let keep = Some(&current.session.id_hash);
        Ok(self
            .store
            .set_password(&user.id, &hash, keep, now, &audit)
            .await?)
    }
}
