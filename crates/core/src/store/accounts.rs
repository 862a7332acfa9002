//! Accounts, their users, and console sessions.

use super::error::StoreResult;
use crate::model::account::{Account, User};
use crate::model::audit::AuditEntry;
use crate::model::session::Session;
use crate::token::TokenHash;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Accounts, their users, and console sessions.
#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn create_account_with_admin(
        &self,
        account: &Account,
        admin: &User,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    async fn get_account(&self, id: &str) -> StoreResult<Option<Account>>;
    /// Every account, oldest first (operator commands).
    async fn list_accounts(&self) -> StoreResult<Vec<Account>>;
    async fn insert_user(&self, user: &User, audit: &AuditEntry) -> StoreResult<()>;
    async fn find_user_by_email(&self, email_lower: &str) -> StoreResult<Option<User>>;
    async fn get_user(&self, account_id: &str, user_id: &str) -> StoreResult<Option<User>>;
    async fn list_users(&self, account_id: &str) -> StoreResult<Vec<User>>;
    async fn count_active_admins(&self, account_id: &str) -> StoreResult<i64>;
    /// Save role/active; when the user is deactivated, also end their sessions
    /// and revoke their grants and every token issued on their behalf, in the
    /// same transaction. Refuses with `LastAdmin` a change that would leave
    /// the account with no active admin.
    async fn update_user(
        &self,
        user: &User,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<()>;

    // sessions (keyed by the hash of the session id)
    async fn insert_session(&self, session: &Session) -> StoreResult<()>;
    async fn find_session(
        &self,
        id_hash: &TokenHash,
    ) -> StoreResult<Option<(Session, User, Account)>>;
    async fn touch_session(&self, id_hash: &TokenHash, now: DateTime<Utc>) -> StoreResult<()>;
    async fn delete_session(&self, id_hash: &TokenHash) -> StoreResult<()>;
}
