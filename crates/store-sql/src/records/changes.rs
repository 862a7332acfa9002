//! The change feed: every record write appends to it in its own
//! transaction, numbered per (account, module) in commit order, and moves
//! the module's kept record count.

use super::sql::{rows_insert, Bind, Sql};
use crate::db::Conn;
use crate::err;
use crate::rows::ms;
use switchboard_core::records::{ChangeOp, Module, Record, WriteOutcome};
use switchboard_core::store::StoreResult;

/// Hand out `n` change numbers for (account, module) and move the module's
/// record count by `added`; returns the last number. The counter row stays
/// locked until commit, so seq order is commit order.
async fn claim_seqs(
    conn: impl Into<Conn<'_>>,
    module: Module,
    account_id: &str,
    n: i64,
    added: i64,
    now: i64,
) -> StoreResult<i64> {
    on_conn!(conn.into(), conn => sqlx::query_scalar(
        "insert into change_counters (account_id, module, last_seq, live_records, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $5) \
         on conflict (account_id, module) do update set last_seq = change_counters.last_seq + $3, \
         live_records = change_counters.live_records + $4, updated_at = $5 \
         returning last_seq",
    )
    .bind(account_id)
    .bind(module.name())
    .bind(n)
    .bind(added)
    .bind(now)
    .fetch_one(conn)
    .await)
    .map_err(err)
}

/// Record one change, moving the record count by `added` (1, 0 or -1).
#[allow(clippy::too_many_arguments)] // one row's worth of columns
pub(super) async fn append_change(
    conn: impl Into<Conn<'_>>,
    module: Module,
    account_id: &str,
    record_id: &str,
    op: ChangeOp,
    record: Option<String>,
    added: i64,
    now: i64,
) -> StoreResult<()> {
    let mut conn: Conn<'_> = conn.into();
    let snapshot = record.clone();
    append_change_row(
        crate::db::reborrow(&mut conn),
        module,
        account_id,
        record_id,
        op,
        record,
        added,
        now,
    )
    .await?;
    // The change's webhook events, in the same transaction (SPEC S9), after
    // the counter row is locked: outbox order is commit order.
    crate::webhook_events::record_events_in(
        conn,
        module,
        account_id,
        record_id,
        added,
        snapshot.as_deref(),
        crate::webhook_events::time(now)?,
    )
    .await
}

#[allow(clippy::too_many_arguments)] // one row's worth of columns
async fn append_change_row(
    conn: impl Into<Conn<'_>>,
    module: Module,
    account_id: &str,
    record_id: &str,
    op: ChangeOp,
    record: Option<String>,
    added: i64,
    now: i64,
) -> StoreResult<()> {
    on_conn!(conn.into(), conn => {
        let seq = claim_seqs(&mut *conn, module, account_id, 1, added, now).await?;
        sqlx::query(
            "insert into record_changes (account_id, module, seq, record_id, op, record, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(account_id)
        .bind(module.name())
        .bind(seq)
        .bind(record_id)
        .bind(op.as_str())
        .bind(record)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        Ok(())
    })
}

/// Record an upsert of `record` (its JSON is `snapshot`) in the feed.
pub(super) async fn append_upsert(
    conn: impl Into<Conn<'_>>,
    record: &Record,
    snapshot: &str,
    added: i64,
) -> StoreResult<()> {
    append_change(
        conn,
        record.module,
        &record.account_id,
        &record.id,
        ChangeOp::Upsert,
        Some(snapshot.to_owned()),
        added,
        ms(record.updated_at),
    )
    .await
}

/// Hand out the change numbers of the creation of `records` (one module
/// and account) and count them; returns the number before the first.
pub(super) async fn claim_created(
    conn: impl Into<Conn<'_>>,
    module: Module,
    account_id: &str,
    records: &[Record],
) -> StoreResult<i64> {
    let count = records.len() as i64;
    let now = records
        .iter()
        .map(|r| ms(r.updated_at))
        .max()
        .unwrap_or_default();
    let last = claim_seqs(conn, module, account_id, count, count, now).await?;
    Ok(last - count)
}

/// One insert of the feed rows of the creation of `records` (`snapshots`:
/// their JSON), numbered from `after + 1`.
pub(super) fn upsert_rows(
    module: Module,
    account_id: &str,
    records: &[Record],
    snapshots: &[String],
    after: i64,
) -> Sql {
    let rows = records
        .iter()
        .zip(snapshots)
        .enumerate()
        .collect::<Vec<_>>();
    rows_insert(
        account_id,
        module,
        &rows,
        "insert into record_changes (account_id, module, seq, record_id, op, record, created_at, updated_at)",
        "",
        |sql, (i, (r, json))| {
            let seq = sql.param(Bind::Int(Some(after + 1 + *i as i64)));
            let id = sql.param(Bind::Text(Some(r.id.clone())));
            let record = sql.param(Bind::Text(Some((*json).clone())));
            let at = sql.param(Bind::Int(Some(ms(r.updated_at))));
            format!("{seq}, {id}, 'upsert', {record}, {at}, {at}")
        },
    )
}

/// Why a conditional write touched no row: the record is gone, or its version moved.
pub(super) async fn missed(
    conn: impl Into<Conn<'_>>,
    module: Module,
    account_id: &str,
    id: &str,
) -> StoreResult<WriteOutcome> {
    let sql = format!(
        "select count(*) from {} where id = $1 and account_id = $2",
        module.table()
    );
    let n: i64 = on_conn!(conn.into(), conn => sqlx::query_scalar(&sql)
        .bind(id)
        .bind(account_id)
        .fetch_one(conn)
        .await)
    .map_err(err)?;
    Ok(if n > 0 {
        WriteOutcome::VersionMismatch
    } else {
        WriteOutcome::NotFound
    })
}
