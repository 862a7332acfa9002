//! The delivery worker that runs in every node. One step claims what is due
//! (leasing each subscription, so no other node sends its events meanwhile),
//! sends each subscription's events in order, and records the outcome; the
//! loop only waits between steps: for a commit's signal, or the poll
//! interval as a fallback.

use crate::client::DeliveryClient;
use std::sync::Arc;
use std::time::Duration;
use switchboard_core::ids::new_id;
use switchboard_core::webhooks::{Attempt, AttemptFate, ClaimedBatch, RetryPolicy};
use switchboard_core::Services;
use tokio::sync::watch;
use tokio::task::JoinSet;

#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// This node's name in leases.
    pub node: String,
    pub connect_timeout: Duration,
    /// For the whole request, answer included.
    pub timeout: Duration,
    /// A claim is held this long; a node that dies frees it when it runs out.
    pub lease: Duration,
    /// When no signal comes, look anyway this often.
    pub poll_interval: Duration,
    /// Subscriptions served at once, and events per subscription per step.
    /// A step waits twice for the writer (claim, then record), behind the
    /// record writes queued there, so one subscription's rate is at most
    /// `batch` per step: 100 capped it near 700-900 events/s under 64
    /// concurrent creates on SQLite (bench/webhooks.sh) and its backlog grew.
    pub subscriptions_per_step: i64,
    pub batch: i64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            node: new_id(),
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(10),
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_secs(1),
            subscriptions_per_step: 16,
            batch: 1000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// This many attempts were made.
    Worked(usize),
    Empty,
}

pub struct Deliverer {
    services: Arc<Services>,
    client: DeliveryClient,
    settings: DeliverySettings,
}

impl Deliverer {
    pub fn new(services: Arc<Services>, settings: DeliverySettings) -> Result<Self, String> {
        let client = DeliveryClient::new(
            services.webhooks.allow_private,
            settings.connect_timeout,
            settings.timeout,
        )
        .map_err(|e| e.to_string())?;
        Ok(Deliverer {
            services,
            client,
            settings,
        })
    }

    /// Claim what is due and deliver it: the step the loop repeats.
    pub async fn try_deliver_next(self: &Arc<Self>) -> switchboard_core::Result<Step> {
        let now = self.services.clock.now();
        let lease = chrono::Duration::from_std(self.settings.lease)
            .unwrap_or_else(|_| chrono::Duration::seconds(60));
        let claimed = self
            .services
            .store
            .claim_deliveries(
                &self.settings.node,
                now,
                now + lease,
                self.settings.subscriptions_per_step,
                self.settings.batch,
            )
            .await?;
        if claimed.is_empty() {
            return Ok(Step::Empty);
        }
        let mut tasks = JoinSet::new();
        for batch in claimed {
            let me = self.clone();
            tasks.spawn(async move { me.deliver_batch(batch).await });
        }
        let mut attempts = 0;
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(Ok(n)) => attempts += n,
                Ok(Err(e)) => tracing::warn!(error = %e, "recording webhook deliveries failed"),
                Err(e) => tracing::error!(error = %e, "a webhook delivery task failed"),
            }
        }
        Ok(Step::Worked(attempts))
    }

    /// Send one subscription's events in order, stopping at the first that
    /// fails: a later event must not overtake it.
    async fn deliver_batch(&self, batch: ClaimedBatch) -> switchboard_core::Result<usize> {
        let secret = self
            .services
            .webhook_secret(&batch.subscription_id, &batch.sealed_secret)?;
        let policy: RetryPolicy = self.services.webhooks.retry;
        let mut attempts = Vec::with_capacity(batch.items.len());
        let started = std::time::Instant::now();
        for item in &batch.items {
            // Well inside the lease: past it another node may take the rest.
            if started.elapsed() > self.settings.lease / 2 {
                break;
            }
            let sent_at = self.services.clock.now();
            let result = self
                .client
                .send(&batch.target, &secret, sent_at.timestamp(), &item.body)
                .await;
            let attempt = item.attempts + 1;
            let done_at = self.services.clock.now();
            let fate = match result.status {
                Some(200..=299) => AttemptFate::Delivered,
                Some(410) => AttemptFate::Gone,
                _ => match policy.next_attempt(attempt, item.event_at, done_at) {
                    Some(at) => AttemptFate::Retry(at),
                    None => AttemptFate::GaveUp,
                },
            };
            let error = result.error.or_else(|| match result.status {
                Some(200..=299) => None,
                Some(410) => Some("410 Gone: unsubscribed".into()),
                Some(s) => Some(format!("the target answered {s}")),
                None => None,
            });
            let stop = fate != AttemptFate::Delivered;
            attempts.push(Attempt {
                id: new_id(),
                outbox_id: item.id.clone(),
                subscription_id: batch.subscription_id.clone(),
                event_id: item.event_id.clone(),
                event_type: item.event_type.clone(),
                attempt,
                status: result.status,
                latency_ms: result.latency_ms,
                error,
                fate,
                at: sent_at,
            });
            if stop {
                break;
            }
        }
        let n = attempts.len();
        self.services
            .store
            .finish_deliveries(&self.settings.node, &batch.subscription_id, &attempts)
            .await?;
        Ok(n)
    }
}

/// Deliver until `stop` turns true; the step in flight finishes first.
pub async fn run(deliverer: Arc<Deliverer>, mut stop: watch::Receiver<bool>) {
    let mut signal = deliverer.services.store.outbox_signal();
    let poll = deliverer.settings.poll_interval;
    loop {
        if *stop.borrow() {
            return;
        }
        let step = deliverer.try_deliver_next().await;
        let idle = match step {
            Ok(Step::Worked(_)) => continue,
            Ok(Step::Empty) => poll,
            Err(e) => {
                tracing::warn!(error = %e, "webhook delivery step failed; retrying");
                poll
            }
        };
        tokio::select! {
            _ = signal.changed() => {}
            () = tokio::time::sleep(idle) => {}
            _ = stop.changed() => return,
        }
    }
}
