//! `Services`: the one handle the HTTP layer and the CLI call into.
//! Each feature module adds its operations in its own `impl Services` block.

use crate::clock::Clock;
use crate::oauth::OAuthSettings;
use crate::secret_box::ServerKey;
use crate::store::Store;
use crate::throttle::SignInThrottle;
use std::sync::Arc;

pub struct Services {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub sign_in_throttle: SignInThrottle,
    pub oauth: OAuthSettings,
    /// Seals OAuth client secrets; `None` in tools that never touch them.
    pub server_key: Option<ServerKey>,
    pub webhooks: crate::webhooks::WebhookSettings,
    /// When this node last recorded each token's use: look-ups may come from
    /// a cache whose `last_used_at` is older than the database's.
    pub(crate) token_touches: moka::sync::Cache<String, chrono::DateTime<chrono::Utc>>,
}

impl Services {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Services {
            store,
            clock,
            sign_in_throttle: SignInThrottle::default(),
            oauth: OAuthSettings::default(),
            server_key: None,
            webhooks: crate::webhooks::WebhookSettings::default(),
            token_touches: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(std::time::Duration::from_secs(600))
                .build(),
        }
    }

    /// What the OAuth server needs: its settings and the server key.
    pub fn with_oauth(mut self, settings: OAuthSettings, key: ServerKey) -> Self {
        self.oauth = settings;
        self.server_key = Some(key);
        self
    }
}

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
