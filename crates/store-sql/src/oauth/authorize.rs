//! The authorization step's short-lived rows: consent transactions (taken
//! once, by the answer to the consent screen) and authorization codes.

use crate::rows::{ms, opt_time, scopes, time};
use crate::{err, SqlStore};
use switchboard_core::oauth::authorize::{AuthCode, Consent};
use switchboard_core::store::StoreResult;
use switchboard_core::token::TokenHash;

#[derive(sqlx::FromRow)]
struct ConsentRow {
    id_hash: String,
    session_hash: String,
    user_id: String,
    app_id: String,
    redirect_uri: String,
    scopes: String,
    state: Option<String>,
    code_challenge: Option<String>,
    created_at: i64,
    expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct CodeRow {
    id: String,
    code_hash: String,
    grant_id: String,
    app_id: String,
    user_id: String,
    account_id: String,
    redirect_uri: String,
    scopes: String,
    code_challenge: Option<String>,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

pub(super) async fn insert_consent(store: &SqlStore, c: &Consent) -> StoreResult<()> {
    on_pool!(store.writer, db => sqlx::query(
        "insert into oauth_consents (id_hash, session_hash, user_id, app_id, redirect_uri, scopes, state, \
         code_challenge, created_at, updated_at, expires_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
    )
    .bind(c.id_hash.as_str())
    .bind(c.session_hash.as_str())
    .bind(&c.user_id)
    .bind(&c.app_id)
    .bind(&c.redirect_uri)
    .bind(c.scopes.to_spaced())
    .bind(&c.state)
    .bind(&c.code_challenge)
    .bind(ms(c.created_at))
    .bind(ms(c.expires_at))
    .execute(db)
    .await.map(|r| r.rows_affected()))
    .map(|_| ())
    .map_err(err)
}

pub(super) async fn take_consent(
    store: &SqlStore,
    id_hash: &TokenHash,
    session_hash: &TokenHash,
) -> StoreResult<Option<Consent>> {
    // `delete … returning`: of two concurrent answers, one gets the row.
    let row: Option<ConsentRow> = on_pool!(store.writer, db => sqlx::query_as(
        "delete from oauth_consents where id_hash = $1 and session_hash = $2 \
         returning id_hash, session_hash, user_id, app_id, redirect_uri, scopes, state, code_challenge, \
         created_at, expires_at",
    )
    .bind(id_hash.as_str())
    .bind(session_hash.as_str())
    .fetch_optional(db)
    .await)
    .map_err(err)?;
    row.map(|r| {
        Ok(Consent {
            id_hash: TokenHash::from_stored(r.id_hash),
            session_hash: TokenHash::from_stored(r.session_hash),
            user_id: r.user_id,
            app_id: r.app_id,
            redirect_uri: r.redirect_uri,
            scopes: scopes(&r.scopes)?,
            state: r.state,
            code_challenge: r.code_challenge,
            created_at: time(r.created_at)?,
            expires_at: time(r.expires_at)?,
        })
    })
    .transpose()
}

pub(super) async fn insert_code(store: &SqlStore, c: &AuthCode) -> StoreResult<()> {
    on_pool!(store.writer, db => sqlx::query(
        "insert into oauth_codes (id, code_hash, grant_id, app_id, user_id, account_id, redirect_uri, scopes, \
         code_challenge, created_at, updated_at, expires_at, used_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12)",
    )
    .bind(&c.id)
    .bind(c.code_hash.as_str())
    .bind(&c.grant_id)
    .bind(&c.app_id)
    .bind(&c.user_id)
    .bind(&c.account_id)
    .bind(&c.redirect_uri)
    .bind(c.scopes.to_spaced())
    .bind(&c.code_challenge)
    .bind(ms(c.created_at))
    .bind(ms(c.expires_at))
    .bind(c.used_at.map(ms))
    .execute(db)
    .await.map(|r| r.rows_affected()))
    .map(|_| ())
    .map_err(err)
}

pub(super) async fn find_code(
    store: &SqlStore,
    code_hash: &TokenHash,
) -> StoreResult<Option<AuthCode>> {
    let row: Option<CodeRow> = on_reader!(store.reader, db => sqlx::query_as(
        "select id, code_hash, grant_id, app_id, user_id, account_id, redirect_uri, scopes, code_challenge, \
         created_at, expires_at, used_at from oauth_codes where code_hash = $1",
    )
    .bind(code_hash.as_str())
    .fetch_optional(db)
    .await)
    .map_err(err)?;
    row.map(|r| {
        Ok(AuthCode {
            id: r.id,
            code_hash: TokenHash::from_stored(r.code_hash),
            grant_id: r.grant_id,
            app_id: r.app_id,
            user_id: r.user_id,
            account_id: r.account_id,
            redirect_uri: r.redirect_uri,
            scopes: scopes(&r.scopes)?,
            code_challenge: r.code_challenge,
            created_at: time(r.created_at)?,
            expires_at: time(r.expires_at)?,
            used_at: opt_time(r.used_at)?,
        })
    })
    .transpose()
}
