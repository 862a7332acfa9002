//! SQLite checkpoints off the write path. With SQLite's automatic
//! checkpoint, the commit that takes the log past 1,000 pages also copies
//! them into the database file, and every write queued behind that commit
//! waits for it. Instead the writer never checkpoints, and a task does a
//! passive checkpoint (it never blocks the writer or a reader) from a reader
//! connection at a fixed interval. The log stays durable either way: a
//! checkpoint only moves committed pages into the database file.

use crate::background::Background;
use crate::sqlite_conns::SqliteConns;
use std::sync::Arc;
use std::time::Duration;
use switchboard_core::store::StoreResult;

/// Between two checkpoints: the log holds at most this much of the writes.
const EVERY: Duration = Duration::from_millis(500);

pub(crate) fn start(readers: Arc<SqliteConns>) -> Background {
    Background::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(e) = checkpoint(&readers).await {
                tracing::warn!(error = %e, "SQLite checkpoint failed; the next one retries");
            }
        }
    })
}

async fn checkpoint(readers: &SqliteConns) -> StoreResult<()> {
    let mut conn = readers.acquire().await?;
    sqlx::query("pragma wal_checkpoint(passive)")
        .execute(&mut *conn)
        .await
        .map(|_| ())
        .map_err(crate::err)
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
