//! Records and the validation of request bodies against the registry.

use super::schema::{FieldType, Module, SYSTEM_FIELDS};
use crate::error::{Error, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Longest text value we accept in one field, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Most items in one list field.
pub const MAX_LIST_ITEMS: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Text(String),
    List(Vec<String>),
    Int(i64),
}

impl FieldValue {
    pub fn to_json(&self) -> Value {
        match self {
            FieldValue::Text(s) => Value::String(s.clone()),
            FieldValue::List(items) => {
                Value::Array(items.iter().cloned().map(Value::String).collect())
            }
            FieldValue::Int(n) => Value::from(*n),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    pub account_id: String,
    pub module: Module,
    /// Bumped on every write; the ETag is derived from it.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The fields that have a value; a field not here is null.
    pub values: BTreeMap<&'static str, FieldValue>,
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Record {
    /// The API shape: `id`, every field (null when unset), `createdAt`, `updatedAt`.
    /// With `only`, just those fields (and always `id`).
    pub fn to_json(&self, only: Option<&[&'static str]>) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), Value::String(self.id.clone()));
        let wanted = |name: &str| only.is_none_or(|o| o.contains(&name));
        for field in self.module.fields() {
            if wanted(field.name) {
                let v = self
                    .values
                    .get(field.name)
                    .map_or(Value::Null, FieldValue::to_json);
                out.insert(field.name.into(), v);
            }
        }
        if wanted("createdAt") {
            out.insert("createdAt".into(), Value::String(rfc3339(self.created_at)));
        }
        if wanted("updatedAt") {
            out.insert("updatedAt".into(), Value::String(rfc3339(self.updated_at)));
        }
        Value::Object(out)
    }

    /// `"v<version>"`: a strong ETag.
    pub fn etag(&self) -> String {
        format!("\"v{}\"", self.version)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyMode {
    /// POST: required fields must be present; defaults apply.
    Create,
    /// PUT: like create; absent fields become null (or their default).
    Replace,
    /// PATCH: only the given fields change; null clears one.
    Merge,
}

/// Check a JSON body against the module's fields. Returns the values to set;
/// in `Merge` mode a `None` value means "clear this field".
pub fn parse_body(
    module: Module,
    body: &Value,
    mode: BodyMode,
) -> Result<BTreeMap<&'static str, Option<FieldValue>>> {
    let Some(object) = body.as_object() else {
        return Err(Error::invalid("", "the body must be a JSON object"));
    };
    let mut out = BTreeMap::new();
    for (name, value) in object {
        let Some(field) = module.field(name) else {
            if SYSTEM_FIELDS.contains(&name.as_str()) {
                return Err(Error::invalid(
                    name.clone(),
                    "is set by the server and cannot be written",
                ));
            }
            return Err(Error::invalid(
                name.clone(),
                format!("is not a field of {}", module.name()),
            ));
        };
        let parsed = if value.is_null() {
            None
        } else {
            Some(parse_value(field.name, field.ty, value)?)
        };
        if parsed.is_none() && field.required {
            return Err(Error::invalid(field.name, "is required and cannot be null"));
        }
        out.insert(field.name, parsed);
    }
    if mode != BodyMode::Merge {
        for field in module.fields() {
            let present = out.get(field.name).is_some_and(Option::is_some);
            if present {
                continue;
            }
            if field.required {
                return Err(Error::invalid(field.name, "is required"));
            }
            let default = field.default.map(|d| FieldValue::Text(d.to_owned()));
            out.insert(field.name, default);
        }
    }
    Ok(out)
}

fn parse_value(name: &'static str, ty: FieldType, value: &Value) -> Result<FieldValue> {
    let text = |v: &Value| -> Result<String> {
        let s = v
            .as_str()
            .ok_or_else(|| Error::invalid(name, "must be a string"))?;
        if s.chars().count() > MAX_TEXT_CHARS {
            return Err(Error::invalid(
                name,
                format!("must be at most {MAX_TEXT_CHARS} characters"),
            ));
        }
        Ok(s.to_owned())
    };
    match ty {
        FieldType::Text => Ok(FieldValue::Text(text(value)?)),
        FieldType::TextList => {
            let items = value
                .as_array()
                .ok_or_else(|| Error::invalid(name, "must be an array of strings"))?;
            if items.len() > MAX_LIST_ITEMS {
                return Err(Error::invalid(
                    name,
                    format!("must have at most {MAX_LIST_ITEMS} items"),
                ));
            }
            let mut list = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let s = item
                    .as_str()
                    .ok_or_else(|| Error::invalid(format!("{name}[{i}]"), "must be a string"))?;
                list.push(s.to_owned());
            }
            Ok(FieldValue::List(list))
        }
        FieldType::Flag => match value.as_i64() {
            Some(n @ (0 | 1)) => Ok(FieldValue::Int(n)),
            _ => Err(Error::invalid(name, "must be 0 or 1")),
        },
        FieldType::Count => match value.as_i64() {
            Some(n) if n >= 0 => Ok(FieldValue::Int(n)),
            _ => Err(Error::invalid(name, "must be a whole number of 0 or more")),
        },
        FieldType::Enum(allowed) => {
            let s = value
                .as_str()
                .ok_or_else(|| Error::invalid(name, "must be a string"))?;
            if allowed.contains(&s) {
                Ok(FieldValue::Text(s.to_owned()))
            } else {
                Err(Error::invalid(
                    name,
                    format!("must be one of: {}", allowed.join(", ")),
                ))
            }
        }
        FieldType::Timestamp => {
            let s = value
                .as_str()
                .ok_or_else(|| Error::invalid(name, "must be an RFC 3339 timestamp string"))?;
            let t = DateTime::parse_from_rfc3339(s).map_err(|_| {
                Error::invalid(
                    name,
                    "must be an RFC 3339 timestamp like 2026-01-31T09:30:00Z",
                )
            })?;
            Ok(FieldValue::Text(rfc3339(t.with_timezone(&Utc))))
        }
        FieldType::Url => {
            let s = text(value)?;
            // Written out as `http(s)://`, and parsed as the WHATWG URL
            // standard does (a host required). Kept exactly as given, so no
            // whitespace the parser would have trimmed.
            let ok = (s.starts_with("https://") || s.starts_with("http://"))
                && url::Url::parse(&s).is_ok_and(|u| u.has_host())
                && !s.chars().any(|c| c.is_whitespace() || c.is_control());
            if ok {
                Ok(FieldValue::Text(s))
            } else {
                Err(Error::invalid(name, "must be an absolute http(s) URL"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(e: Error) -> String {
        match e {
            Error::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn create_applies_defaults_and_requires_required_fields() {
        let v = parse_body(
            Module::Tickets,
            &json!({"subject": "Help"}),
            BodyMode::Create,
        )
        .unwrap();
        assert_eq!(v["status"], Some(FieldValue::Text("open".into())));
        assert_eq!(v["priority"], Some(FieldValue::Text("normal".into())));
        assert_eq!(v["channel"], None);
        assert_eq!(
            field_of(parse_body(Module::Tickets, &json!({}), BodyMode::Create).unwrap_err()),
            "subject"
        );
        assert_eq!(
            field_of(
                parse_body(Module::Calls, &json!({"direction": null}), BodyMode::Merge)
                    .unwrap_err()
            ),
            "direction"
        );
    }

    #[test]
    fn bad_values_name_their_field() {
        let cases = [
            (Module::Contacts, json!({"firstName": 5}), "firstName"),
            (
                Module::Contacts,
                json!({"blockCustomer": 2}),
                "blockCustomer",
            ),
            (Module::Contacts, json!({"tags": ["a", 1]}), "tags[1]"),
            (Module::Contacts, json!({"nickname": "x"}), "nickname"),
            (Module::Contacts, json!({"id": "x"}), "id"),
            (
                Module::Tickets,
                json!({"subject": "s", "status": "done"}),
                "status",
            ),
            (
                Module::Calls,
                json!({"direction": "inbound", "startedAt": "yesterday"}),
                "startedAt",
            ),
            (
                Module::Calls,
                json!({"direction": "inbound", "durationSeconds": -1}),
                "durationSeconds",
            ),
            (
                Module::Calls,
                json!({"direction": "inbound", "recordingUrl": "javascript:alert(1)"}),
                "recordingUrl",
            ),
        ];
        for (m, body, field) in cases {
            assert_eq!(
                field_of(parse_body(m, &body, BodyMode::Create).unwrap_err()),
                field,
                "{body}"
            );
        }
        assert!(parse_body(Module::Contacts, &json!([1]), BodyMode::Create).is_err());
        for bad in [
            "http://",
            "https://",
            "http:/a.example",
            "ftp://a.example",
            " http://a.example",
            "http://a b",
        ] {
            let body = json!({"direction": "inbound", "recordingUrl": bad});
            assert!(
                parse_body(Module::Calls, &body, BodyMode::Create).is_err(),
                "{bad}"
            );
        }
        // Short but absolute (schemathesis found `http://0` refused).
        for good in ["http://0", "https://a.example/r.mp3", "http://[::1]:8080/x"] {
            let body = json!({"direction": "inbound", "recordingUrl": good});
            assert!(
                parse_body(Module::Calls, &body, BodyMode::Create).is_ok(),
                "{good}"
            );
        }
    }

    #[test]
    fn timestamps_are_normalised_to_utc_millis() {
        let v = parse_body(
            Module::Calls,
            &json!({"direction": "outbound", "startedAt": "2026-01-31T10:30:00+01:00"}),
            BodyMode::Create,
        )
        .unwrap();
        assert_eq!(
            v["startedAt"],
            Some(FieldValue::Text("2026-01-31T09:30:00.000Z".into()))
        );
    }
}
