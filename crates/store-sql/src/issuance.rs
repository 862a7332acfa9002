//! Issuing OAuth tokens: a grant's new tokens, optionally behind a claim
//! (a code redeemed, a refresh token rotated) that only one of concurrent
//! callers wins. The hottest write there is: on SQLite it goes through the
//! group commit, on PostgreSQL (many writers at once) one transaction each.

use crate::db::{Conn, Pool};
use crate::group_commit::{BoxFuture, GroupCommit};
use crate::rows::ms;
use crate::tokens::insert_tokens;
use crate::{err, SqlStore};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool, SqliteConnection};
use std::collections::HashMap;
use switchboard_core::store::{StoreResult, TokenRecord};

pub(crate) struct Issue {
    /// An `update … where <still unclaimed>` binding `now` and the id; the
    /// tokens are stored only if it changed exactly one row.
    pub(crate) claim: Option<(&'static str, String)>,
    pub(crate) grant_id: String,
    pub(crate) now: DateTime<Utc>,
    pub(crate) tokens: Vec<TokenRecord>,
}

/// How a store issues, chosen when it is opened: on SQLite through the
/// group commit (a task that commits concurrent issuances together on the
/// one writer), on PostgreSQL one transaction each, on the pool.
#[derive(Clone)]
pub(crate) enum Issuer {
    GroupCommit(GroupCommit<Issue>),
    Postgres(PgPool),
}

impl Issuer {
    pub(crate) fn start(writer: &Pool) -> Issuer {
        match writer {
            Pool::Sqlite(db) => {
                Issuer::GroupCommit(GroupCommit::start(db.clone(), issue_on_sqlite))
            }
            Pool::Postgres(db) => Issuer::Postgres(db.clone()),
        }
    }
}

fn issue_on_sqlite<'a>(
    c: &'a mut SqliteConnection,
    jobs: &'a [&'a Issue],
) -> BoxFuture<'a, StoreResult<Vec<bool>>> {
    Box::pin(issue_group(c, jobs))
}

/// A group commit's issuances: the claims, then every winner's tokens in
/// multi-row inserts, then each grant's last use once. (No claim can be of
/// a token issued in the same group: its client has not received it yet.)
async fn issue_group(c: &mut SqliteConnection, jobs: &[&Issue]) -> StoreResult<Vec<bool>> {
    let mut won = Vec::with_capacity(jobs.len());
    for job in jobs {
        won.push(match &job.claim {
            Some((claim, id)) => claimed(&mut *c, claim, id, job.now).await?,
            None => true,
        });
    }
    let winners: Vec<&Issue> = jobs
        .iter()
        .zip(&won)
        .filter(|(_, won)| **won)
        .map(|(job, _)| *job)
        .collect();
    let tokens: Vec<&TokenRecord> = winners.iter().flat_map(|job| &job.tokens).collect();
    insert_tokens(&mut *c, &tokens).await?;
    let mut latest: HashMap<&str, DateTime<Utc>> = HashMap::new();
    for job in &winners {
        let at = latest.entry(job.grant_id.as_str()).or_insert(job.now);
        *at = (*at).max(job.now);
    }
    for (grant_id, now) in latest {
        touch_grant(&mut *c, grant_id, now).await?;
    }
    Ok(won)
}

/// One issuance on PostgreSQL; `false`: the claim was lost, and nothing
/// was written.
async fn issue_in(conn: &mut PgConnection, job: &Issue) -> StoreResult<bool> {
    if let Some((claim, id)) = &job.claim {
        if !claimed(&mut *conn, claim, id, job.now).await? {
            return Ok(false);
        }
    }
    let tokens: Vec<&TokenRecord> = job.tokens.iter().collect();
    insert_tokens(&mut *conn, &tokens).await?;
    touch_grant(&mut *conn, &job.grant_id, job.now).await?;
    Ok(true)
}

/// Run the claim (binding `now`, `id`); `true` if it changed exactly one row.
async fn claimed(
    conn: impl Into<Conn<'_>>,
    claim: &str,
    id: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    on_conn!(conn.into(), conn => sqlx::query(claim)
        .bind(ms(now))
        .bind(id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected() == 1)
        .map_err(err))
}

/// Like a token's last use, written at most once a minute.
async fn touch_grant(
    conn: impl Into<Conn<'_>>,
    grant_id: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    on_conn!(conn.into(), conn => sqlx::query(
        "update oauth_grants set last_used_at = $1, updated_at = $1 \
         where id = $2 and (last_used_at is null or last_used_at < $3)",
    )
    .bind(ms(now))
    .bind(grant_id)
    .bind(ms(now) - 60_000)
    .execute(conn)
    .await
    .map(|_| ())
    .map_err(err))
}

impl SqlStore {
    /// Issue in one transaction (alone, or in a group commit): committed
    /// before this answers.
    pub(crate) async fn issue(&self, job: Issue) -> StoreResult<bool> {
        match &self.issuer {
            Issuer::GroupCommit(group) => group.submit(job).await,
            Issuer::Postgres(db) => with_retry!(async {
                let mut tx = db.begin().await.map_err(err)?;
                let issued = issue_in(&mut tx, &job).await?;
                tx.commit().await.map_err(err)?;
                Ok(issued)
            }),
        }
    }
}
