//! Periodic upkeep, safe to run on every node at once.

use crate::services::Services;

impl Services {
    /// Periodic upkeep: purge expired sessions, idempotency keys, consent
    /// transactions, authorization codes, OAuth tokens expired or revoked
    /// longer than the retention window ago, and webhook events delivered (or
    /// given up) and log rows older than `webhooks::HISTORY_DAYS`; refresh
    /// planner statistics. Safe to run on every node at once.
    pub async fn maintain(&self) -> crate::Result<u64> {
        use crate::session::{ABSOLUTE_TIMEOUT_DAYS, IDLE_TIMEOUT_HOURS};
        use chrono::Duration;
        let now = self.clock.now();
        let purged = self
            .store
            .purge_expired(
                now - Duration::hours(IDLE_TIMEOUT_HOURS),
                now - Duration::days(ABSOLUTE_TIMEOUT_DAYS),
                now - Duration::hours(crate::records::IDEMPOTENCY_HOURS),
                now - self.oauth.token_retention,
                now,
            )
            .await?;
        let webhooks = self
            .store
            .purge_webhook_history(now - Duration::days(crate::webhooks::HISTORY_DAYS))
            .await?;
        self.store.refresh_statistics(false).await?;
        Ok(purged + webhooks)
    }
}
