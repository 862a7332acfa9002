//! One typed `Config`, layered: command-line flags > `SWITCHBOARD_*`
//! environment > TOML file (`--config`) > defaults.

use anyhow::{bail, Context};
use clap::Args;
use secrecy::SecretString;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use switchboard_store_sql::PoolSettings;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_ISSUER: &str = "http://127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./data";
pub const DEFAULT_RATE_LIMIT: u32 = 100;
pub const DEFAULT_CLIENT_CREDENTIALS_TTL: u32 = 3600;
pub const DEFAULT_TOKEN_RETENTION_DAYS: u32 = 7;

/// Options shared by every command that opens the database.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// TOML configuration file. Env: SWITCHBOARD_CONFIG.
    #[arg(long, env = "SWITCHBOARD_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Directory for the embedded SQLite database and generated keys. Default ./data. Env: SWITCHBOARD_DATA_DIR.
    #[arg(long, env = "SWITCHBOARD_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite:… (default: a file in the data dir) or postgres://…. Env: SWITCHBOARD_DATABASE_URL.
    #[arg(
        long,
        env = "SWITCHBOARD_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// PostgreSQL connections per node. Default 10. Env: SWITCHBOARD_DB_MAX_CONNECTIONS.
    #[arg(long, env = "SWITCHBOARD_DB_MAX_CONNECTIONS", global = true)]
    pub db_max_connections: Option<u32>,
    /// PostgreSQL statement timeout in seconds. Default 10. Env: SWITCHBOARD_DB_STATEMENT_TIMEOUT.
    #[arg(long, env = "SWITCHBOARD_DB_STATEMENT_TIMEOUT", global = true)]
    pub db_statement_timeout: Option<u64>,
}

/// Options of `switchboard serve`.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address and port to listen on. Default 127.0.0.1:8080. Env: SWITCHBOARD_BIND.
    #[arg(long, env = "SWITCHBOARD_BIND")]
    pub bind: Option<SocketAddr>,
    /// Public base URL, used exactly as given as the OAuth issuer and for cookie security.
    /// Default http://127.0.0.1:8080. Env: SWITCHBOARD_ISSUER.
    #[arg(long, env = "SWITCHBOARD_ISSUER")]
    pub issuer: Option<String>,
    /// Requests per token per 10 seconds on the APIs. Default 100. Env: SWITCHBOARD_RATE_LIMIT.
    #[arg(long, env = "SWITCHBOARD_RATE_LIMIT")]
    pub rate_limit: Option<u32>,
    /// Every OAuth client must use PKCE. Env: SWITCHBOARD_REQUIRE_PKCE.
    #[arg(long, env = "SWITCHBOARD_REQUIRE_PKCE")]
    pub require_pkce: bool,
    /// Seconds a rotated refresh token still yields a new pair (0 disables). Default 10.
    /// Env: SWITCHBOARD_REFRESH_GRACE_SECONDS.
    #[arg(long, env = "SWITCHBOARD_REFRESH_GRACE_SECONDS")]
    pub refresh_grace_seconds: Option<u32>,
    /// Days a refresh token lives unused. Default 30. Env: SWITCHBOARD_REFRESH_IDLE_DAYS.
    #[arg(long, env = "SWITCHBOARD_REFRESH_IDLE_DAYS")]
    pub refresh_idle_days: Option<u32>,
    /// Days a grant's refresh tokens live at most. Default 365. Env: SWITCHBOARD_REFRESH_ABSOLUTE_DAYS.
    #[arg(long, env = "SWITCHBOARD_REFRESH_ABSOLUTE_DAYS")]
    pub refresh_absolute_days: Option<u32>,
    /// Seconds a client_credentials token lives (these always expire). Default 3600.
    /// Env: SWITCHBOARD_CLIENT_CREDENTIALS_TTL_SECONDS.
    #[arg(long, env = "SWITCHBOARD_CLIENT_CREDENTIALS_TTL_SECONDS")]
    pub client_credentials_ttl_seconds: Option<u32>,
    /// Days an expired or revoked token is kept (for audit and "already revoked" answers)
    /// before maintenance deletes it. Default 7. Env: SWITCHBOARD_TOKEN_RETENTION_DAYS.
    #[arg(long, env = "SWITCHBOARD_TOKEN_RETENTION_DAYS")]
    pub token_retention_days: Option<u32>,
    /// Key sealing OAuth client secrets: base64 of 32 bytes. Default: generated into
    /// <data-dir>/server.key on first start. Every node of a cluster needs the same key.
    /// Env: SWITCHBOARD_SERVER_KEY.
    #[arg(long, env = "SWITCHBOARD_SERVER_KEY", hide_env_values = true)]
    pub server_key: Option<String>,
}

