//! Module records on SQL. Statements are assembled from the field registry's
//! column names and `$n` placeholders only: every value, filter values
//! included, is a bound parameter.

use crate::db::Conn;
use crate::{err, SqlStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Encode, Row, Type};
use std::collections::BTreeMap;
use switchboard_core::filter::{CmpKind, Expr, Value};
use switchboard_core::records::query::{column, ColumnKind};
use switchboard_core::records::{
    Change, ChangeOp, FieldType, FieldValue, IdempotencyClaim, InsertOutcome, Module, Record,
    RecordQuery, RecordStore, WriteOutcome,
};
use switchboard_core::store::{StoreError, StoreResult};

/// A value to bind, typed so that NULLs carry the column's type.
#[derive(Debug, Clone)]
enum Bind {
    Text(Option<String>),
    Int(Option<i64>),
    Float(f64),
}

/// SQL text plus its parameters, numbered as they are pushed.
#[derive(Default)]
struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    /// Add a parameter and return its placeholder.
    fn param(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len())
    }

    fn query<'q, DB>(&'q self) -> Query<'q, DB, <DB as Database>::Arguments<'q>>
    where
        DB: Database,
        Option<&'q str>: Encode<'q, DB> + Type<DB>,
        Option<i64>: Encode<'q, DB> + Type<DB>,
        f64: Encode<'q, DB> + Type<DB>,
    {
        let mut q = sqlx::query(&self.text);
        for b in &self.binds {
            q = match b {
                Bind::Text(v) => q.bind(v.as_deref()),
                Bind::Int(v) => q.bind(*v),
                Bind::Float(v) => q.bind(*v),
            };
        }
        q
    }
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn time(ms: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Other("timestamp out of range".into()))
}

/// The columns every module table starts with, before its fields.
const FIXED_COLUMNS: usize = 5;

fn columns(module: Module) -> String {
    let mut cols = String::from("id, account_id, version, created_at, updated_at");
    for f in module.fields() {
        cols.push_str(", ");
        cols.push_str(f.column);
    }
    cols
}

fn bind_of(ty: FieldType, v: Option<&FieldValue>) -> Bind {
    match (ty, v) {
        (FieldType::Flag | FieldType::Count, Some(FieldValue::Int(n))) => Bind::Int(Some(*n)),
        (FieldType::Flag | FieldType::Count, _) => Bind::Int(None),
        (_, Some(FieldValue::Text(s))) => Bind::Text(Some(s.clone())),
        (_, Some(FieldValue::List(items))) => Bind::Text(Some(list_json(items))),
        (_, _) => Bind::Text(None),
    }
}

fn list_json(items: &[String]) -> String {
    serde_json::Value::Array(
        items
            .iter()
            .cloned()
            .map(serde_json::Value::String)
            .collect(),
    )
    .to_string()
}

/// A row of `select {columns(module)}`, read by position.
fn decode<R>(module: Module, row: &R) -> StoreResult<Record>
where
    R: Row,
    usize: ColumnIndex<R>,
    i64: Type<R::Database> + for<'r> Decode<'r, R::Database>,
    String: Type<R::Database> + for<'r> Decode<'r, R::Database>,
{
    let get_err =
        |e: sqlx::Error| StoreError::Other(format!("decoding a {} row: {e}", module.singular()));
    let mut values = BTreeMap::new();
    for (i, f) in module.fields().iter().enumerate() {
        let at = FIXED_COLUMNS + i;
        let value = match f.ty {
            FieldType::Flag | FieldType::Count => row
                .try_get::<Option<i64>, _>(at)
                .map_err(get_err)?
                .map(FieldValue::Int),
            FieldType::TextList => match row.try_get::<Option<String>, _>(at).map_err(get_err)? {
                Some(json) => Some(FieldValue::List(
                    serde_json::from_str(&json)
                        .map_err(|e| StoreError::Other(format!("stored list: {e}")))?,
                )),
                None => None,
            },
            _ => row
                .try_get::<Option<String>, _>(at)
                .map_err(get_err)?
                .map(FieldValue::Text),
        };
        if let Some(v) = value {
            values.insert(f.name, v);
        }
    }
    Ok(Record {
        id: row.try_get(0).map_err(get_err)?,
        account_id: row.try_get(1).map_err(get_err)?,
        module,
        version: row.try_get(2).map_err(get_err)?,
        created_at: time(row.try_get(3).map_err(get_err)?)?,
        updated_at: time(row.try_get(4).map_err(get_err)?)?,
        values,
    })
}

