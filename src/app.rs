//! `Application`: open the store, run migrations, build services and router,
//! bind, serve until told to stop. The only place that names a concrete store.

use crate::config::Config;
use anyhow::Context;
use chrono::Duration;
use secrecy::ExposeSecret;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use switchboard_core::clock::{Clock, SystemClock};
use switchboard_core::oauth::OAuthSettings;
use switchboard_core::secret_box::ServerKey;
use switchboard_core::store::{MaintenanceStore, Store};
use switchboard_core::webhooks::{RetryPolicy, WebhookSettings};
use switchboard_core::Services;
use switchboard_http::{AppState, HttpConfig};
use switchboard_store_sql::SqlStore;
use switchboard_webhook_delivery::{Deliverer, DeliverySettings};
use tokio::net::TcpListener;

/// Open the configured database and bring its schema up to date.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = config
        .database_url
        .as_ref()
        .map(|u| u.expose_secret().to_owned());
    let store = match url.as_deref() {
        None => {
            let file = config.data_dir.join("switchboard.db");
            SqlStore::open_sqlite_in_dir(&config.data_dir, &config.pool)
                .await
                .with_context(|| format!("opening the SQLite database {}", file.display()))?
        }
        Some(u) => match crate::config::sqlite_path(u) {
            Some(path) => {
                check_sqlite_dir(path)?;
                SqlStore::open(u, &config.pool)
                    .await
                    .with_context(|| format!("opening the SQLite database {path}"))?
            }
            None => match SqlStore::open(u, &config.pool).await {
                Ok(store) => store,
                Err(e) => return Err(explain_connect_error(u, e.into()).await),
            },
        },
    };
    store
        .migrate()
        .await
        .context("running database migrations")?;
    // Earlier releases let OAuth apps register the admin scopes (SPEC S2 forbids it).
    let stripped = store
        .strip_admin_scopes_from_oauth()
        .await
        .context("removing admin scopes from OAuth apps")?;
    if stripped > 0 {
        tracing::warn!(
            rows = stripped,
            "removed admin.read/admin.write from OAuth apps, grants, codes and tokens: \
             those scopes are for Private Apps only"
        );
    }
    Ok(Arc::new(store))
}

/// A `sqlite:` file whose directory is missing fails inside SQLite with
/// "unable to open database file"; say which directory instead.
fn check_sqlite_dir(path: &str) -> anyhow::Result<()> {
    if path.is_empty() || path.starts_with(':') {
        return Ok(()); // :memory:
    }
    let dir = match std::path::Path::new(path).parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => anyhow::bail!(
            "the directory of the SQLite database {path} is not a directory: {}",
            dir.display()
        ),
        Err(e) => anyhow::bail!(
            "the directory of the SQLite database {path} cannot be used: {}: {e}",
            dir.display()
        ),
    }
}

