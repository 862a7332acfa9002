//! The Private Apps port.

use super::error::StoreResult;
use super::tokens::{OldTokens, TokenRecord};
use crate::model::audit::AuditEntry;
use crate::model::logo::LogoOwner;
use crate::model::private_app::PrivateApp;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A Private App with what the list and detail views show of its current token.
#[derive(Debug, Clone)]
pub struct PrivateAppView {
    pub app: PrivateApp,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
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
        new: Option<&crate::model::logo::Logo>,
        old_id: Option<&str>,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    async fn get_logo(&self, id: &str) -> StoreResult<Option<crate::model::logo::Logo>>;
    /// Delete the app and revoke (delete) all its tokens.
    async fn delete_private_app(
        &self,
        account_id: &str,
        id: &str,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
}
