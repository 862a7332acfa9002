//! Console sessions and password reset links, as stored.

use super::token::TokenHash;
use chrono::{DateTime, Duration, Utc};

pub const IDLE_TIMEOUT_HOURS: i64 = 12;

pub const ABSOLUTE_TIMEOUT_DAYS: i64 = 7;

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

#[derive(Debug, Clone)]
pub struct PasswordReset {
    pub token_hash: TokenHash,
    pub account_id: String,
    pub user_id: String,
    /// Who asked for it (`user:<id>`).
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

impl PasswordReset {
    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        self.used_at.is_none() && now < self.expires_at
    }
}
