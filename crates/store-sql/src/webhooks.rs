//! Webhooks (SPEC S9): subscriptions, and the outbox that every record
//! change and audited action writes to inside its own transaction
//! ([`record_events_in`], [`security_events_in`]). The delivery side —
//! claiming, recording attempts — is in `webhook_outbox.rs`.

use crate::audit::insert_audit_in;
use crate::db::Conn;
use crate::{err, SqlStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::LazyLock;
use switchboard_core::audit::AuditEntry;
use switchboard_core::records::Module;
use switchboard_core::store::{StoreError, StoreResult};
use switchboard_core::webhooks::payload::{self, Listener};
use switchboard_core::webhooks::{
    DeliveryLogEntry, EventSet, NewOutboxItem, Owner, RecordAction, Subscription, TargetUrl,
};
use tokio::sync::watch;

/// PostgreSQL channel on which a commit that wrote outbox rows is announced.
pub(crate) const WEBHOOKS_CHANNEL: &str = "switchboard_webhooks";

/// In-process wake-up for the delivery workers. Process-wide: the writes
/// that enqueue hold only a connection, and an extra wake-up of another
/// store's worker (tests run several) costs one empty claim.
static OUTBOX_BUMP: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::channel(0).0);

pub(crate) fn bump() {
    OUTBOX_BUMP.send_modify(|n| *n = n.wrapping_add(1));
}

pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn time(ms: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {ms}")))
}

