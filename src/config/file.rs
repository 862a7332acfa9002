//! The TOML configuration file (`--config`).

use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The TOML file: the same keys as the flags, in snake_case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    pub(super) bind: Option<String>,
    pub(super) issuer: Option<String>,
    pub(super) data_dir: Option<PathBuf>,
    pub(super) database_url: Option<String>,
    pub(super) db_max_connections: Option<u32>,
    pub(super) db_statement_timeout: Option<u64>,
    pub(super) sqlite_synchronous: Option<String>,
    pub(super) rate_limit: Option<u32>,
    pub(super) require_pkce: Option<bool>,
    pub(super) refresh_grace_seconds: Option<u32>,
    pub(super) refresh_idle_days: Option<u32>,
    pub(super) refresh_absolute_days: Option<u32>,
    pub(super) client_credentials_ttl_seconds: Option<u32>,
    pub(super) token_retention_days: Option<u32>,
    pub(super) metrics_token: Option<String>,
    pub(super) request_timeout_seconds: Option<u32>,
    pub(super) max_json_depth: Option<u32>,
    pub(super) header_read_timeout_seconds: Option<u32>,
    pub(super) max_header_bytes: Option<u32>,
    pub(super) trusted_proxies: Option<Vec<String>>,
    pub(super) server_key: Option<String>,
    pub(super) webhook_allow_private: Option<bool>,
    pub(super) webhook_timeout_ms: Option<u64>,
    pub(super) webhook_retry_base_ms: Option<u64>,
}

pub(super) fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}
