//! Grants: a user's (or an app's own) standing authorization of an app,
//! saved, listed with their app and user, and revoked with their tokens.

use crate::audit::insert_audit_in;
use crate::db::Conn;
use crate::rows::{ms, opt_time, scopes, time};
use crate::{err, SqlStore};
use chrono::{DateTime, Utc};
use switchboard_core::audit::AuditEntry;
use switchboard_core::oauth::grant::{Grant, GrantView};
use switchboard_core::store::{StoreError, StoreResult};

const GRANT_COLUMNS: &str = "g.id, g.account_id, g.app_id, g.user_id, g.subject, g.scopes, \
     g.created_at, g.updated_at, g.last_used_at";

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: String,
    account_id: String,
    app_id: String,
    user_id: Option<String>,
    subject: String,
    scopes: String,
    created_at: i64,
    updated_at: i64,
    last_used_at: Option<i64>,
}

impl TryFrom<GrantRow> for Grant {
    type Error = StoreError;
    fn try_from(r: GrantRow) -> StoreResult<Grant> {
        Ok(Grant {
            id: r.id,
            account_id: r.account_id,
            app_id: r.app_id,
            user_id: r.user_id,
            subject: r.subject,
            scopes: scopes(&r.scopes)?,
            created_at: time(r.created_at)?,
            updated_at: time(r.updated_at)?,
            last_used_at: opt_time(r.last_used_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct GrantViewRow {
    #[sqlx(flatten)]
    grant: GrantRow,
    app_name: String,
    client_id: String,
    user_email: Option<String>,
}

async fn revoke_grant_in(conn: impl Into<Conn<'_>>, grant_id: &str, now: i64) -> StoreResult<()> {
    on_conn!(conn.into(), conn => {
        sqlx::query("update tokens set revoked_at = $1, updated_at = $1 where grant_id = $2 and revoked_at is null")
            .bind(now)
            .bind(grant_id)
            .execute(&mut *conn)
            .await
            .map_err(err)?;
        sqlx::query("update oauth_grants set revoked_at = $1, updated_at = $1 where id = $2 and revoked_at is null")
            .bind(now)
            .bind(grant_id)
            .execute(&mut *conn)
            .await
            .map(|_| ())
            .map_err(err)
    })
}

/// Revoke the grants of a user and their tokens (a deactivated user).
pub(crate) async fn revoke_user_grants(
    conn: impl Into<Conn<'_>>,
    user_id: &str,
    now: i64,
) -> StoreResult<()> {
    on_conn!(conn.into(), conn => {
        sqlx::query("update oauth_grants set revoked_at = $1, updated_at = $1 where user_id = $2 and revoked_at is null")
            .bind(now)
            .bind(user_id)
            .execute(&mut *conn)
            .await
            .map(|_| ())
            .map_err(err)
    })
}

/// Cached per node, like client look-ups: every write that creates, changes
/// or revokes a grant goes through `changing_tokens`.
pub(super) async fn find_live(
    store: &SqlStore,
    app_id: &str,
    subject: &str,
) -> StoreResult<Option<Grant>> {
    // Neither part holds a newline (ids, and "app" or a user id).
    let key = format!("{app_id}\n{subject}");
    let ticket = match store.caches.grants.get(&key) {
        Ok(hit) => return Ok(hit),
        Err(ticket) => ticket,
    };
    let found = find_live_uncached(store, app_id, subject).await?;
    store.caches.grants.put(&key, None, &found, ticket);
    Ok(found)
}

async fn find_live_uncached(
    store: &SqlStore,
    app_id: &str,
    subject: &str,
) -> StoreResult<Option<Grant>> {
    let sql = format!(
        "select {GRANT_COLUMNS} from oauth_grants g where g.app_id = $1 and g.subject = $2 and g.revoked_at is null"
    );
    let row: Option<GrantRow> = on_reader!(store.reader, db => sqlx::query_as(&sql)
        .bind(app_id)
        .bind(subject)
        .fetch_optional(db)
        .await)
    .map_err(err)?;
    row.map(Grant::try_from).transpose()
}

pub(super) async fn save(store: &SqlStore, g: &Grant, audit: &AuditEntry) -> StoreResult<Grant> {
    store
        .changing_tokens(async {
            with_retry!(async {
                on_pool!(store.writer, db => {
                    let mut tx = db.begin().await.map_err(err)?;
                    let sql = format!(
                        "insert into oauth_grants (id, account_id, app_id, user_id, subject, scopes, created_at, updated_at) \
                         values ($1, $2, $3, $4, $5, $6, $7, $7) \
                         on conflict (app_id, subject) do update set scopes = excluded.scopes, \
                         updated_at = excluded.updated_at, revoked_at = null, \
                         created_at = case when oauth_grants.revoked_at is null then oauth_grants.created_at \
                         else excluded.created_at end \
                         returning {}",
                        GRANT_COLUMNS.replace("g.", "")
                    );
                    let row: GrantRow = sqlx::query_as(&sql)
                        .bind(&g.id)
                        .bind(&g.account_id)
                        .bind(&g.app_id)
                        .bind(&g.user_id)
                        .bind(&g.subject)
                        .bind(g.scopes.to_spaced())
                        .bind(ms(g.created_at))
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(err)?;
                    insert_audit_in(&mut tx, audit).await?;
                    tx.commit().await.map_err(err)?;
                    Grant::try_from(row)
                })
            })
        })
        .await
}

pub(super) async fn list(
    store: &SqlStore,
    account_id: &str,
    user_id: Option<&str>,
) -> StoreResult<Vec<GrantView>> {
    let sql = format!(
        "select {GRANT_COLUMNS}, o.name as app_name, o.client_id, u.email as user_email \
         from oauth_grants g join oauth_apps o on o.id = g.app_id left join users u on u.id = g.user_id \
         where g.account_id = $1 and g.revoked_at is null and (cast($2 as text) is null or g.user_id = $2) \
         order by g.created_at desc, g.id desc"
    );
    let rows: Vec<GrantViewRow> = on_reader!(store.reader, db => sqlx::query_as(&sql)
        .bind(account_id)
        .bind(user_id)
        .fetch_all(db)
        .await)
    .map_err(err)?;
    rows.into_iter()
        .map(|r| {
            Ok(GrantView {
                grant: Grant::try_from(r.grant)?,
                app_name: r.app_name,
                client_id: r.client_id,
                user_email: r.user_email,
            })
        })
        .collect()
}

pub(super) async fn revoke(
    store: &SqlStore,
    grant_id: &str,
    now: DateTime<Utc>,
    audit: &AuditEntry,
) -> StoreResult<()> {
    store
        .changing_tokens(async {
            with_retry!(async {
                on_pool!(store.writer, db => {
                    let mut tx = db.begin().await.map_err(err)?;
                    revoke_grant_in(&mut tx, grant_id, ms(now)).await?;
                    insert_audit_in(&mut tx, audit).await?;
                    tx.commit().await.map_err(err)
                })
            })
        })
        .await
}