/// The same connection, lent again (the caller keeps it for later statements).
pub(crate) fn reborrow<'b>(c: &'b mut Conn<'_>) -> Conn<'b> {
    match c {
        Conn::Sqlite(x) => Conn::Sqlite(x),
        Conn::Postgres(x) => Conn::Postgres(x),
    }
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

fn parse_events(json: &str) -> StoreResult<EventSet> {
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

type SubscriptionRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    i64,
);

const SUBSCRIPTION_COLUMNS: &str = "id, account_id, private_app_id, oauth_app_id, grant_id, \
     target_url, events, secret_sealed, created_at";

fn subscription(r: SubscriptionRow) -> StoreResult<Subscription> {
    let (id, account_id, private_app_id, oauth_app_id, grant_id, target, events, sealed, created) =
        r;
    let owner = match (private_app_id, oauth_app_id, grant_id) {
        (Some(app), _, _) => Owner::PrivateApp(app),
        (None, Some(app_id), Some(grant_id)) => Owner::OAuthGrant { app_id, grant_id },
        _ => return Err(corrupt("a webhook subscription without an owner")),
    };
    Ok(Subscription {
        id,
        account_id,
        owner,
        target: TargetUrl::parse(&target).map_err(corrupt)?,
        events: parse_events(&events)?,
        sealed_secret: sealed,
        created_at: time(created)?,
    })
}

type DeliveryRow = (
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    i64,
    Option<String>,
    i64,
    Option<i64>,
);

#[async_trait]
impl switchboard_core::webhooks::WebhookStore for SqlStore {
    async fn insert_subscription(&self, s: &Subscription, audit: &AuditEntry) -> StoreResult<()> {
        let (private_app, oauth_app, grant) = match &s.owner {
            Owner::PrivateApp(id) => (Some(id.as_str()), None, None),
            Owner::OAuthGrant { app_id, grant_id } => {
                (None, Some(app_id.as_str()), Some(grant_id.as_str()))
            }
        };
        let events = serde_json::to_string(&s.events.to_strings()).map_err(corrupt)?;
        on_pool!(self.writer, db => {
            let mut tx = db.begin().await.map_err(err)?;
            sqlx::query(
                "insert into webhook_subscriptions (id, account_id, private_app_id, oauth_app_id, \
                 grant_id, target_url, events, secret_sealed, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
            )
            .bind(&s.id)
            .bind(&s.account_id)
            .bind(private_app)
            .bind(oauth_app)
            .bind(grant)
            .bind(s.target.as_str())
            .bind(&events)
            .bind(&s.sealed_secret)
            .bind(ms(s.created_at))
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            insert_audit_in(&mut tx, audit).await?;
            tx.commit().await.map_err(err)
        })
    }

    async fn list_subscriptions(
        &self,
        account_id: &str,
        owner: Option<&Owner>,
    ) -> StoreResult<Vec<Subscription>> {
        let (private_app, grant) = match owner {
            None => (None, None),
            Some(Owner::PrivateApp(id)) => (Some(id.as_str()), None),
            Some(Owner::OAuthGrant { grant_id, .. }) => (None, Some(grant_id.as_str())),
        };
        let any = owner.is_none();
        let sql = format!(
            "select {SUBSCRIPTION_COLUMNS} from webhook_subscriptions where account_id = $1 \
             and ($2 or private_app_id = $3 or grant_id = $4) order by created_at desc, id desc"
        );
        let rows: Vec<SubscriptionRow> = on_pool!(self.reader, db => sqlx::query_as(&sql)
            .bind(account_id)
            .bind(any)
            .bind(private_app)
            .bind(grant)
            .fetch_all(db)
            .await)
        .map_err(err)?;
        rows.into_iter().map(subscription).collect()
    }

    async fn get_subscription(
        &self,
        account_id: &str,
        id: &str,
    ) -> StoreResult<Option<Subscription>> {
        let sql = format!(
            "select {SUBSCRIPTION_COLUMNS} from webhook_subscriptions where account_id = $1 and id = $2"
        );
        let row: Option<SubscriptionRow> = on_pool!(self.reader, db => sqlx::query_as(&sql)
            .bind(account_id)
            .bind(id)
            .fetch_optional(db)
            .await)
        .map_err(err)?;
        row.map(subscription).transpose()
    }

    async fn delete_subscription(
        &self,
        account_id: &str,
        id: &str,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        // Its outbox rows and log go with it (on delete cascade).
        on_pool!(self.writer, db => {
            let mut tx = db.begin().await.map_err(err)?;
            let n = sqlx::query("delete from webhook_subscriptions where account_id = $1 and id = $2")
                .bind(account_id)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(err)?
                .rows_affected();
            if n == 0 {
                return Ok(false);
            }
            insert_audit_in(&mut tx, audit).await?;
            tx.commit().await.map_err(err)?;
            Ok::<_, StoreError>(true)
        })
    }

    async fn list_deliveries(
        &self,
        account_id: &str,
        subscription_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryLogEntry>> {
        let rows: Vec<DeliveryRow> = on_pool!(self.reader, db => sqlx::query_as(
            "select d.id, d.subscription_id, d.event_id, d.event_type, d.attempt, d.status, \
             d.latency_ms, d.error, d.created_at, d.next_attempt_at from webhook_deliveries d \
             join webhook_subscriptions s on s.id = d.subscription_id \
             where s.account_id = $1 and d.subscription_id = $2 \
             order by d.created_at desc, d.id desc limit $3",
        )
        .bind(account_id)
        .bind(subscription_id)
        .bind(limit)
        .fetch_all(db)
        .await)
        .map_err(err)?;
        rows.into_iter()
            .map(
                |(id, sub, event_id, event_type, attempt, status, latency, error, at, next)| {
                    Ok(DeliveryLogEntry {
                        id,
                        subscription_id: sub,
                        event_id,
                        event_type,
                        attempt: u32::try_from(attempt).unwrap_or(0),
                        status: status.and_then(|s| u16::try_from(s).ok()),
                        latency_ms: latency,
                        error,
                        created_at: time(at)?,
                        next_attempt_at: next.map(time).transpose()?,
                    })
                },
            )
            .collect()
    }

    async fn redeliver(
        &self,
        account_id: &str,
        subscription_id: &str,
        delivery_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let id = switchboard_core::ids::new_id();
        let n = on_pool!(self.writer, db => sqlx::query(
            "insert into webhook_outbox (id, subscription_id, account_id, event_id, event_type, \
             body, event_at, attempts, next_attempt_at, state, created_at, updated_at) \
             select $1, o.subscription_id, o.account_id, o.event_id, o.event_type, o.body, $2, 0, \
             $2, 'pending', $2, $2 from webhook_deliveries d \
             join webhook_outbox o on o.id = d.outbox_id \
             where d.id = $3 and d.subscription_id = $4 and o.account_id = $5",
        )
        .bind(&id)
        .bind(ms(now))
        .bind(delivery_id)
        .bind(subscription_id)
        .bind(account_id)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))
        .map_err(err)?;
        if n > 0 {
            self.announce_outbox().await;
        }
        Ok(n > 0)
    }

    async fn claim_deliveries(
        &self,
        node: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        max_subscriptions: i64,
        batch: i64,
    ) -> StoreResult<Vec<switchboard_core::webhooks::ClaimedBatch>> {
        self.claim(node, now, lease_until, max_subscriptions, batch)
            .await
    }

    async fn finish_deliveries(
        &self,
        node: &str,
        subscription_id: &str,
        attempts: &[switchboard_core::webhooks::Attempt],
    ) -> StoreResult<()> {
        self.finish(node, subscription_id, attempts).await
    }

    async fn purge_webhook_history(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        // An outbox row's last attempt is its newest log row: the log rows
        // go first, so none is left pointing at a purged event.
        let mut purged = 0;
        for sql in [
            "delete from webhook_deliveries where created_at < $1",
            "delete from webhook_outbox where state <> 'pending' and updated_at < $1",
        ] {
            purged += on_pool!(self.writer, db => sqlx::query(sql)
                .bind(ms(before))
                .execute(db)
                .await
                .map(|r| r.rows_affected()))
            .map_err(err)?;
        }
        Ok(purged)
    }

    async fn pending_deliveries(&self) -> StoreResult<i64> {
        on_pool!(self.reader, db => sqlx::query_scalar(
            "select count(*) from webhook_outbox where state = 'pending'",
        )
        .fetch_one(db)
        .await)
        .map_err(err)
    }

    fn outbox_signal(&self) -> watch::Receiver<u64> {
        OUTBOX_BUMP.subscribe()
    }
}
