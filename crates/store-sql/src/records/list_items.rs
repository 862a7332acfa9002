//! The list items side table (migration 0012): one row per item of every
//! list field, written in the same transaction as the record, so that
//! filters on list membership are served by its key.

use super::row::columns_with;
use super::sql::{Bind, Sql};
use crate::db::Conn;
use crate::err;
use crate::rows::ms;
use switchboard_core::filter::{CmpKind, CmpOp, Expr, Value};
use switchboard_core::records::query::{column, ColumnKind};
use switchboard_core::records::{FieldType, FieldValue, Module, Record, RecordQuery};
use switchboard_core::store::StoreResult;

/// Items per statement: six parameters each on SQLite (its placeholders are
/// anonymous there, so the account and module repeat), 30,000 in all: under
/// SQLite's limit of 32,766 parameters per statement and PostgreSQL's 65,535.
const ITEMS_PER_STATEMENT: usize = 5000;

/// Write the list items of `records` (one module and account, new or just
/// updated); `replace` first drops what an earlier version left.
pub(super) async fn write_items(
    conn: impl Into<Conn<'_>>,
    module: Module,
    account_id: &str,
    records: &[Record],
    replace: bool,
) -> StoreResult<()> {
    let inserts = item_inserts(module, account_id, records);
    on_conn!(conn.into(), conn => {
        if replace {
            for r in records {
                delete_items_in(&mut *conn, module, &r.id).await?;
            }
        }
        for insert in &inserts {
            insert.query().execute(&mut *conn).await.map_err(err)?;
        }
        Ok(())
    })
}

/// The inserts of the list items of `records` (one module and account).
pub(super) fn item_inserts(module: Module, account_id: &str, records: &[Record]) -> Vec<Sql> {
    let lists = module
        .fields()
        .iter()
        .filter(|f| f.ty == FieldType::TextList)
        .collect::<Vec<_>>();
    let mut items = Vec::new();
    for r in records {
        for f in &lists {
            if let Some(FieldValue::List(values)) = r.values.get(f.name) {
                let at = ms(r.created_at);
                items.extend(
                    values
                        .iter()
                        .map(|v| (f.column, v.as_str(), at, r.id.as_str())),
                );
            }
        }
    }
    items
        .chunks(ITEMS_PER_STATEMENT)
        .map(|chunk| {
            let mut insert = Sql::default();
            let account = insert.param(Bind::Text(Some(account_id.to_owned())));
            let m = insert.param(Bind::Text(Some(module.name().to_owned())));
            let rows = chunk
                .iter()
                .map(|(field, item, at, record_id)| {
                    let f = insert.param(Bind::Text(Some((*field).to_owned())));
                    let i = insert.param(Bind::Text(Some((*item).to_owned())));
                    let t = insert.param(Bind::Int(Some(*at)));
                    let r = insert.param(Bind::Text(Some((*record_id).to_owned())));
                    format!("({account}, {m}, {f}, {i}, {t}, {r})")
                })
                .collect::<Vec<_>>();
            // A list may hold the same item twice; its row is written once.
            insert.push(&format!(
                "insert into record_list_items (account_id, module, field, item, created_at, record_id) \
                 values {} on conflict do nothing",
                rows.join(", ")
            ));
            insert
        })
        .collect()
}

/// Drop a record's list items (it was deleted, or is being rewritten).
pub(super) async fn delete_items_in(
    conn: impl Into<Conn<'_>>,
    module: Module,
    record_id: &str,
) -> StoreResult<()> {
    if !module.fields().iter().any(|f| f.ty == FieldType::TextList) {
        return Ok(());
    }
    on_conn!(conn.into(), conn => sqlx::query(
        "delete from record_list_items where record_id = $1 and module = $2",
    )
    .bind(record_id)
    .bind(module.name())
    .execute(conn)
    .await
    .map(|_| ()))
    .map_err(err)
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

/// How many records hold `item` in `col`: a count over the items' key.
pub(super) fn membership_count(module: Module, account_id: &str, (col, item): (&str, &str)) -> Sql {
    let mut sql = Sql::default();
    let key = membership_key(&mut sql, module, account_id, col, item);
    sql.push(&format!(
        "select count(*) from record_list_items i where {key}"
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
