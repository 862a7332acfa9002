//! A fixed set of SQLite connections, lent without sqlx's pool. The pool
//! spawns a task at every release to ping the connection, one more round
//! trip to the driver's worker thread per statement: a connection to a
//! file cannot drop, so a lent connection needs neither. A permit of the
//! semaphore stands for a free connection.

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, SqliteConnection};
use std::ops::{Deref, DerefMut};
use std::time::Duration;
use switchboard_core::store::{StoreError, StoreResult};
use tokio::sync::{Mutex, MutexGuard, Semaphore, SemaphorePermit};

pub(crate) struct SqliteConns {
    conns: Vec<Mutex<SqliteConnection>>,
    free: Semaphore,
    acquire_timeout: Duration,
}

/// A connection lent until this is dropped.
pub(crate) struct Lent<'a> {
    conn: MutexGuard<'a, SqliteConnection>,
    _free: SemaphorePermit<'a>,
}

impl SqliteConns {
    pub(crate) async fn open(
        options: &SqliteConnectOptions,
        count: usize,
        acquire_timeout: Duration,
    ) -> StoreResult<SqliteConns> {
        let mut conns = Vec::with_capacity(count);
        for _ in 0..count {
            conns.push(Mutex::new(options.connect().await.map_err(crate::err)?));
        }
        Ok(SqliteConns {
            conns,
            free: Semaphore::new(count),
            acquire_timeout,
        })
    }

    /// Wait (at most the acquire timeout) for a free connection.
    pub(crate) async fn acquire(&self) -> StoreResult<Lent<'_>> {
        let permit = tokio::time::timeout(self.acquire_timeout, self.free.acquire())
            .await
            .map_err(|_| crate::err(sqlx::Error::PoolTimedOut))?
            .map_err(|_| crate::err(sqlx::Error::PoolClosed))?;
        // Each holder of a permit holds at most one connection, so with a
        // permit in hand one is unlocked.
        let conn = self
            .conns
            .iter()
            .find_map(|c| c.try_lock().ok())
            .ok_or_else(|| StoreError::Contract("a permit without a free connection".into()))?;
        Ok(Lent {
            conn,
            _free: permit,
        })
    }

    /// Lend no more connections (the store is closing).
    pub(crate) fn close(&self) {
        self.free.close();
    }
}

impl Deref for Lent<'_> {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.conn
    }
}

impl DerefMut for Lent<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }
}

#[cfg(test)]
mod tests {
    use super::SqliteConns;
    use sqlx::sqlite::SqliteConnectOptions;
    use std::str::FromStr;
    use std::sync::Arc;
    use std::time::Duration;
    use switchboard_core::store::StoreError;

    async fn conns(count: usize, timeout_ms: u64) -> Arc<SqliteConns> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:").unwrap();
        let timeout = Duration::from_millis(timeout_ms);
        Arc::new(SqliteConns::open(&options, count, timeout).await.unwrap())
    }

    #[tokio::test]
    async fn each_connection_is_lent_to_one_holder_at_a_time() {
        let conns = conns(3, 5_000).await;
        let tasks: Vec<_> = (0..24)
            .map(|i| {
                let conns = conns.clone();
                tokio::spawn(async move {
                    let mut lent = conns.acquire().await.unwrap();
                    // A temporary table is the connection's own: a second holder
                    // of the same connection would find it already there.
                    sqlx::query(&format!(
                        "create temp table held (n) ; insert into held values ({i})"
                    ))
                    .execute(&mut *lent)
                    .await
                    .unwrap();
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    let n: i64 = sqlx::query_scalar("select n from held")
                        .fetch_one(&mut *lent)
                        .await
                        .unwrap();
                    sqlx::query("drop table held")
                        .execute(&mut *lent)
                        .await
                        .unwrap();
                    n
                })
            })
            .collect();
        for (i, task) in tasks.into_iter().enumerate() {
            assert_eq!(task.await.unwrap(), i as i64);
        }
    }

    #[tokio::test]
    async fn a_wait_past_the_timeout_and_a_closed_set_are_errors() {
        let conns = conns(1, 50).await;
        let held = conns.acquire().await.unwrap();
        assert!(matches!(
            conns.acquire().await,
            Err(StoreError::Unavailable(_))
        ));
        drop(held);
        drop(conns.acquire().await.unwrap());
        conns.close();
        assert!(matches!(
            conns.acquire().await,
            Err(StoreError::Unavailable(_))
        ));
    }
}
