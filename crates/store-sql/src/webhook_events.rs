//! The write side of the webhook outbox: the events a record change or an
//! audited action enqueues, inside the writer's own transaction
//! ([`record_events_in`], [`records_created_in`], [`security_events_in`]),
//! and the wake-up that tells the delivery workers. Subscriptions are in
//! `webhooks.rs`, delivery in `webhook_outbox.rs`.

use crate::db::{reborrow, Conn};
use crate::err;
pub(crate) use crate::rows::ms;
use chrono::{DateTime, Utc};
use std::sync::LazyLock;
use switchboard_core::audit::AuditEntry;
use switchboard_core::records::Module;
use switchboard_core::store::{StoreError, StoreResult};
use switchboard_core::webhooks::payload::{self, Listener};
use switchboard_core::webhooks::{EventSet, NewOutboxItem, RecordAction};
use tokio::sync::watch;

/// PostgreSQL channel on which a commit that wrote outbox rows is announced.
pub(crate) const WEBHOOKS_CHANNEL: &str = "switchboard_webhooks";

/// In-process wake-up for the delivery workers. Process-wide: the writes
/// that enqueue hold only a connection, and an extra wake-up of another
/// store's worker (tests run several) costs one empty claim.
static OUTBOX_BUMP: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::channel(0).0);

/// A receiver of the delivery workers' wake-ups.
pub(crate) fn outbox_signal() -> watch::Receiver<u64> {
    OUTBOX_BUMP.subscribe()
}

pub(crate) fn bump() {
    OUTBOX_BUMP.send_modify(|n| *n = n.wrapping_add(1));
}

pub(crate) fn time(ms: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {ms}")))
}

pub(crate) fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// The subscriptions of an account, as the write path needs them.
async fn listeners_in(conn: Conn<'_>, account_id: &str) -> StoreResult<Vec<Listener>> {
    let rows: Vec<(String, String)> = on_conn!(conn, c => sqlx::query_as(
        "select id, events from webhook_subscriptions where account_id = $1",
    )
    .bind(account_id)
    .fetch_all(&mut *c)
    .await)
    .map_err(err)?;
    rows.into_iter()
        .map(|(id, events)| {
            Ok(Listener {
                id,
                events: parse_events(&events)?,
            })
        })
        .collect()
}

pub(crate) fn parse_events(json: &str) -> StoreResult<EventSet> {
    let names: Vec<String> = serde_json::from_str(json).map_err(corrupt)?;
    EventSet::parse(&names).map_err(corrupt)
}

/// Write the outbox rows; on PostgreSQL the notification goes out with the
/// commit (NOTIFY is transactional), to every node's worker.
async fn enqueue_in(conn: Conn<'_>, items: &[NewOutboxItem]) -> StoreResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let postgres = matches!(conn, Conn::Postgres(_));
    on_conn!(conn, c => {
        for it in items {
            sqlx::query(
                "insert into webhook_outbox (id, subscription_id, account_id, event_id, event_type, \
                 body, event_at, attempts, next_attempt_at, state, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, 0, $7, 'pending', $7, $7)",
            )
            .bind(&it.id)
            .bind(&it.subscription_id)
            .bind(&it.account_id)
            .bind(&it.event_id)
            .bind(&it.event_type)
            .bind(&it.body)
            .bind(ms(it.event_at))
            .execute(&mut *c)
            .await
            .map_err(err)?;
        }
        if postgres {
            sqlx::query("select pg_notify($1, '')")
                .bind(WEBHOOKS_CHANNEL)
                .execute(&mut *c)
                .await
                .map_err(err)?;
        }
        Ok::<(), StoreError>(())
    })?;
    // SQLite: the worker's claim queues behind this transaction on the one
    // writer connection, so it sees the rows once they commit.
    bump();
    Ok(())
}

/// Inside a record write's transaction: the events of the change for every
/// subscription of the account that wants them.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_events_in<'a>(
    conn: impl Into<Conn<'a>>,
    module: Module,
    account_id: &str,
    record_id: &str,
    added: i64,
    record: Option<&str>,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let action = match added {
        1 => RecordAction::Created,
        -1 => RecordAction::Deleted,
        _ => RecordAction::Updated,
    };
    let mut conn: Conn<'a> = conn.into();
    let listeners = listeners_in(reborrow(&mut conn), account_id).await?;
    if listeners.is_empty() {
        return Ok(());
    }
    let items = payload::record_events(
        &listeners, account_id, module, action, record_id, record, at,
    );
    enqueue_in(conn, &items).await
}

/// Inside a bulk insert's transaction: the `created` events of every record
/// (`snapshots`: their JSON, in order).
pub(crate) async fn records_created_in<'a>(
    conn: impl Into<Conn<'a>>,
    module: Module,
    account_id: &str,
    records: &[switchboard_core::records::Record],
    snapshots: &[String],
) -> StoreResult<()> {
    let mut conn: Conn<'a> = conn.into();
    let listeners = listeners_in(reborrow(&mut conn), account_id).await?;
    if listeners.is_empty() {
        return Ok(());
    }
    let mut items = Vec::new();
    for (r, json) in records.iter().zip(snapshots) {
        items.extend(payload::record_events(
            &listeners,
            account_id,
            module,
            RecordAction::Created,
            &r.id,
            Some(json),
            r.updated_at,
        ));
    }
    enqueue_in(conn, &items).await
}

/// Inside an audited write's transaction: the S9.1 event of the action, if any.
pub(crate) async fn security_events_in<'a>(
    conn: impl Into<Conn<'a>>,
    entry: &AuditEntry,
) -> StoreResult<()> {
    if switchboard_core::webhooks::events::security_event_for_audit(&entry.action).is_none() {
        return Ok(());
    }
    let mut conn: Conn<'a> = conn.into();
    let listeners = listeners_in(reborrow(&mut conn), &entry.account_id).await?;
    let items = payload::security_events(&listeners, entry);
    enqueue_in(conn, &items).await
}
