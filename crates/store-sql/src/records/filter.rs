//! A type-checked filter compiled to a SQL condition with bound parameters.

use super::sql::{Bind, Sql};
use switchboard_core::filter::{CmpKind, Expr, Value};
use switchboard_core::records::query::{column, ColumnKind};
use switchboard_core::records::{Module, RecordQuery};
use switchboard_core::store::{StoreError, StoreResult};

/// "The list in `col` holds one of `items`": a look-up in the list items'
/// key (see `list_items`). `account` is the placeholder already bound to
/// the account id.
fn list_holds(sql: &mut Sql, module: Module, account: &str, col: &str, items: &[String]) -> String {
    let m = sql.param(Bind::Text(Some(module.name().to_owned())));
    let f = sql.param(Bind::Text(Some(col.to_owned())));
    let ps = items
        .iter()
        .map(|i| sql.param(Bind::Text(Some(i.clone()))))
        .collect::<Vec<_>>();
    format!(
        "(id in (select record_id from record_list_items where account_id = {account} \
         and module = {m} and field = {f} and item in ({})))",
        ps.join(", ")
    )
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

/// Compile a (type-checked) filter to a SQL condition; `account` is the
/// placeholder bound to the account id.
fn compile(module: Module, account: &str, expr: &Expr, sql: &mut Sql) -> StoreResult<String> {
    let join = |items: &[Expr], sep: &str, sql: &mut Sql| -> StoreResult<String> {
        let parts = items
            .iter()
            .map(|e| compile(module, account, e, sql))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(format!("({})", parts.join(sep)))
    };
    match expr {
        Expr::Or(items) => join(items, " or ", sql),
        Expr::And(items) => join(items, " and ", sql),
        Expr::Not(inner) => Ok(format!("(not {})", compile(module, account, inner, sql)?)),
        Expr::Cmp(cmp) => {
            let (col, kind) = column(module, &cmp.field).ok_or_else(|| {
                StoreError::Contract(format!("filter names unknown field {}", cmp.field))
            })?;
            Ok(match (&cmp.kind, kind) {
                (CmpKind::IsNull { negated }, _) => {
                    format!("({col} is {}null)", if *negated { "not " } else { "" })
                }
                (CmpKind::Op { op, value }, ColumnKind::List) => {
                    let holds = list_holds(sql, module, account, col, &[value_text(value)]);
                    match op {
                        switchboard_core::filter::CmpOp::Eq => holds,
                        _ => format!("(not {holds})"),
                    }
                }
                (CmpKind::Op { op, value }, _) => {
                    let p = sql.param(bind_value(value));
                    format!("({col} {} {p})", op.as_sql())
                }
                (CmpKind::In { negated, values }, ColumnKind::List) => {
                    let items = values.iter().map(value_text).collect::<Vec<_>>();
                    let any = list_holds(sql, module, account, col, &items);
                    if *negated {
                        format!("(not {any})")
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
        let at = sql.param(Bind::Int(Some(at)));
        sql.push(&format!(" and created_at {} {at}", cond.as_sql()));
    }
    if let Some(f) = &q.filter {
        let condition = compile(module, &p, f, sql)?;
        sql.push(&format!(" and {condition}"));
    }
    Ok(())
}