/// The TOML file: the same keys as the flags, in snake_case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<SocketAddr>,
    issuer: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    db_max_connections: Option<u32>,
    db_statement_timeout: Option<u64>,
    rate_limit: Option<u32>,
    require_pkce: Option<bool>,
    refresh_grace_seconds: Option<u32>,
    refresh_idle_days: Option<u32>,
    refresh_absolute_days: Option<u32>,
    client_credentials_ttl_seconds: Option<u32>,
    token_retention_days: Option<u32>,
    server_key: Option<String>,
}

#[derive(Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub issuer: String,
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
    /// Base64 of the 32-byte server key; `None`: `<data_dir>/server.key`.
    pub server_key: Option<SecretString>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("issuer", &self.issuer)
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
                "server_key",
                &self.server_key.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl Config {
    pub fn load(common: &ConfigArgs, serve: &ServeArgs) -> anyhow::Result<Config> {
        let file = match &common.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let bind = match serve.bind.or(file.bind) {
            Some(b) => b,
            None => DEFAULT_BIND.parse().context("default bind address")?,
        };
        let issuer = serve
            .issuer
            .clone()
            .or(file.issuer)
            .unwrap_or_else(|| DEFAULT_ISSUER.to_owned());
        validate_issuer(&issuer)?;
        let rate_limit_per_10s = serve
            .rate_limit
            .or(file.rate_limit)
            .unwrap_or(DEFAULT_RATE_LIMIT);
        if rate_limit_per_10s == 0 {
            bail!("rate_limit must be at least 1 request per 10 seconds");
        }
        let mut pool = PoolSettings::default();
        if let Some(n) = common.db_max_connections.or(file.db_max_connections) {
            if n == 0 {
                bail!("db_max_connections must be at least 1");
            }
            pool.max_connections = n;
        }
        if let Some(secs) = common.db_statement_timeout.or(file.db_statement_timeout) {
            pool.statement_timeout = std::time::Duration::from_secs(secs.max(1));
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
        Ok(Config {
            bind,
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
            server_key: None,
        }
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}

fn validate_issuer(issuer: &str) -> anyhow::Result<()> {
    let ok = (issuer.starts_with("http://") || issuer.starts_with("https://"))
        && !issuer.contains('?')
        && !issuer.contains('#');
    if !ok {
        bail!("issuer must be an http(s) URL without query or fragment, got {issuer:?}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_file_and_file_beats_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(
            &path,
            "bind = \"127.0.0.1:9000\"\nissuer = \"https://file.example\"\nrate_limit = 7\n",
        )
        .unwrap();
        let common = ConfigArgs {
            config: Some(path),
            ..Default::default()
        };
        let serve = ServeArgs {
            issuer: Some("https://flag.example".into()),
            ..Default::default()
        };
        let c = Config::load(&common, &serve).unwrap();
        assert_eq!(c.issuer, "https://flag.example");
        assert_eq!(c.bind.port(), 9000);
        assert_eq!(c.rate_limit_per_10s, 7);
        assert_eq!(c.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
    }

    #[test]
    fn unknown_file_keys_and_bad_issuers_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, "bnd = \"x\"\n").unwrap();
        let common = ConfigArgs {
            config: Some(path),
            ..Default::default()
        };
        let err = Config::load(&common, &ServeArgs::default()).unwrap_err();
        assert!(format!("{err:#}").contains("bnd"), "{err:#}");
        let serve = ServeArgs {
            issuer: Some("ftp://x".into()),
            ..Default::default()
        };
        assert!(Config::load(&ConfigArgs::default(), &serve).is_err());
    }
}
