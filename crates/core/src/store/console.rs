//! Storage for one-time token reveals and the rotation read the console needs.

use super::error::StoreResult;
use crate::model::reveal::Reveal;
use crate::token::TokenHash;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Storage for reveals and the rotation read the console needs.
#[async_trait]
pub trait ConsoleStore: Send + Sync {
    async fn insert_reveal(&self, reveal: &Reveal) -> StoreResult<()>;
    /// Delete and return reveal `id` if `session_hash` owns it and it has not
    /// expired at `now` (expired rows are deleted on the way).
    async fn take_reveal(
        &self,
        id: &str,
        session_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Reveal>>;
    /// The latest time at which a replaced, unrevoked token of the Private
    /// App still works (a rotation with a grace period), if any is left at `now`.
    async fn old_token_valid_until(
        &self,
        account_id: &str,
        app_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>>;
}
