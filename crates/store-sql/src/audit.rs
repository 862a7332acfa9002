//! The audit log.

use crate::db::Conn;
use crate::rows::*;
use crate::{err, SqlStore};
use async_trait::async_trait;
use switchboard_core::audit::{AuditEntry, AuditQuery};
use switchboard_core::store::*;

#[async_trait]
impl AuditStore for SqlStore {
    async fn insert_audit(&self, e: &AuditEntry) -> StoreResult<()> {
        on_pool!(self.writer, db => {
            let mut conn = db.acquire().await.map_err(err)?;
            insert_audit_in(&mut *conn, e).await
        })
    }

    async fn list_audit(&self, account_id: &str, q: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
        // Optional filters as bound parameters: `cast($n as type) is null or column = $n`
        // (the cast tells PostgreSQL the parameter's type).
        let rows: Vec<AuditRow> = on_reader!(self.reader, db => sqlx::query_as(
            "select id, account_id, actor, action, target, ip, created_at from audit_log \
             where account_id = $1 and (cast($2 as text) is null or actor = $2) \
             and (cast($3 as text) is null or action = $3) \
             and (cast($4 as bigint) is null or created_at >= $4) and (cast($5 as bigint) is null or created_at < $5) \
             and (cast($7 as bigint) is null or created_at < $7 or (created_at = $7 and id < $8)) \
             order by created_at desc, id desc limit $6",
        )
        .bind(account_id)
        .bind(&q.actor)
        .bind(&q.action)
        .bind(q.since.map(ms))
        .bind(q.until.map(ms))
        .bind(q.limit)
        .bind(q.before.as_ref().map(|c| ms(c.created_at)))
        .bind(q.before.as_ref().map(|c| c.id.clone()))
        .fetch_all(db)
        .await)
        .map_err(err)?;
        rows.into_iter().map(AuditEntry::try_from).collect()
    }
}

/// Write an audit entry inside the caller's transaction, so that the entry
/// and the change it records commit together or not at all.
pub(crate) async fn insert_audit_in(conn: impl Into<Conn<'_>>, e: &AuditEntry) -> StoreResult<()> {
    let mut conn: Conn<'_> = conn.into();
    insert_audit_row(crate::db::reborrow(&mut conn), e).await?;
    // Security events (SPEC S9.1) come from the audited actions, so none is missed.
    crate::webhook_events::security_events_in(conn, e).await
}

async fn insert_audit_row(conn: impl Into<Conn<'_>>, e: &AuditEntry) -> StoreResult<()> {
    on_conn!(conn.into(), c => sqlx::query(
        "insert into audit_log (id, account_id, actor, action, target, ip, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&e.id)
    .bind(&e.account_id)
    .bind(&e.actor)
    .bind(&e.action)
    .bind(&e.target)
    .bind(&e.ip)
    .bind(ms(e.created_at))
    .execute(c)
    .await.map(|r| r.rows_affected()))
    .map(|_| ())
    .map_err(err)
}
