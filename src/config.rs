//! One typed `Config`, layered: command-line flags > `SWITCHBOARD_*`
//! environment > TOML file (`--config`) > defaults.
//!
//! This file holds `Config`, its loading and checks, and the start-up
//! summary; the flags are defined in `args`, the file's keys in `file`.

use anyhow::{bail, Context};
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use switchboard_store_sql::PoolSettings;

mod args;
pub use args::{ConfigArgs, ServeArgs};
mod bind;
pub use bind::{parse_bind, BindAddr};
mod checks;
use checks::{parse_proxy, validate_issuer};
mod database;
pub use database::{sqlite_sync_name, SQLITE_SYNCHRONOUS_VALUES};
mod file;
use file::{read_file, FileConfig};
mod webhooks;
pub use webhooks::{WebhookArgs, WebhookConfig, WebhookFileKeys};

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./data";
pub const DEFAULT_RATE_LIMIT: u32 = 100;
pub const DEFAULT_CLIENT_CREDENTIALS_TTL: u32 = 3600;
pub const DEFAULT_TOKEN_RETENTION_DAYS: u32 = 7;
pub const DEFAULT_REQUEST_TIMEOUT: u32 = 30;
pub const DEFAULT_MAX_JSON_DEPTH: u32 = 32;
pub const DEFAULT_HEADER_READ_TIMEOUT: u32 = 10;
pub const DEFAULT_MAX_HEADER_BYTES: u32 = 16 * 1024;
/// Well under serde_json's own recursion limit (128), which would answer first.
const MAX_JSON_DEPTH_CEILING: u32 = 100;

#[derive(Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub issuer: String,
    /// No issuer was configured: it was derived from the bind address (and
    /// so follows the port actually bound).
    pub issuer_from_bind: bool,
    pub data_dir: PathBuf,
    pub database_url: Option<SecretString>,
    pub pool: PoolSettings,
    pub rate_limit_per_10s: u32,
    pub require_pkce: bool,
    pub refresh_grace_secs: u32,
    pub refresh_idle_days: u32,
    pub refresh_absolute_days: u32,
    pub client_credentials_ttl_secs: u32,
    pub token_retention_days: u32,
    /// `None`: /metrics is not served.
    pub metrics_token: Option<SecretString>,
    pub request_timeout_secs: u32,
    pub max_json_depth: u32,
    pub header_read_timeout_secs: u32,
    pub max_header_bytes: u32,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Base64 of the 32-byte server key; `None`: `<data_dir>/server.key`.
    pub server_key: Option<SecretString>,
    pub webhooks: WebhookConfig,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("issuer", &self.issuer)
            .field("issuer_from_bind", &self.issuer_from_bind)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "[redacted]"),
            )
            .field("pool", &self.pool)
            .field("rate_limit_per_10s", &self.rate_limit_per_10s)
            .field("require_pkce", &self.require_pkce)
            .field("refresh_grace_secs", &self.refresh_grace_secs)
            .field("refresh_idle_days", &self.refresh_idle_days)
            .field("refresh_absolute_days", &self.refresh_absolute_days)
            .field(
                "client_credentials_ttl_secs",
                &self.client_credentials_ttl_secs,
            )
            .field("token_retention_days", &self.token_retention_days)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "[redacted]"),
            )
            .field("request_timeout_secs", &self.request_timeout_secs)
            .field("max_json_depth", &self.max_json_depth)
            .field("header_read_timeout_secs", &self.header_read_timeout_secs)
            .field("max_header_bytes", &self.max_header_bytes)
            .field("trusted_proxies", &self.trusted_proxies)
            .field(
                "server_key",
                &self.server_key.as_ref().map(|_| "[redacted]"),
            )
            .field("webhooks", &self.webhooks)
            .finish()
    }
}

