//! A Private App: an account's own integration with a token.

use super::scope::ScopeSet;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct PrivateApp {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub description: String,
    pub scopes: ScopeSet,
    pub logo_id: Option<String>,
    /// Lifetime given to each token of this app (also to rotated ones).
    pub expires_in_days: Option<u32>,
    /// The newest token; older ones may live on through a rotation grace period.
    pub current_token_id: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
