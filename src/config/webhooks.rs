//! Webhook settings of `serve` (SPEC S9, S10 `--webhook-allow-private`).

use anyhow::bail;
use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args};

pub const DEFAULT_WEBHOOK_TIMEOUT_MS: u64 = 10_000;
pub const DEFAULT_WEBHOOK_RETRY_BASE_MS: u64 = 10_000;

#[derive(Debug, Clone, Default, Args)]
pub struct WebhookArgs {
    /// Let webhooks reach loopback, private, link-local and metadata addresses (a receiver
    /// on this host or network); the environment variable takes 1/0/true/false
    /// [default: such targets are refused].
    #[arg(
        long,
        env = "SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE",
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new()
    )]
    pub webhook_allow_private: bool,
    /// Milliseconds a webhook delivery may take, connecting and the answer included
    /// (at least 100) [default: 10000].
    #[arg(long, env = "SWITCHBOARD_WEBHOOK_TIMEOUT_MS")]
    pub webhook_timeout_ms: Option<u64>,
    /// Milliseconds before a failed delivery's first retry; later ones double, with
    /// jitter, for 24 hours (tests shorten it) [default: 10000].
    #[arg(long, env = "SWITCHBOARD_WEBHOOK_RETRY_BASE_MS", hide = true)]
    pub webhook_retry_base_ms: Option<u64>,
}

/// The TOML keys, in snake_case like the flags.
#[derive(Debug, Default, Clone, Copy)]
pub struct WebhookFileKeys {
    pub webhook_allow_private: Option<bool>,
    pub webhook_timeout_ms: Option<u64>,
    pub webhook_retry_base_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookConfig {
    pub allow_private: bool,
    pub timeout_ms: u64,
    pub retry_base_ms: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            allow_private: false,
            timeout_ms: DEFAULT_WEBHOOK_TIMEOUT_MS,
            retry_base_ms: DEFAULT_WEBHOOK_RETRY_BASE_MS,
        }
    }
}

impl WebhookConfig {
    pub fn load(args: &WebhookArgs, file: WebhookFileKeys) -> anyhow::Result<WebhookConfig> {
        let timeout_ms = args
            .webhook_timeout_ms
            .or(file.webhook_timeout_ms)
            .unwrap_or(DEFAULT_WEBHOOK_TIMEOUT_MS);
        if timeout_ms < 100 {
            bail!("webhook_timeout_ms must be at least 100, got {timeout_ms}");
        }
        let retry_base_ms = args
            .webhook_retry_base_ms
            .or(file.webhook_retry_base_ms)
            .unwrap_or(DEFAULT_WEBHOOK_RETRY_BASE_MS)
            .max(1);
        Ok(WebhookConfig {
            allow_private: args.webhook_allow_private
                || file.webhook_allow_private.unwrap_or(false),
            timeout_ms,
            retry_base_ms,
        })
    }
}