impl Config {
    /// One line for the start-up log: every setting, secrets left out.
    pub fn summary(&self) -> String {
        let issuer_source = if self.issuer_from_bind {
            " (from the bind address)"
        } else {
            ""
        };
        let server_key = match self.server_key {
            Some(_) => "configured".to_owned(),
            None => self.data_dir.join("server.key").display().to_string(),
        };
        format!(
            "bind={} issuer={}{issuer_source} database={} data_dir={} rate_limit={}/10s \
             require_pkce={} refresh_grace={}s refresh_idle={}d refresh_absolute={}d \
             client_credentials_ttl={}s token_retention={}d request_timeout={}s \
             max_json_depth={} header_read_timeout={}s max_header_bytes={} metrics={} \
             trusted_proxies={} server_key={server_key} webhook_allow_private={} \
             webhook_timeout={}ms",
            self.bind,
            self.issuer,
            self.database_description(),
            self.data_dir.display(),
            self.rate_limit_per_10s,
            self.require_pkce,
            self.refresh_grace_secs,
            self.refresh_idle_days,
            self.refresh_absolute_days,
            self.client_credentials_ttl_secs,
            self.token_retention_days,
            self.request_timeout_secs,
            self.max_json_depth,
            self.header_read_timeout_secs,
            self.max_header_bytes,
            if self.metrics_token.is_some() {
                "on (bearer token)"
            } else {
                "off"
            },
            if self.trusted_proxies.is_empty() {
                "none".to_owned()
            } else {
                self.trusted_proxies
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            },
            self.webhooks.allow_private,
            self.webhooks.timeout_ms,
        )
    }

    /// The database without its password or query string:
    /// `sqlite ./data/switchboard.db (synchronous=normal)`, `postgres://app@db:5432/switchboard (pool 10)`.
    pub fn database_description(&self) -> String {
        let Some(url) = &self.database_url else {
            return format!(
                "sqlite {} (synchronous={})",
                self.data_dir.join("switchboard.db").display(),
                sqlite_sync_name(self.pool.sqlite_sync)
            );
        };
        let url = url.expose_secret();
        if let Some(path) = sqlite_path(url) {
            return format!(
                "sqlite {path} (synchronous={})",
                sqlite_sync_name(self.pool.sqlite_sync)
            );
        }
        match url::Url::parse(url) {
            Ok(u) => {
                let user = if u.username().is_empty() {
                    String::new()
                } else {
                    format!("{}@", u.username())
                };
                format!(
                    "{}://{user}{}:{}{} (pool {})",
                    u.scheme(),
                    u.host_str().unwrap_or(""),
                    u.port().unwrap_or(5432),
                    u.path(),
                    self.pool.max_connections
                )
            }
            Err(_) => "an unparsable URL (not shown)".to_owned(),
        }
    }

