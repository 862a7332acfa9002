//! SQLite checkpoints off the write path. With SQLite's automatic
//! checkpoint, the commit that takes the log past 1,000 pages also copies
//! them into the database file, and every write queued behind that commit
//! waits for it. Instead the writer never checkpoints, and a task does a
//! passive checkpoint (it never blocks the writer or a reader) from a reader
//! connection at a fixed interval. The log stays durable either way: a
//! checkpoint only moves committed pages into the database file.

use crate::sqlite_conns::SqliteConns;
use std::sync::Arc;
use std::time::Duration;

/// Between two checkpoints: the log holds at most this much of the writes.
const EVERY: Duration = Duration::from_millis(500);

/// The checkpointing task; it stops when this is dropped (with the store).
pub(crate) struct Checkpointer(tokio::task::JoinHandle<()>);

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(crate) fn start(readers: Arc<SqliteConns>) -> Checkpointer {
    Checkpointer(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let done = match readers.acquire().await {
                Ok(mut conn) => sqlx::query("pragma wal_checkpoint(passive)")
                    .execute(&mut *conn)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            if let Err(e) = done {
                tracing::warn!(error = %e, "SQLite checkpoint failed; the next one retries");
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use crate::SqlStore;
    use std::time::{Duration, Instant};

    /// The writer never checkpoints, yet the database file catches up with
    /// what was committed: the task copied the log's pages into it.
    #[tokio::test]
    async fn the_log_reaches_the_database_file_without_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqlStore::open_sqlite_in_dir(dir.path(), &Default::default())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let crate::db::Pool::Sqlite(writer) = &store.writer else {
            unreachable!("a SQLite store")
        };
        let auto: i64 = sqlx::query_scalar("pragma wal_autocheckpoint")
            .fetch_one(writer)
            .await
            .unwrap();
        assert_eq!(auto, 0, "the writer leaves checkpoints to the task");
        let pages: i64 = sqlx::query_scalar("pragma page_count")
            .fetch_one(writer)
            .await
            .unwrap();
        let size: i64 = sqlx::query_scalar("pragma page_size")
            .fetch_one(writer)
            .await
            .unwrap();
        let file = dir.path().join("switchboard.db");
        let started = Instant::now();
        while std::fs::metadata(&file).unwrap().len() < (pages * size) as u64 {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "no checkpoint within 5 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
