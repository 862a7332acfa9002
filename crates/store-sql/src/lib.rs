//! The store port over SQL, for both backends: the embedded SQLite file
//! (default) and PostgreSQL (`postgres://…`, any number of nodes). One set of
//! queries, written in the SQL both understand, runs through sqlx's `Any`
//! driver; what differs per backend (migrations, connection setup) is chosen
//! once, when the store is opened. Every method that writes more than one row
//! runs in one transaction.

#[macro_use]
mod retry;
mod account_settings;
mod accounts;
mod audit;
mod console_reveals;
mod maintenance;
use maintenance::Statistics;
mod oauth;
mod private_apps;
mod records;
mod rows;
#[cfg(feature = "test-support")]
pub mod testing;
mod token_cache;
mod tokens;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use switchboard_core::store::{StoreError, StoreResult};
use token_cache::TokenCache;

/// Kept in step: the same versions in both folders (checked by a test).
pub static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
pub static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Pool and timeout settings (PostgreSQL; SQLite uses fixed values).
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub statement_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Clone)]
pub struct SqlStore {
    /// Reads.
    pub(crate) pool: AnyPool,
    /// Writes: on SQLite one connection of its own, on PostgreSQL the same pool.
    pub(crate) writer: AnyPool,
    backend: Backend,
    tokens: TokenCache,
    /// PostgreSQL: the task that hears other nodes' token changes.
    _listener: Option<Arc<token_cache::Listener>>,
}

impl SqlStore {
    /// Open (creating if needed) the database file `<data_dir>/switchboard.db`.
    pub async fn open_sqlite_in_dir(data_dir: &Path) -> StoreResult<SqlStore> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Other(format!(
                "cannot create data dir {}: {e}",
                data_dir.display()
            ))
        })?;
        let path = data_dir.join("switchboard.db");
        let path = path
            .to_str()
            .ok_or_else(|| StoreError::Other("the data dir path is not valid UTF-8".into()))?;
        Self::open(
            &format!("sqlite://{path}?mode=rwc"),
            &PoolSettings::default(),
        )
        .await
    }

    /// Open a `sqlite:` or `postgres:` URL.
    pub async fn open(url: &str, settings: &PoolSettings) -> StoreResult<SqlStore> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Other(
                "database URL must start with sqlite: or postgres://".into(),
            ));
        };
        let options = AnyConnectOptions::from_str(url).map_err(other)?;
        let statement_timeout_ms = settings.statement_timeout.as_millis();
        let pool_options = AnyPoolOptions::new()
            .acquire_timeout(settings.acquire_timeout)
            // A connection the server dropped is noticed here and replaced
            // (PostgreSQL). An SQLite file cannot drop one: no ping, which
            // would cost a worker-thread round trip per acquire.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            conn.execute(
                                "pragma journal_mode = wal; pragma synchronous = normal; \
                                 pragma foreign_keys = on; pragma busy_timeout = 5000; \
                                 pragma case_sensitive_like = on;",
                            )
                            .await?;
                        }
                        Backend::Postgres => {
                            conn.execute(
                                format!("set statement_timeout = {statement_timeout_ms}").as_str(),
                            )
                            .await?;
                        }
                    }
                    Ok(())
                })
            });
        let (pool, writer) = match backend {
            // SQLite takes one writer at a time: writes queue here, in order,
            // on one connection, instead of contending for the file lock and
            // sleeping in its busy handler. A few readers are plenty.
            Backend::Sqlite => {
                let writer = pool_options
                    .clone()
                    .max_connections(1)
                    .connect_with(options.clone())
                    .await
                    .map_err(err)?;
                let readers = pool_options
                    .max_connections(8)
                    .connect_with(options)
                    .await
                    .map_err(err)?;
                (readers, writer)
            }
            Backend::Postgres => {
                let pool = pool_options
                    .max_connections(settings.max_connections)
                    .connect_with(options)
                    .await
                    .map_err(err)?;
                (pool.clone(), pool)
            }
        };
        let tokens = TokenCache::default();
        let listener = (backend == Backend::Postgres).then(|| Arc::new(tokens.listen(url)));
        Ok(SqlStore {
            pool,
            writer,
            backend,
            tokens,
            _listener: listener,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.writer)
            .await
            .map_err(|e| StoreError::Other(format!("migration failed: {e}")))?;
        if self.backend == Backend::Sqlite {
            // Earlier versions analysed every table, small ones included.
            self.sqlite_statistics(Statistics::Prune).await?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

fn other(e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(e.to_string())
}

/// Map a driver error; a unique violation becomes `Unique(name)` where the
/// caller knows which constraint the statement can violate (SQLite does not
/// report constraint names).
pub(crate) fn db_err(unique: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Unique(unique),
        // PostgreSQL rolled the transaction back: serialization failure, deadlock.
        sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("40001" | "40P01")) => {
            StoreError::Unavailable(e.to_string())
        }
        // SQLite: another writer holds the lock (SQLITE_BUSY and its extended codes).
        sqlx::Error::Database(d)
            if matches!(d.code().as_deref(), Some("5" | "261" | "517" | "6")) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Other(e.to_string()),
    }
}

pub(crate) fn err(e: sqlx::Error) -> StoreError {
    db_err("unknown")(e)
}