    pub fn load(common: &ConfigArgs, serve: &ServeArgs) -> anyhow::Result<Config> {
        let file = match &common.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let pool = database::pool_settings(common, &file)?;
        let bind = match (&serve.bind, &file.bind) {
            (Some(b), _) => b.clone(),
            (None, Some(text)) => parse_bind(text)
                .map_err(anyhow::Error::msg)
                .context("the bind key of the config file")?,
            (None, None) => parse_bind(DEFAULT_BIND).map_err(anyhow::Error::msg)?,
        };
        let (issuer, issuer_from_bind) = match serve.issuer.clone().or(file.issuer) {
            Some(issuer) => (issuer, false),
            None => (bind.local_url(), true),
        };
        validate_issuer(&issuer)?;
        let rate_limit_per_10s = serve
            .rate_limit
            .or(file.rate_limit)
            .unwrap_or(DEFAULT_RATE_LIMIT);
        if rate_limit_per_10s == 0 {
            bail!("rate_limit must be at least 1 request per 10 seconds");
        }
        let refresh_idle_days = serve
            .refresh_idle_days
            .or(file.refresh_idle_days)
            .unwrap_or(30);
        let refresh_absolute_days = serve
            .refresh_absolute_days
            .or(file.refresh_absolute_days)
            .unwrap_or(365);
        if refresh_idle_days == 0 || refresh_absolute_days == 0 {
            bail!("refresh_idle_days and refresh_absolute_days must be at least 1");
        }
        let client_credentials_ttl_secs = serve
            .client_credentials_ttl_seconds
            .or(file.client_credentials_ttl_seconds)
            .unwrap_or(DEFAULT_CLIENT_CREDENTIALS_TTL);
        if client_credentials_ttl_secs == 0 {
            bail!("client_credentials_ttl_seconds must be at least 1");
        }
        let token_retention_days = serve
            .token_retention_days
            .or(file.token_retention_days)
            .unwrap_or(DEFAULT_TOKEN_RETENTION_DAYS);
        let request_timeout_secs = serve
            .request_timeout_seconds
            .or(file.request_timeout_seconds)
            .unwrap_or(DEFAULT_REQUEST_TIMEOUT);
        if request_timeout_secs == 0 {
            bail!("request_timeout_seconds must be at least 1");
        }
        let max_json_depth = serve
            .max_json_depth
            .or(file.max_json_depth)
            .unwrap_or(DEFAULT_MAX_JSON_DEPTH);
        if !(1..=MAX_JSON_DEPTH_CEILING).contains(&max_json_depth) {
            bail!(
                "max_json_depth must be from 1 to {MAX_JSON_DEPTH_CEILING}, got {max_json_depth}"
            );
        }
        let header_read_timeout_secs = serve
            .header_read_timeout_seconds
            .or(file.header_read_timeout_seconds)
            .unwrap_or(DEFAULT_HEADER_READ_TIMEOUT);
        if header_read_timeout_secs == 0 {
            bail!("header_read_timeout_seconds must be at least 1");
        }
        let max_header_bytes = serve
            .max_header_bytes
            .or(file.max_header_bytes)
            .unwrap_or(DEFAULT_MAX_HEADER_BYTES);
        if max_header_bytes < 1024 {
            bail!("max_header_bytes must be at least 1024, got {max_header_bytes}");
        }
        let metrics_token = serve.metrics_token.clone().or(file.metrics_token);
        if metrics_token.as_ref().is_some_and(|t| t.len() < 16) {
            bail!("metrics_token must be at least 16 characters");
        }
        let trusted_proxies = serve
            .trusted_proxies
            .clone()
            .or(file.trusted_proxies)
            .unwrap_or_default()
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| parse_proxy(p.trim()))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let webhooks = WebhookConfig::load(
            &serve.webhooks,
            WebhookFileKeys {
                webhook_allow_private: file.webhook_allow_private,
                webhook_timeout_ms: file.webhook_timeout_ms,
                webhook_retry_base_ms: file.webhook_retry_base_ms,
            },
        )?;
        Ok(Config {
            webhooks,
            bind: bind.addr,
            request_timeout_secs,
            max_json_depth,
            header_read_timeout_secs,
            max_header_bytes,
            trusted_proxies,
            metrics_token: metrics_token.map(SecretString::from),
            issuer_from_bind,
            client_credentials_ttl_secs,
            token_retention_days,
            pool,
            issuer,
            require_pkce: serve.require_pkce || file.require_pkce.unwrap_or(false),
            refresh_grace_secs: serve
                .refresh_grace_seconds
                .or(file.refresh_grace_seconds)
                .unwrap_or(10),
            refresh_idle_days,
            refresh_absolute_days,
            server_key: serve
                .server_key
                .clone()
                .or(file.server_key)
                .map(SecretString::from),
            data_dir: common
                .data_dir
                .clone()
                .or(file.data_dir)
                .unwrap_or_else(|| DEFAULT_DATA_DIR.into()),
            database_url: common
                .database_url
                .clone()
                .or(file.database_url)
                .map(SecretString::from),
            rate_limit_per_10s,
        })
    }

    /// Port 0, the given data dir, an issuer to be fixed up once the port is known.
    pub fn for_tests(data_dir: &Path) -> Config {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            // Port 0: the application puts the port it bound in its place.
            issuer: "http://127.0.0.1:0".to_owned(),
            issuer_from_bind: true,
            data_dir: data_dir.to_owned(),
            database_url: None,
            pool: PoolSettings::default(),
            rate_limit_per_10s: DEFAULT_RATE_LIMIT,
            require_pkce: false,
            refresh_grace_secs: 10,
            refresh_idle_days: 30,
            refresh_absolute_days: 365,
            client_credentials_ttl_secs: DEFAULT_CLIENT_CREDENTIALS_TTL,
            token_retention_days: DEFAULT_TOKEN_RETENTION_DAYS,
            metrics_token: None,
            request_timeout_secs: DEFAULT_REQUEST_TIMEOUT,
            max_json_depth: DEFAULT_MAX_JSON_DEPTH,
            header_read_timeout_secs: DEFAULT_HEADER_READ_TIMEOUT,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            trusted_proxies: Vec::new(),
            server_key: None,
            webhooks: WebhookConfig::default(),
        }
    }
}

/// The file of a `sqlite:` URL (`sqlite://dir/x.db?mode=rwc` → `dir/x.db`).
pub fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(rest.split('?').next().unwrap_or(rest))
}

#[cfg(test)]
mod tests;
