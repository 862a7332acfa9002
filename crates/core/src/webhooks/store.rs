//! The storage port for webhooks. Outbox rows are not written through this
//! trait: every backend writes them inside the transaction of the data
//! change or audited action (see [`super::payload`]).

use super::model::{Attempt, ClaimedBatch, DeliveryLogEntry, Owner, Subscription};
use crate::model::audit::AuditEntry;
use crate::store::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::watch;

#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Insert it and its audit entry, in one transaction.
    async fn insert_subscription(&self, sub: &Subscription, audit: &AuditEntry) -> StoreResult<()>;
    /// The account's subscriptions, newest first; only `owner`'s when given.
    async fn list_subscriptions(
        &self,
        account_id: &str,
        owner: Option<&Owner>,
    ) -> StoreResult<Vec<Subscription>>;
    async fn get_subscription(
        &self,
        account_id: &str,
        id: &str,
    ) -> StoreResult<Option<Subscription>>;
    /// Delete it, its pending events and its log, and write `audit`, in one
    /// transaction; `false` (and no entry) if there was none.
    async fn delete_subscription(
        &self,
        account_id: &str,
        id: &str,
        audit: &AuditEntry,
    ) -> StoreResult<bool>;
    /// The newest attempts first.
    async fn list_deliveries(
        &self,
        account_id: &str,
        subscription_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryLogEntry>>;
    /// Queue the event of a logged attempt again, due `now`, at the end of
    /// the subscription's queue; `false` if the attempt is not this
    /// subscription's (or the account's).
    async fn redeliver(
        &self,
        account_id: &str,
        subscription_id: &str,
        delivery_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Lease up to `max_subscriptions` subscriptions whose oldest pending
    /// event is due and that no live lease holds, until `lease_until`, and
    /// return each with up to `batch` of its pending events, oldest first.
    /// A node that dies leaves its leases to expire; another takes over.
    async fn claim_deliveries(
        &self,
        node: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        max_subscriptions: i64,
        batch: i64,
    ) -> StoreResult<Vec<ClaimedBatch>>;
    /// Record attempts (log rows, outbox state) and release `node`'s lease on
    /// the subscription, in one transaction.
    async fn finish_deliveries(
        &self,
        node: &str,
        subscription_id: &str,
        attempts: &[Attempt],
    ) -> StoreResult<()>;
    /// Forget delivered and given-up events whose last attempt was before
    /// `before`, and log rows written before it; pending events stay.
    /// Returns how many rows went.
    async fn purge_webhook_history(&self, before: DateTime<Utc>) -> StoreResult<u64>;
    /// Events not yet delivered (nor given up), in the whole database.
    async fn pending_deliveries(&self) -> StoreResult<i64>;
    /// Changes when outbox rows were written (on PostgreSQL also when
    /// another node's commit wrote some): the delivery worker waits on it.
    fn outbox_signal(&self) -> watch::Receiver<u64>;
}
