//! The command line's settings, each with its `SWITCHBOARD_*` environment
//! variable: the options of every command that opens the database, and
//! those of `serve`.

use super::{parse_bind, BindAddr, WebhookArgs, SQLITE_SYNCHRONOUS_VALUES};
use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args};
use std::path::PathBuf;

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
