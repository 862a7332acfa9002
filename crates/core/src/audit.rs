//! The account's audit log. Entries are written by services, never by handlers.

use crate::error::Result;
use crate::ids::new_id;
use crate::services::Services;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: String,
    pub account_id: String,
    /// Who did it: `user:<id>`, `private_app:<id>`, `cli`, or `anonymous`.
    pub actor: String,
    /// What happened, dotted: `private_app.created`, `token.leaked_revoked` …
    pub action: String,
    pub target: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl AuditEntry {
    pub fn new(
        account_id: &str,
        actor: &str,
        action: &str,
        target: Option<&str>,
        now: DateTime<Utc>,
    ) -> Self {
        AuditEntry {
            id: new_id(),
            account_id: account_id.to_owned(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.map(str::to_owned),
            created_at: now,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: i64,
}

impl Services {
    /// Record an audit entry. A failure to record is logged, not returned:
    /// the change it describes has already been committed.
    pub async fn audit(&self, entry: AuditEntry) {
        if let Err(e) = self.store.insert_audit(&entry).await {
            tracing::error!(error = %e, action = %entry.action, "could not write audit entry");
        }
    }

    pub async fn list_audit(
        &self,
        account_id: &str,
        query: &AuditQuery,
    ) -> Result<Vec<AuditEntry>> {
        Ok(self.store.list_audit(account_id, query).await?)
    }
}
