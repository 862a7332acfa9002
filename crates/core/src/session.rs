//! Server-side console sessions. The cookie carries a random id; the database
//! keeps only its SHA-256, the user, and the session's CSRF token.

use crate::account::{Account, User};
use crate::error::Result;
use crate::services::Services;
use crate::token::{random_secret, TokenHash};
use chrono::{DateTime, Duration, Utc};

pub const IDLE_TIMEOUT_HOURS: i64 = 12;
pub const ABSOLUTE_TIMEOUT_DAYS: i64 = 7;
/// `last_seen_at` is written at most this often.
const TOUCH_INTERVAL_SECS: i64 = 60;

#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: TokenHash,
    pub user_id: String,
    pub account_id: String,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

impl Session {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        now < self.last_seen_at + Duration::hours(IDLE_TIMEOUT_HOURS)
            && now < self.created_at + Duration::days(ABSOLUTE_TIMEOUT_DAYS)
    }
}

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