/// `LIKE` pattern that matches `text` literally (escape character `\`).
fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// "The JSON list in `col` contains `item`": the list's inner text, wrapped in
/// commas, contains `,"item",` (an element's own quotes are escaped in JSON, so
/// no element can fake the boundary).
fn list_contains(sql: &mut Sql, col: &str, item: &str) -> String {
    let needle = serde_json::Value::String(item.to_owned()).to_string();
    let p = sql.param(Bind::Text(Some(format!("%,{},%", like_literal(&needle)))));
    format!("(',' || substr({col}, 2, length({col}) - 2) || ',') like {p} escape '\\'")
}

fn bind_value(v: &Value) -> Bind {
    match v {
        Value::Str(s) => Bind::Text(Some(s.clone())),
        Value::Int(n) => Bind::Int(Some(*n)),
        Value::Float(x) => Bind::Float(*x),
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Int(n) => n.to_string(),
        Value::Float(x) => x.to_string(),
    }
}

/// Compile a (type-checked) filter to a SQL condition.
fn compile(module: Module, expr: &Expr, sql: &mut Sql) -> StoreResult<String> {
    let join = |items: &[Expr], sep: &str, sql: &mut Sql| -> StoreResult<String> {
        let parts = items
            .iter()
            .map(|e| compile(module, e, sql))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(format!("({})", parts.join(sep)))
    };
    match expr {
        Expr::Or(items) => join(items, " or ", sql),
        Expr::And(items) => join(items, " and ", sql),
        Expr::Not(inner) => Ok(format!("(not {})", compile(module, inner, sql)?)),
        Expr::Cmp(cmp) => {
            let (col, kind) = column(module, &cmp.field).ok_or_else(|| {
                StoreError::Other(format!("filter names unknown field {}", cmp.field))
            })?;
            Ok(match (&cmp.kind, kind) {
                (CmpKind::IsNull { negated }, _) => {
                    format!("({col} is {}null)", if *negated { "not " } else { "" })
                }
                (CmpKind::Op { op, value }, ColumnKind::List) => {
                    let contains = list_contains(sql, col, &value_text(value));
                    match op {
                        switchboard_core::filter::CmpOp::Eq => contains,
                        _ => format!("({col} is null or not {contains})"),
                    }
                }
                (CmpKind::Op { op, value }, _) => {
                    let p = sql.param(bind_value(value));
                    format!("({col} {} {p})", op.as_sql())
                }
                (CmpKind::In { negated, values }, ColumnKind::List) => {
                    let any = values
                        .iter()
                        .map(|v| list_contains(sql, col, &value_text(v)))
                        .collect::<Vec<_>>();
                    let any = format!("({})", any.join(" or "));
                    if *negated {
                        format!("({col} is null or not {any})")
                    } else {
                        any
                    }
                }
                (CmpKind::In { negated, values }, _) => {
                    let ps = values
                        .iter()
                        .map(|v| sql.param(bind_value(v)))
                        .collect::<Vec<_>>();
                    format!(
                        "({col} {}in ({}))",
                        if *negated { "not " } else { "" },
                        ps.join(", ")
                    )
                }
                (CmpKind::Like { negated, pattern }, _) => {
                    let p = sql.param(Bind::Text(Some(pattern.clone())));
                    format!(
                        "({col} {}like {p} escape '\\')",
                        if *negated { "not " } else { "" }
                    )
                }
            })
        }
    }
}

/// `where account_id = $1 [and created_at … ] [and (filter)]`
fn where_clause(
    module: Module,
    account_id: &str,
    q: &RecordQuery,
    sql: &mut Sql,
) -> StoreResult<()> {
    let p = sql.param(Bind::Text(Some(account_id.to_owned())));
    sql.push(&format!(" where account_id = {p}"));
    if let Some((cond, at)) = q.created {
        let p = sql.param(Bind::Int(Some(at)));
        sql.push(&format!(" and created_at {} {p}", cond.as_sql()));
    }
    if let Some(f) = &q.filter {
        let condition = compile(module, f, sql)?;
        sql.push(&format!(" and {condition}"));
    }
    Ok(())
}

