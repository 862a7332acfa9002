//! The delivery side of the webhook outbox: workers on any node lease a
//! subscription whose oldest pending event is due, send its events in
//! order, and record the attempts. PostgreSQL nodes skip rows another node
//! has locked (`for update skip locked`) and respect each other's leases;
//! a lease that runs out (its node died) is taken over.

use crate::audit::insert_audit_in;
use crate::background::Background;
use crate::db::Pool;
use crate::webhook_events::{bump, corrupt, ms, time, WEBHOOKS_CHANNEL};
use crate::{err, SqlStore};
use chrono::{DateTime, Utc};
use std::time::Duration;
use switchboard_core::audit::AuditEntry;
use switchboard_core::store::{StoreError, StoreResult};
use switchboard_core::webhooks::{Attempt, AttemptFate, ClaimedBatch, OutboxItem};

type ItemRow = (String, String, String, String, i64, i64, i64);

impl SqlStore {
    /// Wake every node's worker (after a write outside the record and audit paths).
    pub(crate) async fn announce_outbox(&self) {
        bump();
        if let Pool::Postgres(db) = &self.writer {
            let sent = sqlx::query("select pg_notify($1, '')")
                .bind(WEBHOOKS_CHANNEL)
                .execute(db)
                .await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "cannot announce webhook events; other nodes poll");
            }
        }
    }

    pub(crate) async fn claim(
        &self,
        node: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        max_subscriptions: i64,
        batch: i64,
    ) -> StoreResult<Vec<ClaimedBatch>> {
        // SQLite has one process, so one worker: a lease not its own was
        // left by a process that stopped (or was killed) and is void.
        let (lock, foreign_lease) = match self.writer {
            Pool::Postgres(_) => (
                " for update of s skip locked",
                "(false and s.lease_owner = $3)",
            ),
            Pool::Sqlite(_) => ("", "s.lease_owner <> $3"),
        };
        // A subscription is due when its oldest pending event is: a later
        // event never overtakes one that waits for a retry.
        let pick = format!(
            "select s.id, s.account_id, s.target_url, s.secret_sealed from webhook_subscriptions s \
             where (s.lease_until is null or s.lease_until < $1 or {foreign_lease}) \
             and (select o.next_attempt_at from webhook_outbox o where o.subscription_id = s.id \
                  and o.state = 'pending' order by o.seq limit 1) <= $1 \
             order by s.lease_until nulls first, s.id limit $2{lock}"
        );
        let claimed: Vec<(ClaimedBatch, Vec<ItemRow>)> = on_pool!(self.writer, db => {
            let mut tx = db.begin().await.map_err(err)?;
            let subs: Vec<(String, String, String, String)> = sqlx::query_as(&pick)
                .bind(ms(now))
                .bind(max_subscriptions)
                .bind(node)
                .fetch_all(&mut *tx)
                .await
                .map_err(err)?;
            let mut out = Vec::with_capacity(subs.len());
            for (id, account_id, target, sealed) in subs {
                sqlx::query(
                    "update webhook_subscriptions set lease_owner = $1, lease_until = $2 where id = $3",
                )
                .bind(node)
                .bind(ms(lease_until))
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                let items: Vec<ItemRow> = sqlx::query_as(
                    "select id, event_id, event_type, body, event_at, attempts, next_attempt_at \
                     from webhook_outbox where subscription_id = $1 and state = 'pending' \
                     order by seq limit $2",
                )
                .bind(&id)
                .bind(batch)
                .fetch_all(&mut *tx)
                .await
                .map_err(err)?;
                out.push((
                    ClaimedBatch {
                        subscription_id: id,
                        account_id,
                        target,
                        sealed_secret: sealed,
                        items: Vec::new(),
                    },
                    items,
                ));
            }
            tx.commit().await.map_err(err)?;
            Ok::<_, StoreError>(out)
        })?;
        claimed
            .into_iter()
            .map(|(mut b, rows)| {
                for (id, event_id, event_type, body, event_at, attempts, next) in rows {
                    // Only what is due, and in order: stop at the first that waits.
                    if next > ms(now) {
                        break;
                    }
                    b.items.push(OutboxItem {
                        id,
                        subscription_id: b.subscription_id.clone(),
                        event_id,
                        event_type,
                        body,
                        event_at: time(event_at)?,
                        attempts: u32::try_from(attempts).map_err(corrupt)?,
                    });
                }
                Ok(b)
            })
            .collect()
    }

    pub(crate) async fn finish(
        &self,
        node: &str,
        subscription_id: &str,
        attempts: &[Attempt],
    ) -> StoreResult<()> {
        on_pool!(self.writer, db => {
            let mut tx = db.begin().await.map_err(err)?;
            let mut gone = None;
            for a in attempts {
                let next = match a.fate {
                    AttemptFate::Retry(at) => Some(ms(at)),
                    _ => None,
                };
                sqlx::query(
                    "insert into webhook_deliveries (id, outbox_id, subscription_id, event_id, \
                     event_type, attempt, status, latency_ms, error, next_attempt_at, created_at, \
                     updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
                )
                .bind(&a.id)
                .bind(&a.outbox_id)
                .bind(subscription_id)
                .bind(&a.event_id)
                .bind(&a.event_type)
                .bind(i64::from(a.attempt))
                .bind(a.status.map(i64::from))
                .bind(a.latency_ms)
                .bind(&a.error)
                .bind(next)
                .bind(ms(a.at))
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                let state = match a.fate {
                    AttemptFate::Delivered => "delivered",
                    AttemptFate::Retry(_) => "pending",
                    AttemptFate::GaveUp | AttemptFate::Gone => "failed",
                };
                sqlx::query(
                    "update webhook_outbox set state = $1, attempts = $2, \
                     next_attempt_at = coalesce($3, next_attempt_at), updated_at = $4 where id = $5",
                )
                .bind(state)
                .bind(i64::from(a.attempt))
                .bind(next)
                .bind(ms(a.at))
                .bind(&a.outbox_id)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                if a.fate == AttemptFate::Gone {
                    gone = Some(a.at);
                }
            }
            if let Some(at) = gone {
                // 410 Gone: the receiver unsubscribed (SPEC S9). Audited like
                // an admin's delete; the actor is the receiver, who signs in
                // as no one.
                let account: Option<String> = sqlx::query_scalar(
                    "delete from webhook_subscriptions where id = $1 returning account_id",
                )
                .bind(subscription_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?;
                if let Some(account_id) = account {
                    let audit = AuditEntry::new(
                        &account_id,
                        "anonymous",
                        "webhook.unsubscribed_by_target",
                        Some(subscription_id),
                        at,
                    );
                    insert_audit_in(&mut tx, &audit).await?;
                }
            } else {
                sqlx::query(
                    "update webhook_subscriptions set lease_owner = null, lease_until = null \
                     where id = $1 and lease_owner = $2",
                )
                .bind(subscription_id)
                .bind(node)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            }
            tx.commit().await.map_err(err)
        })
    }
}

/// PostgreSQL: follow other nodes' announcements of new outbox rows; after
/// the listening connection is lost, wake the worker anyway (it may have
/// missed some) and reconnect.
pub(crate) fn listen(url: &str) -> Background {
    let url = url.to_owned();
    Background::spawn(async move {
        loop {
            match sqlx::postgres::PgListener::connect(&url).await {
                Ok(mut listener) => {
                    if let Err(e) = listener.listen(WEBHOOKS_CHANNEL).await {
                        tracing::warn!(error = %e, "cannot listen for webhook events");
                    } else {
                        bump();
                        while let Ok(Some(_)) = listener.try_recv().await {
                            bump();
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot connect to listen for webhook events"),
            }
            bump();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}
