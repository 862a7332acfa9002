//! The list items side table (migration 0012): one row per item of every
//! list field, written in the same transaction as the record, so that
//! filters on list membership are served by its key.

use super::row::columns_with;
use super::sql::{rows_insert, Bind, Sql};
use crate::db::Conn;
use crate::err;
use crate::rows::ms;
use std::collections::{BTreeMap, BTreeSet};
use switchboard_core::filter::{CmpKind, CmpOp, Expr, Value};
use switchboard_core::records::query::{column, ColumnKind};
use switchboard_core::records::{FieldType, FieldValue, Module, Record, RecordQuery};
use switchboard_core::store::StoreResult;

/// Rows per statement: six parameters each on SQLite (its placeholders are
/// anonymous there, so the account and module repeat), 30,000 in all: under
/// SQLite's limit of 32,766 parameters per statement and PostgreSQL's 65,535.
const ROWS_PER_STATEMENT: usize = 5000;

/// Write the list items of `records` (one module and account, new or just
/// updated) and count them; `replace` first drops what an earlier version
/// left. Call it after the change feed's counter row is locked: on
/// PostgreSQL that lock orders every writer of these counts.
pub(super) async fn write_items(
    conn: impl Into<Conn<'_>>,
    module: Module,
    account_id: &str,
    records: &[Record],
    replace: bool,
) -> StoreResult<()> {
    let inserts = item_inserts(module, account_id, records);
    let mut conn: Conn<'_> = conn.into();
    if replace {
        for r in records {
            delete_items_in(crate::db::reborrow(&mut conn), module, &r.id).await?;
        }
    }
    on_conn!(conn, conn => {
        for insert in &inserts {
            insert.query().execute(&mut *conn).await.map_err(err)?;
        }
        Ok(())
    })
}

/// The inserts of the list items of `records` (one module and account),
/// then of their counts. A list may hold the same item twice: its row is
/// written, and its record counted, once.
pub(super) fn item_inserts(module: Module, account_id: &str, records: &[Record]) -> Vec<Sql> {
    let lists = module
        .fields()
        .iter()
        .filter(|f| f.ty == FieldType::TextList)
        .collect::<Vec<_>>();
    let mut items = Vec::new();
    // Sorted: PostgreSQL takes the count rows' locks in this order.
    let mut counts = BTreeMap::<(&str, &str), i64>::new();
    for r in records {
        let mut held = BTreeSet::new();
        for f in &lists {
            if let Some(FieldValue::List(values)) = r.values.get(f.name) {
                held.extend(values.iter().map(|v| (f.column, v.as_str())));
            }
        }
        let at = ms(r.created_at);
        for (field, item) in held {
            items.push((field, item, at, r.id.as_str()));
            *counts.entry((field, item)).or_default() += 1;
        }
    }
    let item_rows = items.chunks(ROWS_PER_STATEMENT).map(|chunk| {
        rows_insert(
            account_id,
            module,
            chunk,
            "insert into record_list_items (account_id, module, field, item, created_at, record_id)",
            "",
            |sql, (field, item, at, record_id)| {
                let f = sql.param(Bind::Text(Some((*field).to_owned())));
                let i = sql.param(Bind::Text(Some((*item).to_owned())));
                let t = sql.param(Bind::Int(Some(*at)));
                let r = sql.param(Bind::Text(Some((*record_id).to_owned())));
                format!("{f}, {i}, {t}, {r}")
            },
        )
    });
    let counts = counts.into_iter().collect::<Vec<_>>();
    let count_rows = counts.chunks(ROWS_PER_STATEMENT).map(|chunk| {
        rows_insert(
            account_id,
            module,
            chunk,
            "insert into record_list_counts (account_id, module, field, item, records)",
            " on conflict (account_id, module, field, item) \
             do update set records = record_list_counts.records + excluded.records",
            |sql, ((field, item), n)| {
                let f = sql.param(Bind::Text(Some((*field).to_owned())));
                let i = sql.param(Bind::Text(Some((*item).to_owned())));
                let n = sql.param(Bind::Int(Some(*n)));
                format!("{f}, {i}, {n}")
            },
        )
    });
    item_rows.chain(count_rows).collect()
}

/// Drop a record's list items and uncount them (it was deleted, or is being
/// rewritten). Like `write_items`, after the feed's counter row is locked.
pub(super) async fn delete_items_in(
    conn: impl Into<Conn<'_>>,
    module: Module,
    record_id: &str,
) -> StoreResult<()> {
    if !module.fields().iter().any(|f| f.ty == FieldType::TextList) {
        return Ok(());
    }
    const HELD: &str =
        "(account_id, module, field, item) in (select account_id, module, field, item \
         from record_list_items where record_id = $1 and module = $2)";
    let statements = [
        format!("update record_list_counts set records = records - 1 where {HELD}"),
        format!("delete from record_list_counts where records <= 0 and {HELD}"),
        "delete from record_list_items where record_id = $1 and module = $2".to_owned(),
    ];
    on_conn!(conn.into(), conn => {
        for statement in &statements {
            sqlx::query(statement)
                .bind(record_id)
                .bind(module.name())
                .execute(&mut *conn)
                .await
                .map_err(err)?;
        }
        Ok(())
    })
}

/// The filter is one list membership (`tags = "vip"`): its list column and
/// item. Such a filter is served from the items' key alone, in list order.
pub(super) fn single_membership(module: Module, q: &RecordQuery) -> Option<(&'static str, String)> {
    let (Some(Expr::Cmp(cmp)), None) = (&q.filter, q.created) else {
        return None;
    };
    let CmpKind::Op {
        op: CmpOp::Eq,
        value: Value::Str(item),
    } = &cmp.kind
    else {
        return None;
    };
    match column(module, &cmp.field)? {
        (col, ColumnKind::List) => Some((col, item.clone())),
        _ => None,
    }
}

/// The page of records holding `item` in `col`: the first rows of the items'
/// key from the newest, each joined to its record.
pub(super) fn membership_page(
    module: Module,
    account_id: &str,
    (col, item): (&str, &str),
    q: &RecordQuery,
) -> Sql {
    let mut sql = Sql::default();
    let key = membership_key(&mut sql, module, account_id, col, item);
    let limit = sql.param(Bind::Int(Some(q.limit)));
    let skip = sql.param(Bind::Int(Some(q.skip)));
    sql.push(&format!(
        "select {} from record_list_items i join {} r on r.id = i.record_id \
         where {key} order by i.created_at desc, i.record_id desc limit {limit} offset {skip}",
        columns_with(module, "r."),
        module.table(),
    ));
    sql
}

/// How many records hold `item` in `col`: the count kept with the items.
pub(super) fn membership_count(module: Module, account_id: &str, (col, item): (&str, &str)) -> Sql {
    let mut sql = Sql::default();
    let key = membership_key(&mut sql, module, account_id, col, item);
    sql.push(&format!(
        "select coalesce((select records from record_list_counts i where {key}), 0)"
    ));
    sql
}

fn membership_key(
    sql: &mut Sql,
    module: Module,
    account_id: &str,
    col: &str,
    item: &str,
) -> String {
    let a = sql.param(Bind::Text(Some(account_id.to_owned())));
    let m = sql.param(Bind::Text(Some(module.name().to_owned())));
    let f = sql.param(Bind::Text(Some(col.to_owned())));
    let i = sql.param(Bind::Text(Some(item.to_owned())));
    format!("i.account_id = {a} and i.module = {m} and i.field = {f} and i.item = {i}")
}