/// Hand out the next change number for (account, module), move the
/// module's record count by `added` (1, 0 or -1), and record the change.
/// The counter row stays locked until commit, so seq order is commit order.
#[allow(clippy::too_many_arguments)] // one row's worth of columns
async fn append_change(
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
        let seq: i64 = sqlx::query_scalar(
            "insert into change_counters (account_id, module, last_seq, live_records, created_at, updated_at) \
             values ($1, $2, 1, $3, $4, $4) \
             on conflict (account_id, module) do update set last_seq = change_counters.last_seq + 1, \
             live_records = change_counters.live_records + $3, updated_at = $4 \
             returning last_seq",
        )
        .bind(account_id)
        .bind(module.name())
        .bind(added)
        .bind(now)
        .fetch_one(&mut *conn)
        .await
        .map_err(err)?;
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

/// Why a conditional write touched no row: the record is gone, or its version moved.
async fn missed(
    conn: impl Into<Conn<'_>>,
    module: Module,
    account_id: &str,
    id: &str,
) -> StoreResult<WriteOutcome> {
    on_conn!(conn.into(), conn => {
        let sql = format!(
            "select count(*) from {} where id = $1 and account_id = $2",
            module.table()
        );
        let n: i64 = sqlx::query_scalar(&sql)
            .bind(id)
            .bind(account_id)
            .fetch_one(&mut *conn)
            .await
            .map_err(err)?;
        Ok(if n > 0 {
            WriteOutcome::VersionMismatch
        } else {
            WriteOutcome::NotFound
        })
    })
}

/// Record an upsert of `record` (its JSON is `snapshot`) in the feed.
async fn append_upsert(
    conn: impl Into<Conn<'_>>,
    record: &Record,
    snapshot: &str,
    added: i64,
) -> StoreResult<()> {
    on_conn!(conn.into(), conn => {
        let when = ms(record.updated_at);
        append_change(
            conn,
            record.module,
            &record.account_id,
            &record.id,
            ChangeOp::Upsert,
            Some(snapshot.to_owned()),
            added,
            when,
        )
        .await
    })
}

#[async_trait]
impl RecordStore for SqlStore {
    async fn list_records(
        &self,
        module: Module,
        account_id: &str,
        q: &RecordQuery,
    ) -> StoreResult<(Vec<Record>, i64)> {
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

        let records = on_pool!(self.reader, db => {
            let rows = page.query().fetch_all(db).await.map_err(err)?;
            rows.iter()
                .map(|r| decode(module, r))
                .collect::<StoreResult<Vec<_>>>()
        })?;
        let total = if q.filter.is_none() && q.created.is_none() {
            // Unfiltered: the count kept with every insert and delete.
            let kept: Option<i64> = on_pool!(self.reader, db => sqlx::query_scalar(
                "select live_records from change_counters where account_id = $1 and module = $2",
            )
            .bind(account_id)
            .bind(module.name())
            .fetch_optional(db)
            .await)
            .map_err(err)?;
            kept.unwrap_or(0)
        } else {
            // Filtered: counted over the rows that match (index-served
            // where the filter is; see BENCHMARKS.md).
            let mut count = Sql::default();
            count.push(&format!("select count(*) from {}", module.table()));
            where_clause(module, account_id, q, &mut count)?;
            on_pool!(self.reader, db => {
                let row = count.query().fetch_one(db).await.map_err(err)?;
                row.try_get::<i64, _>(0).map_err(err)
            })?
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
        on_pool!(self.reader, db => {
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
        let mut insert = Sql::default();
        let mut placeholders = Vec::new();
        for b in [
            Bind::Text(Some(record.id.clone())),
            Bind::Text(Some(record.account_id.clone())),
            Bind::Int(Some(record.version)),
            Bind::Int(Some(ms(record.created_at))),
            Bind::Int(Some(ms(record.updated_at))),
        ] {
            placeholders.push(insert.param(b));
        }
        for f in module.fields() {
            placeholders.push(insert.param(bind_of(f.ty, record.values.get(f.name))));
        }
        insert.push(&format!(
            "insert into {} ({}) values ({})",
            module.table(),
            columns(module),
            placeholders.join(", ")
        ));
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
        let mut update = Sql::default();
        let mut sets = Vec::new();
        let p = update.param(Bind::Int(Some(record.version)));
        sets.push(format!("version = {p}"));
        let p = update.param(Bind::Int(Some(ms(record.updated_at))));
        sets.push(format!("updated_at = {p}"));
        for f in module.fields() {
            let p = update.param(bind_of(f.ty, record.values.get(f.name)));
            sets.push(format!("{} = {p}", f.column));
        }
        let id = update.param(Bind::Text(Some(record.id.clone())));
        let account = update.param(Bind::Text(Some(record.account_id.clone())));
        let version = update.param(Bind::Int(Some(expected_version)));
        update.push(&format!(
            "update {} set {} where id = {id} and account_id = {account} and version = {version}",
            module.table(),
            sets.join(", ")
        ));
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
            return Err(StoreError::Other(
                "a bulk insert takes records of one module and account".into(),
            ));
        }
        let count = i64::try_from(records.len()).map_err(|e| StoreError::Other(e.to_string()))?;
        let mut insert = Sql::default();
        let mut rows = Vec::with_capacity(records.len());
        for r in records {
            let mut ps = vec![
                insert.param(Bind::Text(Some(r.id.clone()))),
                insert.param(Bind::Text(Some(r.account_id.clone()))),
                insert.param(Bind::Int(Some(r.version))),
                insert.param(Bind::Int(Some(ms(r.created_at)))),
                insert.param(Bind::Int(Some(ms(r.updated_at)))),
            ];
            for f in module.fields() {
                ps.push(insert.param(bind_of(f.ty, r.values.get(f.name))));
            }
            rows.push(format!("({})", ps.join(", ")));
        }
        insert.push(&format!(
            "insert into {} ({}) values {}",
            module.table(),
            columns(module),
            rows.join(", ")
        ));
        let now = records
            .iter()
            .map(|r| ms(r.updated_at))
            .max()
            .unwrap_or_default();
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                insert.query().execute(&mut *tx).await.map_err(err)?;
                let last: i64 = sqlx::query_scalar(
                    "insert into change_counters (account_id, module, last_seq, live_records, created_at, updated_at) \
                     values ($1, $2, $3, $3, $4, $4) \
                     on conflict (account_id, module) do update set last_seq = change_counters.last_seq + $3, \
                     live_records = change_counters.live_records + $3, updated_at = $4 \
                     returning last_seq",
                )
                .bind(&account_id)
                .bind(module.name())
                .bind(count)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(err)?;
                let mut changes = Sql::default();
                let mut rows = Vec::with_capacity(records.len());
                for (i, r) in records.iter().enumerate() {
                    let seq = last - count + 1 + i as i64;
                    let ps = [
                        changes.param(Bind::Text(Some(account_id.clone()))),
                        changes.param(Bind::Text(Some(module.name().to_owned()))),
                        changes.param(Bind::Int(Some(seq))),
                        changes.param(Bind::Text(Some(r.id.clone()))),
                        changes.param(Bind::Text(Some(r.to_json(None).to_string()))),
                        changes.param(Bind::Int(Some(ms(r.updated_at)))),
                    ];
                    rows.push(format!(
                        "({}, {}, {}, {}, 'upsert', {}, {}, {})",
                        ps[0], ps[1], ps[2], ps[3], ps[4], ps[5], ps[5]
                    ));
                }
                changes.push(&format!(
                    "insert into record_changes (account_id, module, seq, record_id, op, record, created_at, updated_at) values {}",
                    rows.join(", ")
                ));
                changes.query().execute(&mut *tx).await.map_err(err)?;
                tx.commit().await.map_err(err)?;
                Ok(())
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
            on_pool!(self.reader, db => sqlx::query_as(
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
