//! Audit log entries and how a reader pages through them.

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
    /// The client's address, when the change came through HTTP.
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Paging: only entries older than this one (newest-first order).
    pub before: Option<AuditCursor>,
    pub limit: i64,
}

/// Where a page of the log ends: the last entry's time and id (ids break
/// ties between entries of the same millisecond).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCursor {
    pub created_at: DateTime<Utc>,
    pub id: String,
}

impl AuditCursor {
    /// `<epoch ms>.<id>`, as it travels in a URL.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at.timestamp_millis(), self.id)
    }

    pub fn parse(raw: &str) -> Option<AuditCursor> {
        let (ms, id) = raw.split_once('.')?;
        let created_at = DateTime::from_timestamp_millis(ms.parse().ok()?)?;
        let ok = !id.is_empty()
            && id.len() <= 64
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        ok.then(|| AuditCursor {
            created_at,
            id: id.to_owned(),
        })
    }
}
