//! Filters over a module (SPEC S6.1): parse with the module's field names,
//! then check each comparison against the field's type and coerce values to
//! what the column holds, so the store only has to bind them.

use super::schema::{FieldType, Module};
use super::values::rfc3339;
use crate::filter::{self, Cmp, CmpKind, CmpOp, Expr, FilterError, Value};
use chrono::{DateTime, Utc};

/// How a filterable field is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Int,
    /// A JSON array of strings: `=` means "contains".
    List,
    /// Milliseconds since the epoch (`createdAt`, `updatedAt`).
    Millis,
}

/// The column and kind behind a filter field name, including the system fields.
pub fn column(module: Module, field: &str) -> Option<(&'static str, ColumnKind)> {
    match field {
        "id" => return Some(("id", ColumnKind::Text)),
        "createdAt" => return Some(("created_at", ColumnKind::Millis)),
        "updatedAt" => return Some(("updated_at", ColumnKind::Millis)),
        _ => {}
    }
    let f = module.field(field)?;
    let kind = match f.ty {
        FieldType::Text | FieldType::Enum(_) | FieldType::Timestamp | FieldType::Url => {
            ColumnKind::Text
        }
        FieldType::TextList => ColumnKind::List,
        FieldType::Flag | FieldType::Count => ColumnKind::Int,
    };
    Some((f.column, kind))
}

/// Parse `text` as a filter over `module`, with every value checked and coerced.
pub fn parse_filter(module: Module, text: &str) -> Result<Expr, FilterError> {
    let expr = filter::parse(text, |name| column(module, name).is_some())?;
    coerce(module, text, expr)
}

fn coerce(module: Module, text: &str, expr: Expr) -> Result<Expr, FilterError> {
    Ok(match expr {
        Expr::Or(items) => Expr::Or(
            items
                .into_iter()
                .map(|e| coerce(module, text, e))
                .collect::<Result<_, _>>()?,
        ),
        Expr::And(items) => Expr::And(
            items
                .into_iter()
                .map(|e| coerce(module, text, e))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Not(inner) => Expr::Not(Box::new(coerce(module, text, *inner)?)),
        Expr::Cmp(cmp) => Expr::Cmp(coerce_cmp(module, text, cmp)?),
    })
}

fn coerce_cmp(module: Module, text: &str, cmp: Cmp) -> Result<Cmp, FilterError> {
    // The AST keeps no positions; point at the field's first mention.
    let err = |message: String| FilterError {
        position: text.find(cmp.field.as_str()).unwrap_or(0),
        message,
    };
    let Some((_, kind)) = column(module, &cmp.field) else {
        return Err(err(format!("unknown field {:?}", cmp.field)));
    };
    let is_timestamp = module
        .field(&cmp.field)
        .is_some_and(|f| f.ty == FieldType::Timestamp);
    let value = |v: Value| -> Result<Value, FilterError> {
        match (kind, v) {
            (ColumnKind::Int, Value::Int(n)) => Ok(Value::Int(n)),
            (ColumnKind::Int, Value::Str(s)) => s.trim().parse().map(Value::Int).map_err(|_| {
                err(format!(
                    "{} holds whole numbers; {s:?} is not one",
                    cmp.field
                ))
            }),
            (ColumnKind::Millis, Value::Str(s)) => parse_time(&s)
                .map(|t| Value::Int(t.timestamp_millis()))
                .ok_or_else(|| {
                    err(format!(
                        "{} takes an RFC 3339 timestamp, not {s:?}",
                        cmp.field
                    ))
                }),
            (ColumnKind::Millis, Value::Int(ms)) => Ok(Value::Int(ms)),
            (ColumnKind::Text | ColumnKind::List, Value::Str(s)) if is_timestamp => parse_time(&s)
                .map(|t| Value::Str(rfc3339(t)))
                .ok_or_else(|| {
                    err(format!(
                        "{} takes an RFC 3339 timestamp, not {s:?}",
                        cmp.field
                    ))
                }),
            (ColumnKind::Text | ColumnKind::List, Value::Str(s)) => Ok(Value::Str(s)),
            (ColumnKind::Text | ColumnKind::List, Value::Int(n)) => Ok(Value::Str(n.to_string())),
            (_, Value::Float(x)) => Err(err(format!(
                "{} does not hold decimal numbers like {x}",
                cmp.field
            ))),
        }
    };
    let kind_out = match cmp.kind {
        CmpKind::Op { op, value: v } => {
            if kind == ColumnKind::List && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                return Err(err(format!(
                    "{} is a list: use =, != or IN to test membership",
                    cmp.field
                )));
            }
            CmpKind::Op {
                op,
                value: value(v)?,
            }
        }
        CmpKind::In { negated, values } => CmpKind::In {
            negated,
            values: values.into_iter().map(value).collect::<Result<_, _>>()?,
        },
        CmpKind::IsNull { negated } => CmpKind::IsNull { negated },
        CmpKind::Like { negated, pattern } => {
            if kind != ColumnKind::Text {
                return Err(err(format!(
                    "LIKE works on text fields; {} is not one",
                    cmp.field
                )));
            }
            CmpKind::Like { negated, pattern }
        }
    };
    Ok(Cmp {
        field: cmp.field,
        kind: kind_out,
    })
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
