//! The storage port. Each method is one atomic unit of work: a backend runs it
//! in a single transaction, so services never see half a write. Backends map
//! the unique-constraint violations a caller expects to `StoreError::Unique`
//! with a [`Constraint`], never by message text; driver errors keep their
//! source.

use crate::account::{Account, User};
use crate::audit::AuditEntry;
use crate::logo::LogoOwner;
use crate::private_app::PrivateApp;
use crate::scope::ScopeSet;
use crate::session::Session;
use crate::token::{TokenHash, TokenKind};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A driver's error, kept as the source of a `StoreError`.
pub type DriverError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique constraint that the write may run into was violated.
    #[error("unique constraint {} violated", .0.name())]
    Unique(Constraint),
    /// The database is unreachable, busy, or rolled the transaction back
    /// (serialization failure, deadlock): worth retrying.
    #[error("storage unavailable: {0}")]
    Unavailable(#[source] DriverError),
    /// Any other failure of the database or its driver.
    #[error("storage error: {0}")]
    Database(#[source] DriverError),
    /// The database cannot be opened or migrated as configured.
    #[error("{0}")]
    Setup(String),
    /// The call broke the port's contract: a bug in the caller.
    #[error("misused store: {0}")]
    Contract(String),
    /// A stored value this version cannot read (corrupt, or from elsewhere).
    #[error("unexpected stored value: {0}")]
    Corrupt(String),
    /// The write would leave the account without an active admin; nothing changed.
    #[error("the account would be left without an active admin")]
    LastAdmin,
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The unique constraints callers handle, named alike in every backend's
/// migrations (SQLite does not report names: the statement says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    /// `users_email_key`: one user per email address.
    UserEmail,
    /// `oauth_apps_client_id_key`: client ids are unique.
    OAuthClientId,
}

impl Constraint {
    pub fn name(self) -> &'static str {
        match self {
            Constraint::UserEmail => "users_email_key",
            Constraint::OAuthClientId => "oauth_apps_client_id_key",
        }
    }
}

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

/// A Private App with what the list and detail views show of its current token.
#[derive(Debug, Clone)]
pub struct PrivateAppView {
    pub app: PrivateApp,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// What happens to the tokens a rotation replaces.
#[derive(Debug, Clone, Copy)]
pub enum OldTokens {
    RevokeNow,
    ExpireAt(DateTime<Utc>),
}

/// Everything a backend provides: one trait per aggregate, so that each
/// backend can implement them in a file of their own.
pub trait Store:
    crate::records::RecordStore
    + crate::console_reveal::ConsoleStore
    + crate::oauth::store::OAuthStore
    + MaintenanceStore
    + AccountStore
    + PrivateAppStore
    + TokenStore
    + AuditStore
    + crate::account_settings::AccountSettingsStore
    + crate::webhooks::WebhookStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: crate::records::RecordStore
        + crate::console_reveal::ConsoleStore
        + crate::oauth::store::OAuthStore
        + MaintenanceStore
        + AccountStore
        + PrivateAppStore
        + TokenStore
        + AuditStore
        + crate::account_settings::AccountSettingsStore
        + crate::webhooks::WebhookStore
        + Send
        + Sync
        + 'static
{
}

/// Health, upkeep and start-up repairs.
#[async_trait]
pub trait MaintenanceStore: Send + Sync {
    /// Is the database reachable right now?
    async fn ping(&self) -> StoreResult<()>;

    /// Bring the query planner's statistics up to date: `full` after a bulk
    /// load, otherwise the cheap periodic refresh.
    async fn refresh_statistics(&self, full: bool) -> StoreResult<()>;

    /// Delete what has expired: sessions idle since `idle_before` or started
    /// before `started_before`, idempotency keys created before `keys_before`,
    /// OAuth tokens that expired or were revoked before `tokens_before`, and
    /// expired consent transactions and authorization codes (before `now`).
    /// Returns how many rows went.
    async fn purge_expired(
        &self,
        idle_before: DateTime<Utc>,
        started_before: DateTime<Utc>,
        keys_before: DateTime<Utc>,
        tokens_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;

    /// Remove `admin.read` / `admin.write` from every OAuth app, grant,
    /// consent, code and OAuth token (SPEC S2: Private Apps only). Returns
    /// how many rows changed; zero once the data is clean.
    async fn strip_admin_scopes_from_oauth(&self) -> StoreResult<u64>;
}

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

/// Private Apps, their tokens, and app logos.
#[async_trait]
pub trait PrivateAppStore: Send + Sync {
    async fn insert_private_app(
        &self,
        app: &PrivateApp,
        token: &TokenRecord,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    async fn list_private_apps(&self, account_id: &str) -> StoreResult<Vec<PrivateAppView>>;
    async fn get_private_app(
        &self,
        account_id: &str,
        id: &str,
    ) -> StoreResult<Option<PrivateAppView>>;
    async fn update_private_app(&self, app: &PrivateApp, audit: &AuditEntry) -> StoreResult<()>;
    async fn rotate_private_app(
        &self,
        app: &PrivateApp,
        new_token: &TokenRecord,
        old: OldTokens,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// Point the app at a new logo (or none) and delete the old logo row,
    /// at the time of the audit entry that records it.
    async fn replace_logo(
        &self,
        owner: LogoOwner,
        account_id: &str,
        app_id: &str,
        new: Option<&crate::logo::Logo>,
        old_id: Option<&str>,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    async fn get_logo(&self, id: &str) -> StoreResult<Option<crate::logo::Logo>>;
    /// Delete the app and revoke (delete) all its tokens.
    async fn delete_private_app(
        &self,
        account_id: &str,
        id: &str,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
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

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn insert_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    async fn list_audit(
        &self,
        account_id: &str,
        query: &crate::audit::AuditQuery,
    ) -> StoreResult<Vec<AuditEntry>>;
}
