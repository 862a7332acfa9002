//! The audit log port.

use super::error::StoreResult;
use crate::model::audit::AuditEntry;
use async_trait::async_trait;

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn insert_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    async fn list_audit(
        &self,
        account_id: &str,
        query: &crate::model::audit::AuditQuery,
    ) -> StoreResult<Vec<AuditEntry>>;
}
