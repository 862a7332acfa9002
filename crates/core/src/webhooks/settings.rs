//! Operator settings for webhooks.

use super::retry::RetryPolicy;

/// Operator settings for webhooks.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebhookSettings {
    /// `--webhook-allow-private`: targets may be loopback or private addresses.
    pub allow_private: bool,
    pub retry: RetryPolicy,
}
