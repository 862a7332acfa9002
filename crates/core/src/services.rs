//! `Services`: the one handle the HTTP layer and the CLI call into.
//! Each feature module adds its operations in its own `impl Services` block.

use crate::clock::Clock;
use crate::oauth::settings::OAuthSettings;
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
    pub webhooks: crate::webhooks::settings::WebhookSettings,
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
            webhooks: crate::webhooks::settings::WebhookSettings::default(),
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
