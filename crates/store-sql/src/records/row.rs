//! The column list of a module's table, and a row of it read back.

use crate::rows::time;
use sqlx::{ColumnIndex, Decode, Row, Type};
use std::collections::BTreeMap;
use switchboard_core::records::{FieldType, FieldValue, Module, Record};
use switchboard_core::store::{StoreError, StoreResult};

/// The columns every module table starts with, before its fields.
const FIXED_COLUMNS: usize = 5;

pub(super) fn columns(module: Module) -> String {
    columns_with(module, "")
}

/// The columns, each after `prefix` (a table alias and its dot).
pub(super) fn columns_with(module: Module, prefix: &str) -> String {
    let fixed = ["id", "account_id", "version", "created_at", "updated_at"];
    let fields = module.fields().iter().map(|f| f.column);
    fixed
        .into_iter()
        .chain(fields)
        .map(|c| format!("{prefix}{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A row of `select {columns(module)}`, read by position.
pub(super) fn decode<R>(module: Module, row: &R) -> StoreResult<Record>
where
    R: Row,
    usize: ColumnIndex<R>,
    i64: Type<R::Database> + for<'r> Decode<'r, R::Database>,
    String: Type<R::Database> + for<'r> Decode<'r, R::Database>,
{
    let get_err = |e: sqlx::Error| StoreError::Database(Box::new(e));
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
                        .map_err(|e| StoreError::Corrupt(format!("stored list: {e}")))?,
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
