//! Issuing OAuth tokens: a grant's new tokens, optionally behind a claim
//! (a code redeemed, a refresh token rotated) that only one of concurrent
//! callers wins. The hottest write there is: on SQLite it goes through the
//! group commit, on PostgreSQL (many writers at once) one transaction each.

use crate::db::{Conn, Pool};
use crate::group_commit::{BoxFuture, GroupCommit};
use crate::rows::ms;
use crate::tokens::insert_token;
use crate::{err, SqlStore};
use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;
use switchboard_core::store::{StoreResult, TokenRecord};

pub(crate) struct Issue {
    /// An `update … where <still unclaimed>` binding `now` and the id; the
    /// tokens are stored only if it changed exactly one row.
    pub(crate) claim: Option<(&'static str, String)>,
    pub(crate) grant_id: String,
    pub(crate) now: DateTime<Utc>,
    pub(crate) tokens: Vec<TokenRecord>,
}

pub(crate) type Issuer = GroupCommit<Issue>;

pub(crate) fn start_issuer(writer: &Pool) -> Option<Issuer> {
    match writer {
        Pool::Sqlite(db) => Some(GroupCommit::start(db.clone(), issue_on_sqlite)),
        Pool::Postgres(_) => None,
    }
}

fn issue_on_sqlite<'a>(
    c: &'a mut SqliteConnection,
    job: &'a Issue,
) -> BoxFuture<'a, StoreResult<bool>> {
    Box::pin(issue_in(c, job))
}

/// `false`: the claim was lost, and nothing was written.
async fn issue_in(conn: impl Into<Conn<'_>>, job: &Issue) -> StoreResult<bool> {
    on_conn!(conn.into(), conn => {
        if let Some((claim, id)) = &job.claim {
            let claimed = sqlx::query(claim)
                .bind(ms(job.now))
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(err)?;
            if claimed.rows_affected() != 1 {
                return Ok(false);
            }
        }
        for t in &job.tokens {
            insert_token(&mut *conn, t).await?;
        }
        // Like a token's last use, written at most once a minute.
        sqlx::query(
            "update oauth_grants set last_used_at = $1, updated_at = $1 \
             where id = $2 and (last_used_at is null or last_used_at < $3)",
        )
        .bind(ms(job.now))
        .bind(&job.grant_id)
        .bind(ms(job.now) - 60_000)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(true)
    })
}

impl SqlStore {
    /// Issue in one transaction (alone, or in a group commit): committed
    /// before this answers.
    pub(crate) async fn issue(&self, job: Issue) -> StoreResult<bool> {
        if let Some(issuer) = &self.issuer {
            return issuer.submit(job).await;
        }
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                let issued = issue_in(&mut tx, &job).await?;
                tx.commit().await.map_err(err)?;
                Ok(issued)
            })
        })
    }
}
