//! The store port over SQL, on each backend's own sqlx driver: the embedded
//! SQLite file (default) and PostgreSQL (`postgres://…`, any number of
//! nodes). The statements are written once, in the SQL both understand;
//! [`on_pool!`] and [`on_conn!`] run a block against whichever backend the
//! store opened, so each copy is type-checked against its own driver. What
//! differs per backend (migrations, connection setup, notifications) is
//! chosen once, when the store is opened. Every method that writes more than
//! one row runs in one transaction.

#[macro_use]
mod retry;
#[macro_use]
mod db;
mod account_settings;
mod accounts;
mod audit;
mod background;
mod checkpoint;
mod console_reveals;
mod group_commit;
mod issuance;
mod maintenance;
use maintenance::Statistics;
mod oauth;
mod private_apps;
mod records;
mod rows;
mod sqlite_conns;
#[cfg(feature = "test-support")]
pub mod testing;
mod token_cache;
mod tokens;
mod webhook_events;
mod webhook_outbox;
mod webhooks;

use db::{Pool, Readers};
use sqlite_conns::SqliteConns;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use switchboard_core::store::{Constraint, StoreError, StoreResult};
use token_cache::Caches;

/// Kept in step: the same versions in both folders (checked by a test).
pub static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
pub static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// When SQLite's write-ahead log reaches the disk (`pragma synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSync {
    /// Each commit is written to the log before it is acknowledged, and the
    /// log is synced at checkpoints: a crash of the process loses nothing;
    /// a power loss or OS crash can lose the last commits (never corrupts).
    #[default]
    Normal,
    /// The log is synced at every commit as well: survives power loss, at
    /// the cost of one fsync per write transaction.
    Full,
}

/// Pool and timeout settings (the pool size is PostgreSQL's; SQLite uses
/// one writer and a few readers).
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub statement_timeout: Duration,
    pub sqlite_sync: SqliteSync,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
            sqlite_sync: SqliteSync::default(),
        }
    }
}

#[derive(Clone)]
pub struct SqlStore {
    /// Reads.
    pub(crate) reader: Readers,
    /// Writes: on SQLite one connection of its own, on PostgreSQL the same pool.
    pub(crate) writer: Pool,
    /// Token issuance: on SQLite committed in groups, on PostgreSQL one
    /// transaction each.
    issuer: issuance::Issuer,
    /// Token and client look-ups.
    caches: Caches,
    /// The backend's own tasks, stopped with the last clone: on PostgreSQL
    /// the listeners for other nodes' token, client and webhook changes, on
    /// SQLite the checkpoints (see `checkpoint`).
    _tasks: Arc<Vec<background::Background>>,
}

