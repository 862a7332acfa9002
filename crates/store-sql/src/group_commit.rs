//! Group commit on SQLite: writes of one kind that arrive while the writer
//! is busy are committed together, in one transaction, by one task. SQLite
//! takes one writer at a time, so under concurrent load the writes queue
//! anyway; together they pay for one `begin`, one commit (one append to the
//! write-ahead log) and one connection hand-over instead of one each.
//!
//! Every job is acknowledged only after the transaction holding it has
//! committed, so an acknowledged write is as durable as one committed alone.
//! If any job of a batch fails, the batch is rolled back and each job runs
//! again in a transaction of its own: one bad job never takes the others
//! with it, and none is half-written.

use crate::err;
use sqlx::{SqliteConnection, SqlitePool};
use std::future::Future;
use std::pin::Pin;
use switchboard_core::store::{StoreError, StoreResult};
use tokio::sync::{mpsc, oneshot};

/// At most this many jobs share a transaction, to bound how long the
/// writer connection is held and how much one failure has to redo.
const MAX_BATCH: usize = 256;
/// Jobs waiting for the writer; senders wait beyond that (backpressure).
const QUEUE: usize = 4096;

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Runs a group of jobs' statements on the transaction's connection (one
/// multi-row statement for all of them, where it can), answering for each
/// job in order. `false` is a job that chose to write nothing (a lost race),
/// not a failure.
pub(crate) type Run<J> =
    for<'a> fn(&'a mut SqliteConnection, &'a [&'a J]) -> BoxFuture<'a, StoreResult<Vec<bool>>>;

type Reply = oneshot::Sender<StoreResult<bool>>;

pub(crate) struct GroupCommit<J> {
    jobs: mpsc::Sender<(J, Reply)>,
}

impl<J> Clone for GroupCommit<J> {
    fn clone(&self) -> Self {
        GroupCommit {
            jobs: self.jobs.clone(),
        }
    }
}

impl<J: Send + Sync + 'static> GroupCommit<J> {
    /// Start the task that commits `run`'s jobs on `writer` (SQLite's one
    /// writer connection, shared with every other write). It ends when the
    /// last handle is dropped.
    pub(crate) fn start(writer: SqlitePool, run: Run<J>) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(commit_batches(writer, run, queue));
        GroupCommit { jobs }
    }

    /// Queue the job; answers once it has committed (or failed alone).
    pub(crate) async fn submit(&self, job: J) -> StoreResult<bool> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send((job, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable(Box::new(sqlx::Error::PoolClosed))
}

async fn commit_batches<J>(writer: SqlitePool, run: Run<J>, mut queue: mpsc::Receiver<(J, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs: Vec<&J> = batch.iter().map(|(job, _)| job).collect();
        let results = match together(&writer, run, &jobs).await {
            Ok(done) => done.into_iter().map(Ok).collect(),
            Err(e) if jobs.len() == 1 && !matches!(e, StoreError::Unavailable(_)) => vec![Err(e)],
            Err(_) => {
                let mut alone = Vec::with_capacity(jobs.len());
                for job in &jobs {
                    let one = with_retry!(together(&writer, run, std::slice::from_ref(job)));
                    alone.push(one.map(|done| done[0]));
                }
                alone
            }
        };
        drop(jobs);
        for ((_, reply), result) in batch.drain(..).zip(results) {
            // The caller may have gone (its request was cancelled): the job
            // is done regardless, as a write whose answer was lost.
            let _ = reply.send(result);
        }
    }
}

/// The jobs in one transaction: every one committed, or none.
async fn together<J>(writer: &SqlitePool, run: Run<J>, jobs: &[&J]) -> StoreResult<Vec<bool>> {
    let mut tx = writer.begin().await.map_err(err)?;
    let done = run(&mut tx, jobs).await?;
    tx.commit().await.map_err(err)?;
    Ok(done)
}
