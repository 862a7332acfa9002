//! Module records on SQL: the record store, its change feed and its
//! filters. Statements are assembled from the field registry's column names
//! and `$n` placeholders only: every value, filter values included, is a
//! bound parameter.

mod changes;
mod filter;
mod list_items;
mod row;
mod sql;

use crate::rows::{ms, time};
use crate::{err, SqlStore};
use async_trait::async_trait;
use changes::{append_change, append_upsert, claim_created, missed, upsert_rows};
use chrono::{DateTime, Utc};
use filter::where_clause;
use list_items::{
    delete_items_in, item_inserts, membership_count, membership_page, single_membership,
    write_items,
};
use row::{columns, decode};
use sql::{insert_rows, update_row, Bind, Sql};
use sqlx::Row;
use switchboard_core::records::{
    Change, ChangeOp, IdempotencyClaim, InsertOutcome, Module, Record, RecordQuery, RecordStore,
    WriteOutcome,
};
use switchboard_core::store::{StoreError, StoreResult};

/// Rows per statement of a bulk insert: with anonymous placeholders on
/// SQLite (see `Sql::query`) a statement's cost grows with its rows only, so
/// fewer, larger statements save the per-statement round trips to the
/// driver's worker thread (200 contacts: 6,000 parameters, under both
/// backends' limits).
const BULK_ROWS_PER_STATEMENT: usize = 200;

/// A page of the module table, newest first, filtered by `where_clause`.
fn table_page(module: Module, account_id: &str, q: &RecordQuery) -> StoreResult<Sql> {
    let mut page = Sql::default();
    page.push(&format!(
        "select {} from {}",
        columns(module),
        module.table()
    ));
    where_clause(module, account_id, q, &mut page)?;
    let limit = page.param(Bind::Int(Some(q.limit)));
    let skip = page.param(Bind::Int(Some(q.skip)));
    page.push(&format!(
        " order by created_at desc, id desc limit {limit} offset {skip}"
    ));
    Ok(page)
}

#[async_trait]
impl RecordStore for SqlStore {
    async fn list_records(
        &self,
        module: Module,
        account_id: &str,
        q: &RecordQuery,
    ) -> StoreResult<(Vec<Record>, i64)> {
        // What to read: a membership filter reads the list items' key;
        // every other filter the module table (index-served where the
        // filter is; see BENCHMARKS.md). `None`: unfiltered, counted below.
        let (page, count) = match single_membership(module, q) {
            Some((col, item)) => (
                membership_page(module, account_id, (col, &item), q),
                Some(membership_count(module, account_id, (col, &item))),
            ),
            None => {
                let page = table_page(module, account_id, q)?;
                let count = if q.filter.is_none() && q.created.is_none() {
                    None
                } else {
                    let mut count = Sql::default();
                    count.push(&format!("select count(*) from {}", module.table()));
                    where_clause(module, account_id, q, &mut count)?;
                    Some(count)
                };
                (page, count)
            }
        };
        let records = on_reader!(self.reader, db => {
            let rows = page.query().fetch_all(db).await.map_err(err)?;
            rows.iter()
                .map(|r| decode(module, r))
                .collect::<StoreResult<Vec<_>>>()
        })?;
        let total = match count {
            Some(count) => on_reader!(self.reader, db => {
                let row = count.query().fetch_one(db).await.map_err(err)?;
                row.try_get::<i64, _>(0).map_err(err)
            })?,
            // Unfiltered: the count kept with every insert and delete.
            None => on_reader!(self.reader, db => sqlx::query_scalar(
                "select live_records from change_counters where account_id = $1 and module = $2",
            )
            .bind(account_id)
            .bind(module.name())
            .fetch_optional(db)
            .await)
            .map_err(err)?
            .unwrap_or(0),
        };
        Ok((records, total))
    }

    async fn get_record(
        &self,
        module: Module,
        account_id: &str,
        id: &str,
    ) -> StoreResult<Option<Record>> {
        let sql = format!(
            "select {} from {} where id = $1 and account_id = $2",
            columns(module),
            module.table()
        );
        on_reader!(self.reader, db => {
            let row = sqlx::query(&sql)
                .bind(id)
                .bind(account_id)
                .fetch_optional(db)
                .await
                .map_err(err)?;
            row.map(|r| decode(module, &r)).transpose()
        })
    }