impl SqlStore {
    /// Open (creating if needed) the database file `<data_dir>/switchboard.db`.
    pub async fn open_sqlite_in_dir(
        data_dir: &Path,
        settings: &PoolSettings,
    ) -> StoreResult<SqlStore> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Setup(format!(
                "cannot create data dir {}: {e}",
                data_dir.display()
            ))
        })?;
        let path = data_dir.join("switchboard.db");
        let path = path
            .to_str()
            .ok_or_else(|| StoreError::Setup("the data dir path is not valid UTF-8".into()))?;
        Self::open(&format!("sqlite://{path}?mode=rwc"), settings).await
    }

    /// Open a `sqlite:` or `postgres:` URL.
    pub async fn open(url: &str, settings: &PoolSettings) -> StoreResult<SqlStore> {
        let caches = Caches::default();
        if url.starts_with("sqlite:") {
            let (readers, writer) = open_sqlite(url, settings).await?;
            Ok(SqlStore {
                issuer: issuance::Issuer::start(&writer),
                _tasks: Arc::new(vec![checkpoint::start(readers.clone())]),
                reader: Readers::Sqlite(readers),
                writer,
                caches,
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = open_postgres(url, settings).await?;
            let tasks = vec![caches.listen(url), webhook_outbox::listen(url)];
            let writer = Pool::Postgres(pool.clone());
            Ok(SqlStore {
                issuer: issuance::Issuer::start(&writer),
                reader: Readers::Postgres(pool),
                writer,
                caches,
                _tasks: Arc::new(tasks),
            })
        } else {
            Err(StoreError::Setup(
                "database URL must start with sqlite: or postgres://".into(),
            ))
        }
    }

    pub fn backend(&self) -> Backend {
        match self.writer {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        let migrated = match &self.writer {
            Pool::Sqlite(db) => SQLITE_MIGRATIONS.run(db).await,
            Pool::Postgres(db) => POSTGRES_MIGRATIONS.run(db).await,
        };
        migrated.map_err(|e| StoreError::Setup(format!("migration failed: {e}")))?;
        if self.backend() == Backend::Sqlite {
            // Earlier versions analysed every table, small ones included.
            self.sqlite_statistics(Statistics::Prune).await?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        match &self.reader {
            Readers::Sqlite(conns) => conns.close(),
            Readers::Postgres(db) => db.close().await,
        }
        on_pool!(self.writer, db => db.close().await);
    }
}

/// Reader connections to a SQLite file: each has a worker thread and a
/// page cache of up to 2 MiB. With 8, RSS under bench/peers.sh reached
/// 77–83 MiB (target 64); with 4, 62–65 MiB, the CPU per request the same
/// within the noise (BENCHMARKS.md).
const SQLITE_READERS: usize = 4;

/// SQLite takes one writer at a time: writes queue for one connection of
/// their own, in order, instead of contending for the file lock and sleeping
/// in its busy handler. A few readers are plenty, lent without a ping (see
/// `sqlite_conns`): a file cannot drop a connection.
async fn open_sqlite(url: &str, settings: &PoolSettings) -> StoreResult<(Arc<SqliteConns>, Pool)> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(err)?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(match settings.sqlite_sync {
            SqliteSync::Normal => SqliteSynchronous::Normal,
            SqliteSync::Full => SqliteSynchronous::Full,
        })
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .pragma("case_sensitive_like", "on");
    let pool = SqlitePoolOptions::new()
        .acquire_timeout(settings.acquire_timeout)
        .test_before_acquire(false);
    // SQLite's default page cache (2 MiB) per connection: a larger one for
    // the writer (64 MiB) helped bulk inserts, but filled up under a token
    // load and took RSS past 64 MiB (bench/peers.sh). The writer keeps its
    // statement journals (the undo of a multi-row insert that fails half
    // way) in memory: past 64 KiB SQLite spills them to a temporary file,
    // a fifth of `dev seed`'s CPU in write syscalls. It never checkpoints
    // (see `checkpoint`).
    let writer = pool
        .clone()
        .max_connections(1)
        .connect_with(
            options
                .clone()
                .pragma("temp_store", "memory")
                .pragma("wal_autocheckpoint", "0"),
        )
        .await
        .map_err(err)?;
    let readers = SqliteConns::open(&options, SQLITE_READERS, settings.acquire_timeout).await?;
    Ok((Arc::new(readers), Pool::Sqlite(writer)))
}

/// The statement timeout travels in the startup packet, so a new connection
/// costs no extra round trip. A connection the server dropped is noticed
/// before it is lent (the ping), and replaced.
async fn open_postgres(url: &str, settings: &PoolSettings) -> StoreResult<PgPool> {
    let timeout_ms = settings.statement_timeout.as_millis().to_string();
    let options = PgConnectOptions::from_str(url)
        .map_err(err)?
        .options([("statement_timeout", timeout_ms.as_str())]);
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .connect_with(options)
        .await
        .map_err(err)
}

/// Map a driver error. A unique violation is `Unique(expected)` when the
/// caller names the constraint its statement may violate (SQLite does not
/// report constraint names); any other is a database error, as a bug is.
fn classify(e: sqlx::Error, expected: Option<Constraint>) -> StoreError {
    let retryable = match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            if let Some(c) = expected {
                return StoreError::Unique(c);
            }
            false
        }
        // PostgreSQL rolled the transaction back: serialization failure, deadlock;
        // SQLite: another writer holds the lock (SQLITE_BUSY and its extended codes).
        sqlx::Error::Database(d) => matches!(
            d.code().as_deref(),
            Some("40001" | "40P01" | "5" | "261" | "517" | "6")
        ),
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => true,
        _ => false,
    };
    if retryable {
        StoreError::Unavailable(Box::new(e))
    } else {
        StoreError::Database(Box::new(e))
    }
}

/// For a statement that may violate `unique`.
pub(crate) fn db_err(unique: Constraint) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| classify(e, Some(unique))
}

pub(crate) fn err(e: sqlx::Error) -> StoreError {
    classify(e, None)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::error::Error as _;

    /// Only the constraint a statement names becomes `Unique`; any other
    /// failure keeps the driver's error as its source.
    #[tokio::test]
    async fn driver_errors_are_classified_and_keep_their_source() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqlStore::open_sqlite_in_dir(dir.path(), &PoolSettings::default())
            .await
            .unwrap();
        let Pool::Sqlite(db) = &store.writer else {
            unreachable!("a SQLite store")
        };
        sqlx::query("create table t (x text unique)")
            .execute(db)
            .await
            .unwrap();
        let insert = || sqlx::query("insert into t (x) values ('a')").execute(db);
        insert().await.unwrap();
        let dup = insert().await.unwrap_err();
        assert!(matches!(
            db_err(Constraint::UserEmail)(dup),
            StoreError::Unique(Constraint::UserEmail)
        ));
        let unexpected = err(insert().await.unwrap_err());
        assert!(
            matches!(unexpected, StoreError::Database(_)),
            "{unexpected:?}"
        );
        let source = unexpected.source().unwrap().to_string();
        assert!(source.contains("UNIQUE constraint failed: t.x"), "{source}");
        let missing = err(sqlx::query("select * from nowhere")
            .execute(db)
            .await
            .unwrap_err());
        assert!(
            missing.to_string().contains("no such table: nowhere"),
            "{missing}"
        );
    }
}
