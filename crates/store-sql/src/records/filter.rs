//! A type-checked filter compiled to a SQL condition with bound parameters.

use super::sql::{Bind, Sql};
use switchboard_core::filter::{CmpKind, Expr, Value};
use switchboard_core::records::query::{column, ColumnKind};
use switchboard_core::records::{Module, RecordQuery};
use switchboard_core::store::{StoreError, StoreResult};

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
pub(super) fn where_clause(
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