/// sqlx retries a refused connection until the pool's acquire timeout and
/// then reports only "pool timed out". Find out what really happened by
/// trying the host and port ourselves.
async fn explain_connect_error(url: &str, error: anyhow::Error) -> anyhow::Error {
    let Ok(parsed) = url::Url::parse(url) else {
        return error.context("opening the PostgreSQL database");
    };
    let Some(host) = parsed.host_str().filter(|h| !h.is_empty()) else {
        return error.context("opening the PostgreSQL database");
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = parsed.port().unwrap_or(5432);
    let probe = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await;
    match probe {
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => anyhow::anyhow!(
            "cannot connect to PostgreSQL at {host}:{port}: connection refused \
             (is the server running and listening on that host and port?)"
        ),
        Ok(Err(e)) => anyhow::anyhow!("cannot connect to PostgreSQL at {host}:{port}: {e}"),
        Err(_) => anyhow::anyhow!(
            "cannot connect to PostgreSQL at {host}:{port}: no answer within 3 seconds"
        ),
        Ok(Ok(_)) => error.context(format!("opening the PostgreSQL database at {host}:{port}")),
    }
}

/// The issuer's port (explicit or the scheme's default), when it has one.
fn issuer_port(issuer: &str) -> Option<u16> {
    url::Url::parse(issuer).ok()?.port_or_known_default()
}

/// An issuer with port 0 (tests, ephemeral ports) gets the port actually bound.
fn bound_issuer(issuer: &str, listener: &TcpListener) -> String {
    match (url::Url::parse(issuer), listener.local_addr()) {
        (Ok(mut u), Ok(addr)) if u.port() == Some(0) => {
            if u.set_port(Some(addr.port())).is_err() {
                return issuer.to_owned();
            }
            // Keep the issuer exactly as configured otherwise (no slash added).
            let text = u.to_string();
            if issuer.ends_with('/') || u.path() != "/" {
                text
            } else {
                text.trim_end_matches('/').to_owned()
            }
        }
        _ => issuer.to_owned(),
    }
}

/// The key that seals OAuth client secrets: configured, or read from (and
/// on first start generated into) `<data_dir>/server.key`, readable only by
/// its owner.
fn server_key(config: &Config) -> anyhow::Result<ServerKey> {
    if let Some(k) = &config.server_key {
        return ServerKey::from_base64(k.expose_secret()).context("--server-key");
    }
    let path = config.data_dir.join("server.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => ServerKey::from_base64(&text)
            .with_context(|| format!("the server key in {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&config.data_dir)
                .with_context(|| format!("creating {}", config.data_dir.display()))?;
            let (key, text) = ServerKey::generate();
            write_private(&path, &text)
                .with_context(|| format!("writing the server key to {}", path.display()))?;
            tracing::info!(path = %path.display(), "generated a new server key");
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Create a file only its owner can read; never overwrite one.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// How often expired rows are purged and planner statistics refreshed.
const MAINTENANCE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

pub struct Application {
    /// Where a browser signs up: `<issuer origin>/signup`.
    console: String,
    listener: TcpListener,
    state: AppState,
    limits: ConnectionLimits,
    delivery: DeliverySettings,
}

/// What each connection is held to before a request reaches the router.
#[derive(Debug, Clone, Copy)]
struct ConnectionLimits {
    /// To send a request line and headers (and to idle between requests).
    header_read_timeout: std::time::Duration,
    /// Request line plus headers; past it hyper answers 431 and closes.
    max_header_bytes: usize,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Tests pass a manual clock to check expiry without sleeping.
    pub async fn build_with_clock(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Application> {
        let store = open_store(&config).await?;
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let issuer = bound_issuer(&config.issuer, &listener);
        let bound_port = listener.local_addr()?.port();
        if !config.issuer_from_bind {
            if let Some(port) = issuer_port(&issuer).filter(|p| *p != bound_port) {
                tracing::warn!(
                    issuer = %issuer,
                    issuer_port = port,
                    bound_port,
                    "the issuer's port differs from the port this server listens on: \
                     fine behind a reverse proxy that forwards the issuer here; otherwise \
                     OAuth metadata, `iss` and console links point at a port nothing \
                     listens on (leave out --issuer to follow --bind)"
                );
            }
        }
        let oauth = OAuthSettings {
            issuer: issuer.clone(),
            require_pkce: config.require_pkce,
            refresh_grace: Duration::seconds(i64::from(config.refresh_grace_secs)),
            refresh_idle: Duration::days(i64::from(config.refresh_idle_days)),
            refresh_absolute: Duration::days(i64::from(config.refresh_absolute_days)),
            app_token_lifetime: Duration::seconds(i64::from(config.client_credentials_ttl_secs)),
            token_retention: Duration::days(i64::from(config.token_retention_days)),
        };
        let key = server_key(&config)?;
        let mut services = Services::new(store, clock).with_oauth(oauth, key);
        services.webhooks = WebhookSettings {
            allow_private: config.webhooks.allow_private,
            retry: RetryPolicy {
                base: Duration::milliseconds(config.webhooks.retry_base_ms as i64),
                ..RetryPolicy::default()
            },
        };
        let services = Arc::new(services);
        let timeout = std::time::Duration::from_millis(config.webhooks.timeout_ms);
        let delivery = DeliverySettings {
            connect_timeout: timeout.min(std::time::Duration::from_secs(3)),
            timeout,
            ..DeliverySettings::default()
        };
        let http = HttpConfig {
            issuer,
            rate_limit_per_10s: config.rate_limit_per_10s,
            metrics_token: config
                .metrics_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            request_timeout: std::time::Duration::from_secs(u64::from(config.request_timeout_secs)),
            trusted_proxies: config.trusted_proxies.clone(),
            max_json_depth: config.max_json_depth as usize,
        };
        // The console lives at the root of the issuer's origin.
        let console = format!("{}/signup", http.issuer_origin());
        let limits = ConnectionLimits {
            header_read_timeout: std::time::Duration::from_secs(u64::from(
                config.header_read_timeout_secs,
            )),
            max_header_bytes: config.max_header_bytes as usize,
        };
        Ok(Application {
            console,
            listener,
            state: AppState::new(services, http),
            limits,
            delivery,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn services(&self) -> Arc<Services> {
        self.state.services.clone()
    }

    /// Serve until `shutdown` completes, then finish in-flight requests.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let services = self.state.services.clone();
        let maintenance = tokio::spawn(async move {
            // Not at start-up: the first round waits one interval.
            let first = tokio::time::Instant::now() + MAINTENANCE_INTERVAL;
            let mut every = tokio::time::interval_at(first, MAINTENANCE_INTERVAL);
            loop {
                every.tick().await;
                match services.maintain().await {
                    Ok(purged) => tracing::debug!(purged, "maintenance done"),
                    Err(e) => tracing::warn!(error = %e, "maintenance failed"),
                }
            }
        });
        // The webhook worker runs beside the server; on shutdown it finishes
        // the batch in flight (what it has not sent stays in the outbox).
        let deliverer = Deliverer::new(self.state.services.clone(), self.delivery)
            .map_err(anyhow::Error::msg)
            .context("building the webhook client")?;
        let (stop_delivery, stopped) = tokio::sync::watch::channel(false);
        let delivery = tokio::spawn(switchboard_webhook_delivery::run(
            Arc::new(deliverer),
            stopped,
        ));
        let router = switchboard_http::router(self.state);
        tracing::info!(addr = %self.listener.local_addr()?, "switchboard listening");
        tracing::info!(
            console = %self.console,
            "open {} to create an account (or sign in at /login)",
            self.console
        );
        serve(self.listener, router, self.limits, shutdown).await;
        maintenance.abort();
        let _ = stop_delivery.send(true);
        if tokio::time::timeout(std::time::Duration::from_secs(15), delivery)
            .await
            .is_err()
        {
            tracing::warn!("the webhook worker did not stop in 15 s; its events stay queued");
        }
        Ok(())
    }
}

/// `axum::serve`, with the connection limits it does not expose: hyper's
/// HTTP/1.1 connections (keep-alive on) with a header-read timeout and a
/// header-size cap, `ConnectInfo<SocketAddr>` for the handlers, and on
/// `shutdown` no new connections while the open ones finish their requests.
async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    use tower::Service;

    let mut make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .keep_alive(true)
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(service) = make_service.call(peer).await;
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Slow or oversized heads end here (hyper has answered 431, or
            // closed a head that took too long); nothing to do but note it.
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, peer = %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// As `axum::serve` does: a peer that gave up is nothing; anything else
/// (out of file descriptors, say) is logged and accepting pauses a second
/// instead of spinning.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed; retrying in 1 s");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
