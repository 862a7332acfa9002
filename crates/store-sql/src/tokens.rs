//! Presented tokens: the cached look-up, last use, revocation, and the
//! invalidation every token-changing write ends with.

use crate::audit::insert_audit_in;
use crate::db::{Conn, Pool};
use crate::rows::*;
use crate::{err, SqlStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use switchboard_core::audit::AuditEntry;
use switchboard_core::store::*;
use switchboard_core::token::TokenHash;

impl SqlStore {
    /// The token and its owner: one query, and one more for a user's token.
    pub(crate) async fn find_token_uncached(
        &self,
        hash: &TokenHash,
    ) -> StoreResult<Option<TokenLookup>> {
        let row: Option<TokenLookupRow> = on_reader!(self.reader, db => sqlx::query_as(
            // A token belongs to a Private App, or to an OAuth app through its grant.
            "select t.id, t.account_id, t.kind, t.token_hash, t.private_app_id, t.user_id, t.created_at, \
             t.last_used_at, t.expires_at, t.revoked_at, t.grant_id, t.family_id, t.scopes, t.rotated_at, \
             t.family_started_at, a.name as account_name, \
             coalesce(p.id, o.id) as app_id, coalesce(p.name, o.name) as app_name, \
             coalesce(p.scopes, o.scopes) as app_scopes, o.client_id \
             from tokens t join accounts a on a.id = t.account_id \
             left join private_apps p on p.id = t.private_app_id \
             left join oauth_grants g on g.id = t.grant_id \
             left join oauth_apps o on o.id = g.app_id \
             where t.token_hash = $1 and (p.id is not null or o.id is not null)",
        )
        .bind(hash.as_str())
        .fetch_optional(db)
        .await)
        .map_err(err)?;
        let Some(row) = row else { return Ok(None) };
        let user = match &row.user_id {
            Some(uid) => self.get_user(&row.account_id, uid).await?,
            None => None,
        };
        row.into_lookup(user).map(Some)
    }

    /// Run a write that can change what `find_token` or
    /// `find_oauth_app_by_client_id` returns; once it has succeeded,
    /// invalidate the cached look-ups.
    pub(crate) async fn changing_tokens<T>(
        &self,
        write: impl std::future::Future<Output = StoreResult<T>>,
    ) -> StoreResult<T> {
        let out = write.await;
        if out.is_ok() {
            self.tokens_changed().await;
        }
        out
    }

    /// After a write that can change what `find_token` or
    /// `find_oauth_app_by_client_id` returns: forget the cached look-ups
    /// (both kinds) here, and tell the other nodes (PostgreSQL).
    pub(crate) async fn tokens_changed(&self) {
        self.caches.invalidate();
        if let Pool::Postgres(db) = &self.writer {
            let notify = sqlx::query("select pg_notify($1, '')")
                .bind(crate::token_cache::TOKENS_CHANNEL)
                .execute(db)
                .await;
            if let Err(e) = notify {
                // The others' caches still expire within TOKEN_CACHE_TTL.
                tracing::warn!(error = %e, "could not notify other nodes of a token change");
            }
        }
    }
}

#[async_trait]
impl TokenStore for SqlStore {
    async fn find_token(&self, hash: &TokenHash) -> StoreResult<Option<TokenLookup>> {
        let ticket = match self.caches.tokens.get(hash.as_str()) {
            Ok(hit) => return Ok(Some(hit)),
            Err(ticket) => ticket,
        };
        let found = self.find_token_uncached(hash).await?;
        if let Some(f) = &found {
            self.caches
                .tokens
                .put(hash.as_str(), Some(&f.token.id), f, ticket);
        }
        Ok(found)
    }

    async fn touch_token(
        &self,
        token_id: &str,
        now: DateTime<Utc>,
        min_interval_ms: i64,
    ) -> StoreResult<()> {
        on_pool!(self.writer, db => sqlx::query(
            "update tokens set last_used_at = $1 where id = $2 and (last_used_at is null or last_used_at <= $3)",
        )
        .bind(ms(now))
        .bind(token_id)
        .bind(ms(now) - min_interval_ms)
        .execute(db)
        .await.map(|r| r.rows_affected()))
        .map_err(err)?;
        // Only this node's copy: other nodes' last_used_at may lag by the TTL.
        self.caches.tokens.forget(token_id);
        Ok(())
    }

    async fn revoke_token(
        &self,
        token_id: &str,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        revoke_audited(
            self,
            "update tokens set revoked_at = $1, updated_at = $1 where id = $2 and revoked_at is null",
            token_id,
            now,
            audit,
        )
        .await
    }
}

/// Rows per multi-row insert: 16 parameters a row, well under SQLite's limit.
const TOKENS_PER_STATEMENT: usize = 64;

/// Tokens in multi-row inserts (a group commit's on SQLite), placeholders
/// as the backend's query builder writes them: anonymous on SQLite, which
/// binds them without looking names up, numbered on PostgreSQL.
pub(crate) async fn insert_tokens(
    conn: impl Into<Conn<'_>>,
    tokens: &[&TokenRecord],
) -> StoreResult<()> {
    on_conn!(conn.into(), c => {
        for chunk in tokens.chunks(TOKENS_PER_STATEMENT) {
            let mut q = QueryBuilder::new(
                "insert into tokens (id, account_id, kind, token_hash, private_app_id, user_id, created_at, \
                 updated_at, last_used_at, expires_at, revoked_at, grant_id, family_id, scopes, rotated_at, \
                 family_started_at) ",
            );
            q.push_values(chunk.iter().copied(), |mut row, t| {
                row.push_bind(&t.id)
                    .push_bind(&t.account_id)
                    .push_bind(t.kind.as_str())
                    .push_bind(t.hash.as_str())
                    .push_bind(&t.private_app_id)
                    .push_bind(&t.user_id)
                    .push_bind(ms(t.created_at))
                    .push_bind(ms(t.created_at))
                    .push_bind(t.last_used_at.map(ms))
                    .push_bind(t.expires_at.map(ms))
                    .push_bind(t.revoked_at.map(ms))
                    .push_bind(&t.grant_id)
                    .push_bind(&t.family_id)
                    .push_bind(t.scopes.as_ref().map(|s| s.to_spaced()))
                    .push_bind(t.rotated_at.map(ms))
                    .push_bind(t.family_started_at.map(ms));
            });
            q.build().execute(&mut *c).await.map_err(err)?;
        }
        Ok(())
    })
}

/// One token, in the caller's transaction.
pub(crate) async fn insert_token(conn: impl Into<Conn<'_>>, t: &TokenRecord) -> StoreResult<()> {
    insert_tokens(conn, &[t]).await
}

/// Revoke the live tokens `update` (binding `now`, `key`) selects, with its
/// audit entry, in one transaction.
pub(crate) async fn revoke_audited(
    store: &SqlStore,
    update: &'static str,
    key: &str,
    now: DateTime<Utc>,
    audit: &AuditEntry,
) -> StoreResult<()> {
    store
        .changing_tokens(async {
            with_retry!(async {
                on_pool!(store.writer, db => {
                    let mut tx = db.begin().await.map_err(err)?;
                    sqlx::query(update)
                        .bind(ms(now))
                        .bind(key)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                    insert_audit_in(&mut tx, audit).await?;
                    tx.commit().await.map_err(err)
                })
            })
        })
        .await
}
