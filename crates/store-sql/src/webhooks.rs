//! Webhook subscriptions (SPEC S9) and their delivery log. What a write
//! enqueues is in `webhook_events.rs`; the delivery side — claiming,
//! recording attempts — in `webhook_outbox.rs`.

use crate::audit::insert_audit_in;
use crate::webhook_events::{corrupt, ms, outbox_signal, parse_events, time};
use crate::{err, SqlStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use switchboard_core::audit::AuditEntry;
use switchboard_core::store::{StoreError, StoreResult};
use switchboard_core::webhooks::{DeliveryLogEntry, Owner, Subscription, TargetUrl};
use tokio::sync::watch;

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
        let rows: Vec<SubscriptionRow> = on_reader!(self.reader, db => sqlx::query_as(&sql)
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
        let row: Option<SubscriptionRow> = on_reader!(self.reader, db => sqlx::query_as(&sql)
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
        let rows: Vec<DeliveryRow> = on_reader!(self.reader, db => sqlx::query_as(
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
        on_reader!(self.reader, db => sqlx::query_scalar(
            "select count(*) from webhook_outbox where state = 'pending'",
        )
        .fetch_one(db)
        .await)
        .map_err(err)
    }

    fn outbox_signal(&self) -> watch::Receiver<u64> {
        outbox_signal()
    }
}
