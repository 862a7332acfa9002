//! Stored credentials and the port that finds and revokes them.

use super::error::StoreResult;
use crate::model::account::User;
use crate::model::audit::AuditEntry;
use crate::scope::ScopeSet;
use crate::token::{TokenHash, TokenKind};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A stored credential: a Private App token, or an OAuth access or refresh token.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub id: String,
    pub account_id: String,
    pub kind: TokenKind,
    pub hash: TokenHash,
    pub private_app_id: Option<String>,
    pub user_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// OAuth tokens: the grant they were issued under …
    pub grant_id: Option<String>,
    /// … the family (one code redemption and its refreshes) …
    pub family_id: Option<String>,
    /// … the scopes they carry …
    pub scopes: Option<ScopeSet>,
    /// … when a refresh token was exchanged for a new pair …
    pub rotated_at: Option<DateTime<Utc>>,
    /// … and when the family began (the refresh tokens' absolute lifetime).
    pub family_started_at: Option<DateTime<Utc>>,
}

impl TokenRecord {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}

/// What one indexed read returns for a presented token: the token and all
/// that authentication needs about its owner.
#[derive(Debug, Clone)]
pub struct TokenLookup {
    pub token: TokenRecord,
    pub account_name: String,
    pub app_id: String,
    pub app_name: String,
    /// What the token may do now: its app's scopes for a Private App token;
    /// for an OAuth token, its own scopes within its app's current ones.
    pub scopes: ScopeSet,
    /// The user the token acts for, when it acts for one.
    pub user: Option<User>,
    /// OAuth tokens: the app's client id.
    pub client_id: Option<String>,
}

/// What happens to the tokens a rotation replaces.
#[derive(Debug, Clone, Copy)]
pub enum OldTokens {
    RevokeNow,
    ExpireAt(DateTime<Utc>),
}

/// Presented tokens: look-up, last use, revocation.
#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn find_token(&self, hash: &TokenHash) -> StoreResult<Option<TokenLookup>>;
    /// Set `last_used_at = now` unless it was set less than `min_interval` ago.
    async fn touch_token(
        &self,
        token_id: &str,
        now: DateTime<Utc>,
        min_interval_ms: i64,
    ) -> StoreResult<()>;
    async fn revoke_token(
        &self,
        token_id: &str,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
}
