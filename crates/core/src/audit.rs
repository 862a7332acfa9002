//! The account's audit log. Entries are written by services, never by handlers.

use crate::error::Result;
use crate::ids::new_id;
pub use crate::model::audit::{AuditCursor, AuditEntry, AuditQuery};
use crate::services::Services;
use chrono::{DateTime, Utc};
use std::net::IpAddr;

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
            ip: client_ip().map(|ip| ip.to_string()),
            created_at: now,
        }
    }
}

tokio::task_local! {
    static CLIENT_IP: IpAddr;
}

/// Run `work` (one HTTP request) with `ip` as the client address that the
/// audit entries it makes record. The HTTP layer sets it once per request,
/// so that services need not pass it through every call.
pub async fn with_client_ip<F: std::future::Future>(ip: IpAddr, work: F) -> F::Output {
    CLIENT_IP.scope(ip, work).await
}

/// The client address of the request being served, if any.
pub fn client_ip() -> Option<IpAddr> {
    CLIENT_IP.try_with(|ip| *ip).ok()
}

impl Services {
    /// Record an event that changes nothing stored (a sign-in, a failed
    /// one). Changes carry their entry into the store's write instead, which
    /// commits both together. A failure to record is logged, not returned.
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

    /// One page of the log, newest first, and the cursor of the next page
    /// when there are older entries.
    pub async fn audit_page(
        &self,
        account_id: &str,
        query: &AuditQuery,
    ) -> Result<(Vec<AuditEntry>, Option<AuditCursor>)> {
        let mut q = query.clone();
        q.limit = query.limit + 1;
        let mut entries = self.store.list_audit(account_id, &q).await?;
        let more = entries.len() as i64 > query.limit;
        entries.truncate(usize::try_from(query.limit).unwrap_or(0));
        let next = more.then(|| entries.last()).flatten().map(|e| AuditCursor {
            created_at: e.created_at,
            id: e.id.clone(),
        });
        Ok((entries, next))
    }
}

#[cfg(test)]
mod tests {
    use super::AuditCursor;

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        let c = AuditCursor::parse("1764683760000.0193a1b2-c3d4").unwrap();
        assert_eq!(AuditCursor::parse(&c.encode()), Some(c));
        for bad in ["", "x.y", "12", "12.", "12.a'b", "99999999999999999999.a"] {
            assert_eq!(AuditCursor::parse(bad), None, "{bad}");
        }
    }
}
