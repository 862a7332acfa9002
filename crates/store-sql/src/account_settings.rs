//! The Account page's writes and password reset links (of reset links only
//! the SHA-256 of the secret is kept). Each write and its audit entry commit
//! together.

use crate::audit::insert_audit_in;
use crate::rows::{ms, time};
use crate::{err, SqlStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use switchboard_core::audit::AuditEntry;
use switchboard_core::password_reset::PasswordReset;
use switchboard_core::session::Session;
use switchboard_core::store::AccountSettingsStore;
use switchboard_core::store::StoreResult;
use switchboard_core::token::TokenHash;

#[derive(sqlx::FromRow)]
struct ResetRow {
    token_hash: String,
    account_id: String,
    user_id: String,
    created_by: String,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

impl TryFrom<ResetRow> for PasswordReset {
    type Error = switchboard_core::store::StoreError;
    fn try_from(r: ResetRow) -> StoreResult<PasswordReset> {
        Ok(PasswordReset {
            token_hash: TokenHash::from_stored(r.token_hash),
            account_id: r.account_id,
            user_id: r.user_id,
            created_by: r.created_by,
            created_at: time(r.created_at)?,
            expires_at: time(r.expires_at)?,
            used_at: r.used_at.map(time).transpose()?,
        })
    }
}

#[async_trait]
impl AccountSettingsStore for SqlStore {
    async fn rename_account(
        &self,
        id: &str,
        name: &str,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        // Token and client look-ups carry the account's name.
        self.changing_tokens(async {
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                let done = sqlx::query("update accounts set name = $1, updated_at = $2 where id = $3")
                    .bind(name)
                    .bind(ms(now))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                insert_audit_in(&mut tx, audit).await?;
                tx.commit().await.map_err(err)?;
                Ok(true)
            })
        })
        })
        .await
    }

    async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        keep: Option<&TokenHash>,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                sqlx::query("update users set password_hash = $1, updated_at = $2 where id = $3")
                    .bind(password_hash)
                    .bind(ms(now))
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                sqlx::query(
                    "delete from sessions where user_id = $1 and (cast($2 as text) is null or id_hash <> $2)",
                )
                .bind(user_id)
                .bind(keep.map(TokenHash::as_str))
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                insert_audit_in(&mut tx, audit).await?;
                tx.commit().await.map_err(err)
            })
        })
    }

    async fn list_sessions(&self, user_id: &str) -> StoreResult<Vec<Session>> {
        let rows: Vec<(String, String, String, String, i64, i64)> =
            on_reader!(self.reader, db => sqlx::query_as(
            "select id_hash, user_id, account_id, csrf_token, created_at, last_seen_at \
             from sessions where user_id = $1 order by last_seen_at desc",
        )
        .bind(user_id)
        .fetch_all(db)
        .await)
            .map_err(err)?;
        rows.into_iter()
            .map(|(hash, user_id, account_id, csrf_token, created, seen)| {
                Ok(Session {
                    id_hash: TokenHash::from_stored(hash),
                    user_id,
                    account_id,
                    csrf_token,
                    created_at: time(created)?,
                    last_seen_at: time(seen)?,
                })
            })
            .collect()
    }

    async fn delete_other_sessions(
        &self,
        user_id: &str,
        keep: &TokenHash,
        audit: &AuditEntry,
    ) -> StoreResult<u64> {
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                let done = sqlx::query("delete from sessions where user_id = $1 and id_hash <> $2")
                    .bind(user_id)
                    .bind(keep.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                insert_audit_in(&mut tx, audit).await?;
                tx.commit().await.map_err(err)?;
                Ok(done.rows_affected())
            })
        })
    }

    async fn insert_password_reset(
        &self,
        r: &PasswordReset,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                // A new link replaces the user's unused ones; expired links go too.
                sqlx::query(
                    "delete from password_resets where (user_id = $1 and used_at is null) or expires_at < $2",
                )
                .bind(&r.user_id)
                .bind(ms(r.created_at))
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                sqlx::query(
                    "insert into password_resets (token_hash, account_id, user_id, created_by, created_at, updated_at, expires_at, used_at) \
                     values ($1, $2, $3, $4, $5, $5, $6, $7)",
                )
                .bind(r.token_hash.as_str())
                .bind(&r.account_id)
                .bind(&r.user_id)
                .bind(&r.created_by)
                .bind(ms(r.created_at))
                .bind(ms(r.expires_at))
                .bind(r.used_at.map(ms))
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                insert_audit_in(&mut tx, audit).await?;
                tx.commit().await.map_err(err)
            })
        })
    }

    async fn find_password_reset(&self, hash: &TokenHash) -> StoreResult<Option<PasswordReset>> {
        let row: Option<ResetRow> = on_reader!(self.reader, db => sqlx::query_as(
            "select token_hash, account_id, user_id, created_by, created_at, expires_at, used_at \
             from password_resets where token_hash = $1",
        )
        .bind(hash.as_str())
        .fetch_optional(db)
        .await)
        .map_err(err)?;
        row.map(PasswordReset::try_from).transpose()
    }

    async fn redeem_password_reset(
        &self,
        hash: &TokenHash,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                // Claiming the link first makes a second use, even a concurrent one, find nothing.
                let claimed = sqlx::query(
                    "update password_resets set used_at = $1, updated_at = $1 \
                     where token_hash = $2 and used_at is null and expires_at > $1",
                )
                .bind(ms(now))
                .bind(hash.as_str())
                .execute(&mut *tx)
                .await
                .map_err(err)?
                .rows_affected();
                if claimed != 1 {
                    return Ok(false);
                }
                let user_id: String =
                    sqlx::query_scalar("select user_id from password_resets where token_hash = $1")
                        .bind(hash.as_str())
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(err)?;
                let set = sqlx::query(
                    "update users set password_hash = $1, updated_at = $2 where id = $3 and active = 1",
                )
                .bind(password_hash)
                .bind(ms(now))
                .bind(&user_id)
                .execute(&mut *tx)
                .await
                .map_err(err)?
                .rows_affected();
                if set != 1 {
                    return Ok(false);
                }
                sqlx::query("delete from sessions where user_id = $1")
                    .bind(&user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                insert_audit_in(&mut tx, audit).await?;
                tx.commit().await.map_err(err)?;
                Ok(true)
            })
        })
    }
}
