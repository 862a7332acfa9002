//! Statements assembled at run time from the field registry's column names
//! and `$n` placeholders: the SQL text, and every value as a bound parameter.

use super::row::columns;
use crate::rows::ms;
use sqlx::query::Query;
use sqlx::{Database, Encode, Type};
use std::sync::OnceLock;
use switchboard_core::records::{FieldType, FieldValue, Module, Record};

/// A value to bind, typed so that NULLs carry the column's type.
#[derive(Debug, Clone)]
pub(super) enum Bind {
    Text(Option<String>),
    Int(Option<i64>),
    Float(f64),
}

/// SQL text plus its parameters, numbered as they are pushed.
#[derive(Default)]
pub(super) struct Sql {
    text: String,
    binds: Vec<Bind>,
    /// The text with anonymous `?` placeholders for SQLite, and which bind
    /// each one takes (see `anonymous`).
    sqlite: OnceLock<(String, Vec<usize>)>,
}

impl Sql {
    pub(super) fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    /// Add a parameter and return its placeholder.
    pub(super) fn param(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len())
    }

    pub(super) fn query<'q, DB>(&'q self) -> Query<'q, DB, <DB as Database>::Arguments<'q>>
    where
        DB: Database,
        Option<&'q str>: Encode<'q, DB> + Type<DB>,
        Option<i64>: Encode<'q, DB> + Type<DB>,
        f64: Encode<'q, DB> + Type<DB>,
    {
        let (text, order) = if DB::NAME == "SQLite" {
            let (text, order) = self.sqlite.get_or_init(|| anonymous(&self.text));
            (text.as_str(), Some(order))
        } else {
            (self.text.as_str(), None)
        };
        let mut q = sqlx::query(text);
        let binds: Box<dyn Iterator<Item = &Bind>> = match order {
            Some(order) => Box::new(order.iter().map(|&i| &self.binds[i])),
            None => Box::new(self.binds.iter()),
        };
        for b in binds {
            q = match b {
                Bind::Text(v) => q.bind(v.as_deref()),
                Bind::Int(v) => q.bind(*v),
                Bind::Float(v) => q.bind(*v),
            };
        }
        q
    }
}

/// `$n` placeholders rewritten as `?`, with the bind each takes, in order.
/// SQLite finds a named parameter's number by walking the list of names at
/// every bind, so N `$n` cost O(N²) per execution (8% of the seed's CPU at
/// 16 rows per statement, 73% at 500); anonymous ones are bound directly.
/// Outside string literals, the text holds `$` only in placeholders.
fn anonymous(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut order = Vec::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c != '$' || quoted || !chars.peek().is_some_and(char::is_ascii_digit) {
            out.push(c);
            continue;
        }
        let mut n = 0usize;
        while let Some(d) = chars.next_if(char::is_ascii_digit) {
            n = n * 10 + (d as usize - '0' as usize);
        }
        out.push('?');
        order.push(n - 1);
    }
    (out, order)
}

pub(super) fn bind_of(ty: FieldType, v: Option<&FieldValue>) -> Bind {
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

/// `insert into <table> (<columns>) values (…), (…)`: one statement for all
/// of `records`, which are of one module.
pub(super) fn insert_rows(module: Module, records: &[Record]) -> Sql {
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
    insert
}

/// `{insert} values ($account, $module, …), … {tail}`, a row per element of
/// `rows`, each written by `row`.
pub(super) fn rows_insert<T>(
    account_id: &str,
    module: Module,
    rows: &[T],
    insert: &str,
    tail: &str,
    row: impl Fn(&mut Sql, &T) -> String,
) -> Sql {
    let mut sql = Sql::default();
    let account = sql.param(Bind::Text(Some(account_id.to_owned())));
    let m = sql.param(Bind::Text(Some(module.name().to_owned())));
    let values = rows
        .iter()
        .map(|r| format!("({account}, {m}, {})", row(&mut sql, r)))
        .collect::<Vec<_>>();
    sql.push(&format!("{insert} values {}{tail}", values.join(", ")));
    sql
}

/// `update <table> set … where id = … and account_id = … and version = …`
pub(super) fn update_row(record: &Record, expected_version: i64) -> Sql {
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
    update
}

#[cfg(test)]
mod tests {
    use super::anonymous;

    #[test]
    fn placeholders_become_anonymous_in_order_of_use() {
        let (text, order) = anonymous("insert into t values ($1, $2, 'a$1', $10, $2)");
        assert_eq!(text, "insert into t values (?, ?, 'a$1', ?, ?)");
        assert_eq!(order, [0, 1, 9, 1]);
    }
}
