//! The storage port behind the Account page and password reset links: what
//! people change about their own account and credentials. Each write records
//! its audit entry in the same transaction.

use super::error::StoreResult;
use crate::model::audit::AuditEntry;
use crate::model::session::{PasswordReset, Session};
use crate::token::TokenHash;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
pub trait AccountSettingsStore: Send + Sync {
    /// Change the account's name; false when there is no such account.
    async fn rename_account(
        &self,
        id: &str,
        name: &str,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;

    /// Set a user's password hash and end their sessions, all but `keep`
    /// (the session that made the change).
    async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        keep: Option<&TokenHash>,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<()>;

    /// Every session of the user, expired ones included, most recently seen first.
    async fn list_sessions(&self, user_id: &str) -> StoreResult<Vec<Session>>;

    /// End the user's sessions but `keep`; returns how many ended.
    async fn delete_other_sessions(
        &self,
        user_id: &str,
        keep: &TokenHash,
        audit: &AuditEntry,
    ) -> StoreResult<u64>;

    /// Store a new reset link; the user's earlier unused links, and every
    /// expired link, are deleted.
    async fn insert_password_reset(
        &self,
        reset: &PasswordReset,
        audit: &AuditEntry,
    ) -> StoreResult<()>;

    async fn find_password_reset(&self, hash: &TokenHash) -> StoreResult<Option<PasswordReset>>;

    /// Use a link, once: mark it used, set the (active) user's password hash
    /// and end all their sessions. False when the link is unknown, used,
    /// expired, or its user deactivated; then nothing changes.
    async fn redeem_password_reset(
        &self,
        hash: &TokenHash,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
}