    async fn insert_record(
        &self,
        record: &Record,
        claim: Option<&IdempotencyClaim>,
    ) -> StoreResult<InsertOutcome> {
        let module = record.module;
        let insert = insert_rows(module, std::slice::from_ref(record));
        let snapshot = record.to_json(None).to_string();
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                if let Some(c) = claim {
                    // Claim the key first: a concurrent request with the same key
                    // waits here for this one to commit, then replays its answer.
                    let claimed = sqlx::query(
                        "insert into idempotency_keys (account_id, module, idem_key, request_hash, response, created_at, updated_at) \
                         values ($1, $2, $3, $4, $5, $6, $6) on conflict (account_id, module, idem_key) do nothing",
                    )
                    .bind(&record.account_id)
                    .bind(module.name())
                    .bind(&c.key)
                    .bind(&c.request_hash)
                    .bind(&c.response)
                    .bind(ms(c.created_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                    if claimed.rows_affected() == 0 {
                        let (request_hash, response, created): (String, String, i64) = sqlx::query_as(
                            "select request_hash, response, created_at from idempotency_keys \
                             where account_id = $1 and module = $2 and idem_key = $3",
                        )
                        .bind(&record.account_id)
                        .bind(module.name())
                        .bind(&c.key)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(err)?;
                        if created >= ms(c.expired_before) {
                            let outcome = InsertOutcome::Replayed {
                                response,
                                request_hash,
                            };
                            tx.rollback().await.map_err(err)?;
                            return Ok(outcome);
                        }
                        // An expired key is taken over by this request.
                        sqlx::query(
                            "update idempotency_keys set request_hash = $1, response = $2, created_at = $3, updated_at = $3 \
                             where account_id = $4 and module = $5 and idem_key = $6",
                        )
                        .bind(&c.request_hash)
                        .bind(&c.response)
                        .bind(ms(c.created_at))
                        .bind(&record.account_id)
                        .bind(module.name())
                        .bind(&c.key)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                    }
                }
                insert.query().execute(&mut *tx).await.map_err(err)?;
                append_upsert(&mut tx, record, &snapshot, 1).await?;
                let one = std::slice::from_ref(record);
                write_items(&mut tx, module, &record.account_id, one, false).await?;
                tx.commit().await.map_err(err)?;
                Ok(InsertOutcome::Created)
            })
        })
    }

    async fn update_record(
        &self,
        record: &Record,
        expected_version: i64,
    ) -> StoreResult<WriteOutcome> {
        let module = record.module;
        let update = update_row(record, expected_version);
        let snapshot = record.to_json(None).to_string();
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                let done = update.query().execute(&mut *tx).await.map_err(err)?;
                if done.rows_affected() == 0 {
                    let outcome = missed(&mut tx, module, &record.account_id, &record.id).await?;
                    tx.rollback().await.map_err(err)?;
                    return Ok(outcome);
                }
                append_upsert(&mut tx, record, &snapshot, 0).await?;
                let one = std::slice::from_ref(record);
                write_items(&mut tx, module, &record.account_id, one, true).await?;
                tx.commit().await.map_err(err)?;
                Ok(WriteOutcome::Done)
            })
        })
    }

    async fn delete_record(
        &self,
        module: Module,
        account_id: &str,
        id: &str,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<WriteOutcome> {
        let sql = format!(
            "delete from {} where id = $1 and account_id = $2 and (cast($3 as bigint) is null or version = $3)",
            module.table()
        );
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                let done = sqlx::query(&sql)
                    .bind(id)
                    .bind(account_id)
                    .bind(expected_version)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                if done.rows_affected() == 0 {
                    let outcome = missed(&mut tx, module, account_id, id).await?;
                    tx.rollback().await.map_err(err)?;
                    return Ok(outcome);
                }
                append_change(
                    &mut tx,
                    module,
                    account_id,
                    id,
                    ChangeOp::Delete,
                    None,
                    -1,
                    ms(now),
                )
                .await?;
                delete_items_in(&mut tx, module, id).await?;
                tx.commit().await.map_err(err)?;
                Ok(WriteOutcome::Done)
            })
        })
    }

    async fn insert_records_bulk(&self, records: &[Record]) -> StoreResult<()> {
        let Some(first) = records.first() else {
            return Ok(());
        };
        let (module, account_id) = (first.module, first.account_id.clone());
        if records
            .iter()
            .any(|r| r.module != module || r.account_id != account_id)
        {
            return Err(StoreError::Contract(
                "a bulk insert takes records of one module and account".into(),
            ));
        }
        let per_statement = BULK_ROWS_PER_STATEMENT;
        // Built once: the feed and the webhook events carry the same JSON.
        let snapshots: Vec<String> = records
            .iter()
            .map(|r| r.to_json(None).to_string())
            .collect();
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                let after = claim_created(&mut tx, module, &account_id, records).await?;
                let statements = records
                    .chunks(per_statement)
                    .zip(snapshots.chunks(per_statement))
                    .enumerate()
                    .flat_map(|(i, (chunk, json))| {
                        let seq = after + (i * per_statement) as i64;
                        let mut all = vec![
                            insert_rows(module, chunk),
                            upsert_rows(module, &account_id, chunk, json, seq),
                        ];
                        all.extend(item_inserts(module, &account_id, chunk));
                        all
                    });
                for statement in statements {
                    statement.query().execute(&mut *tx).await.map_err(err)?;
                }
                // Their webhook events, in the same transaction (SPEC S9).
                crate::webhook_events::records_created_in(&mut tx, module, &account_id, records, &snapshots)
                    .await?;
                tx.commit().await.map_err(err)
            })
        })
    }

    async fn list_changes(
        &self,
        module: Module,
        account_id: &str,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<Change>> {
        let rows: Vec<(i64, String, String, Option<String>, i64)> =
            on_reader!(self.reader, db => sqlx::query_as(
            "select seq, record_id, op, record, created_at from record_changes \
             where account_id = $1 and module = $2 and seq > $3 order by seq limit $4",
        )
        .bind(account_id)
        .bind(module.name())
        .bind(after_seq)
        .bind(limit)
        .fetch_all(db)
        .await)
            .map_err(err)?;
        rows.into_iter()
            .map(|(seq, record_id, op, record, created_at)| {
                Ok(Change {
                    seq,
                    op: if op == "delete" {
                        ChangeOp::Delete
                    } else {
                        ChangeOp::Upsert
                    },
                    record_id,
                    record,
                    created_at: time(created_at)?,
                })
            })
            .collect()
    }
}
