//! One typed `Config`, layered: command-line flags > `SWITCHBOARD_*`
//! environment > TOML file (`--config`) > defaults.

use anyhow::{bail, Context};
use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use switchboard_store_sql::PoolSettings;

mod bind;
pub use bind::{parse_bind, BindAddr};
mod checks;
use checks::{parse_proxy, validate_issuer};
mod database;
pub use database::{sqlite_sync_name, SQLITE_SYNCHRONOUS_VALUES};
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

/// Options shared by every command that opens the database.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// TOML configuration file (same keys as the flags, in snake_case).
    #[arg(long, env = "SWITCHBOARD_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Directory for the embedded SQLite database and the generated server key [default: ./data].
    #[arg(long, env = "SWITCHBOARD_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite:<file> or postgres://user:password@host:port/db
    /// [default: <data-dir>/switchboard.db].
    #[arg(
        long,
        env = "SWITCHBOARD_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// PostgreSQL connections per node [default: 10].
    #[arg(long, env = "SWITCHBOARD_DB_MAX_CONNECTIONS", global = true)]
    pub db_max_connections: Option<u32>,
    /// PostgreSQL statement timeout in seconds [default: 10].
    #[arg(long, env = "SWITCHBOARD_DB_STATEMENT_TIMEOUT", global = true)]
    pub db_statement_timeout: Option<u64>,
    /// SQLite durability: `normal` loses no acknowledged write when the process dies, but a
    /// power loss may take the last ones; `full` syncs every commit to disk [default: normal].
    #[arg(long, env = "SWITCHBOARD_SQLITE_SYNCHRONOUS", global = true,
          value_parser = SQLITE_SYNCHRONOUS_VALUES)]
    pub sqlite_synchronous: Option<String>,
}

/// Options of `switchboard serve`.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address and port to listen on, e.g. 0.0.0.0:8080 or localhost:8080 [default: 127.0.0.1:8080].
    #[arg(long, env = "SWITCHBOARD_BIND", value_parser = parse_bind)]
    pub bind: Option<BindAddr>,
    /// Public base URL, used exactly as given as the OAuth issuer and for cookie security
    /// (https turns on Secure cookies) [default: http://<bind address>].
    #[arg(long, env = "SWITCHBOARD_ISSUER")]
    pub issuer: Option<String>,
    /// Requests per token per 10 seconds on the APIs [default: 100].
    #[arg(long, env = "SWITCHBOARD_RATE_LIMIT")]
    pub rate_limit: Option<u32>,
    /// Every OAuth client must use PKCE (the environment variable takes 1/0/true/false).
    #[arg(
        long,
        env = "SWITCHBOARD_REQUIRE_PKCE",
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new()
    )]
    pub require_pkce: bool,
    /// Seconds a rotated refresh token still yields a new pair; 0 disables [default: 10].
    #[arg(long, env = "SWITCHBOARD_REFRESH_GRACE_SECONDS")]
    pub refresh_grace_seconds: Option<u32>,
    /// Days a refresh token lives unused [default: 30].
    #[arg(long, env = "SWITCHBOARD_REFRESH_IDLE_DAYS")]
    pub refresh_idle_days: Option<u32>,
    /// Days a grant's refresh tokens live at most [default: 365].
    #[arg(long, env = "SWITCHBOARD_REFRESH_ABSOLUTE_DAYS")]
    pub refresh_absolute_days: Option<u32>,
    /// Seconds a client_credentials token lives (these always expire) [default: 3600].
    #[arg(long, env = "SWITCHBOARD_CLIENT_CREDENTIALS_TTL_SECONDS")]
    pub client_credentials_ttl_seconds: Option<u32>,
    /// Days an expired or revoked token is kept (for audit and "already revoked" answers)
    /// before maintenance deletes it [default: 7].
    #[arg(long, env = "SWITCHBOARD_TOKEN_RETENTION_DAYS")]
    pub token_retention_days: Option<u32>,
    /// Bearer token that unlocks GET /metrics (Prometheus); without one /metrics is off (404).
    #[arg(long, env = "SWITCHBOARD_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Reverse proxies (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For
    /// names the client for per-address limits [default: none: the peer address counts].
    #[arg(long, env = "SWITCHBOARD_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Option<Vec<String>>,
    /// Seconds a request may take before it is answered 408 [default: 30].
    #[arg(long, env = "SWITCHBOARD_REQUEST_TIMEOUT_SECONDS")]
    pub request_timeout_seconds: Option<u32>,
    /// Levels arrays and objects may nest in a JSON body; deeper is 400 invalid_json
    /// (1 to 100) [default: 32].
    #[arg(long, env = "SWITCHBOARD_MAX_JSON_DEPTH")]
    pub max_json_depth: Option<u32>,
    /// Seconds a client has to send a request's line and headers (and an idle keep-alive
    /// connection stays open); then the connection is closed [default: 10].
    #[arg(long, env = "SWITCHBOARD_HEADER_READ_TIMEOUT_SECONDS")]
    pub header_read_timeout_seconds: Option<u32>,
    /// Largest request line plus headers, in bytes; larger is answered 431 and the
    /// connection closed (at least 1024) [default: 16384].
    #[arg(long, env = "SWITCHBOARD_MAX_HEADER_BYTES")]
    pub max_header_bytes: Option<u32>,
    /// Key sealing OAuth client secrets: base64 of 32 bytes; every node of a cluster needs
    /// the same key [default: generated into <data-dir>/server.key on first start].
    #[arg(long, env = "SWITCHBOARD_SERVER_KEY", hide_env_values = true)]
    pub server_key: Option<String>,
    #[command(flatten)]
    pub webhooks: WebhookArgs,
}

/// The TOML file: the same keys as the flags, in snake_case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<String>,
    issuer: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    db_max_connections: Option<u32>,
    db_statement_timeout: Option<u64>,
    sqlite_synchronous: Option<String>,
    rate_limit: Option<u32>,
    require_pkce: Option<bool>,
    refresh_grace_seconds: Option<u32>,
    refresh_idle_days: Option<u32>,
    refresh_absolute_days: Option<u32>,
    client_credentials_ttl_seconds: Option<u32>,
    token_retention_days: Option<u32>,
    metrics_token: Option<String>,
    request_timeout_seconds: Option<u32>,
    max_json_depth: Option<u32>,
    header_read_timeout_seconds: Option<u32>,
    max_header_bytes: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
    server_key: Option<String>,
    webhook_allow_private: Option<bool>,
    webhook_timeout_ms: Option<u64>,
    webhook_retry_base_ms: Option<u64>,
}

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

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

#[cfg(test)]
mod tests;
