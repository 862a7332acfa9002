//! A new Private App token waiting to be shown once in the console.

use super::token::TokenHash;
use chrono::{DateTime, Utc};

#[derive(Clone)]
pub struct Reveal {
    pub id: String,
    pub account_id: String,
    /// The session that may see it (the hash of its id).
    pub session_hash: TokenHash,
    pub private_app_id: String,
    /// The token sealed under the server key, bound to `id`.
    pub sealed: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Reveal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reveal")
            .field("id", &self.id)
            .field("private_app_id", &self.private_app_id)
            .finish_non_exhaustive()
    }
}
