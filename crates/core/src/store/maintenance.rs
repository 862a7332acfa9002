//! Health, upkeep and start-up repairs.

use super::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

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
