//! One-time token reveals for the console, and when a rotated-out Private
//! App token stops working.

use crate::rows::*;
use crate::{err, SqlStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;
use switchboard_core::console_reveal::Reveal;
use switchboard_core::store::ConsoleStore;
use switchboard_core::store::StoreResult;
use switchboard_core::token::TokenHash;

#[async_trait]
impl ConsoleStore for SqlStore {
    async fn insert_reveal(&self, r: &Reveal) -> StoreResult<()> {
        on_pool!(self.writer, db => sqlx::query(
            "insert into console_reveals (id, account_id, session_hash, private_app_id, sealed, \
             expires_at, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(&r.id)
        .bind(&r.account_id)
        .bind(r.session_hash.as_str())
        .bind(&r.private_app_id)
        .bind(&r.sealed)
        .bind(ms(r.expires_at))
        .bind(ms(r.created_at))
        .execute(db)
        .await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(err)
    }

    async fn take_reveal(
        &self,
        id: &str,
        session_hash: &TokenHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Reveal>> {
        on_pool!(self.writer, db => {
            let mut tx = db.begin().await.map_err(err)?;
            sqlx::query("delete from console_reveals where expires_at <= $1")
                .bind(ms(now))
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            // Deleting is what makes the view single: of two racing requests
            // only one gets the row back.
            let row = sqlx::query(
                "delete from console_reveals where id = $1 and session_hash = $2 \
                 returning account_id, private_app_id, sealed, expires_at, created_at",
            )
            .bind(id)
            .bind(session_hash.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?;
            tx.commit().await.map_err(err)?;
            let Some(row) = row else {
                return Ok(None);
            };
            Ok(Some(Reveal {
                id: id.to_owned(),
                account_id: row.try_get("account_id").map_err(err)?,
                session_hash: session_hash.clone(),
                private_app_id: row.try_get("private_app_id").map_err(err)?,
                sealed: row.try_get("sealed").map_err(err)?,
                expires_at: time(row.try_get("expires_at").map_err(err)?)?,
                created_at: time(row.try_get("created_at").map_err(err)?)?,
            }))
        })
    }

    async fn old_token_valid_until(
        &self,
        account_id: &str,
        app_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let until: Option<i64> = on_reader!(self.reader, db => sqlx::query_scalar(
            "select max(t.expires_at) as until from tokens t \
             join private_apps p on p.id = t.private_app_id \
             where p.id = $1 and p.account_id = $2 and t.id <> p.current_token_id \
             and t.revoked_at is null and t.expires_at > $3",
        )
        .bind(app_id)
        .bind(account_id)
        .bind(ms(now))
        .fetch_one(db)
        .await)
        .map_err(err)?;
        opt_time(until)
    }
}
