//! What the webhook store keeps: subscriptions, outbox rows (one per event
//! and subscription, written with the change) and the delivery log.

use super::events::EventSet;
use super::target::TargetUrl;
use chrono::{DateTime, Utc};

/// Whose subscription it is: the app (and for OAuth tokens the grant)
/// behind the token that made it. Deleting the app or revoking the grant
/// deletes the subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    PrivateApp(String),
    OAuthGrant { app_id: String, grant_id: String },
}

impl Owner {
    pub fn app_id(&self) -> &str {
        match self {
            Owner::PrivateApp(id) => id,
            Owner::OAuthGrant { app_id, .. } => app_id,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub account_id: String,
    pub owner: Owner,
    pub target: TargetUrl,
    pub events: EventSet,
    /// The signing secret sealed under the server key (bound to the id).
    pub sealed_secret: String,
    pub created_at: DateTime<Utc>,
}

/// One event for one subscription, waiting in (or done with) the outbox.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    pub id: String,
    pub subscription_id: String,
    pub event_id: String,
    pub event_type: String,
    /// The JSON body sent, fixed when the event was written.
    pub body: String,
    pub event_at: DateTime<Utc>,
    /// Attempts made so far.
    pub attempts: u32,
}

/// A new outbox row, as the store writes it inside the data change's transaction.
#[derive(Debug, Clone)]
pub struct NewOutboxItem {
    pub id: String,
    pub subscription_id: String,
    pub account_id: String,
    pub event_id: String,
    pub event_type: String,
    pub body: String,
    pub event_at: DateTime<Utc>,
}

/// A subscription a worker leased, with its next due events in order.
#[derive(Debug, Clone)]
pub struct ClaimedBatch {
    pub subscription_id: String,
    pub account_id: String,
    pub target: String,
    pub sealed_secret: String,
    pub items: Vec<OutboxItem>,
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptFate {
    Delivered,
    /// Try again at this time.
    Retry(DateTime<Utc>),
    /// The retry window is over.
    GaveUp,
    /// The target answered 410: the subscription is deleted.
    Gone,
}

/// One attempt, for the delivery log and the outbox.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub id: String,
    pub outbox_id: String,
    pub subscription_id: String,
    pub event_id: String,
    pub event_type: String,
    /// 1-based.
    pub attempt: u32,
    /// The target's HTTP status, when it answered.
    pub status: Option<u16>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub fate: AttemptFate,
    pub at: DateTime<Utc>,
}

/// A row of `GET /webhooks/{id}/deliveries`.
#[derive(Debug, Clone)]
pub struct DeliveryLogEntry {
    pub id: String,
    pub subscription_id: String,
    pub event_id: String,
    pub event_type: String,
    pub attempt: u32,
    pub status: Option<u16>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}
