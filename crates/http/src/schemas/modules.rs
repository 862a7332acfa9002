//! The record endpoints, once a module: the `{module}` paths expanded into
//! one set per module, and each module's record schemas (`Contact`,
//! `ContactInput`, …) built from `Module::fields()`.

use serde_json::{json, Map, Value};
use switchboard_core::records::schema::{FieldType, Module};
use utoipa::openapi::RefOr;

/// The record value limits of `switchboard_core::records` (not exported
/// there); the schemathesis run in CI fails if they drift.
const MAX_TEXT_CHARS: usize = 10_000;
const MAX_LIST_ITEMS: usize = 100;

/// A placeholder for the list answer's items, `{Module}Fields` once expanded.
pub struct ModuleFields;

impl utoipa::PartialSchema for ModuleFields {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::Object::new().into()
    }
}

impl utoipa::ToSchema for ModuleFields {
    fn name() -> std::borrow::Cow<'static, str> {
        "__Module__Fields".into()
    }
}

/// Each `/services/ccaas/v1/{module}…` path becomes one path per module.
pub(crate) fn expand_modules(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object().cloned() else {
        return;
    };
    let mut out = Map::new();
    for (path, item) in paths {
        if !path.contains("{module}") {
            out.insert(path, item);
            continue;
        }
        for m in Module::ALL {
            let text = serde_json::to_string(&item)
                .unwrap_or_default()
                .replace("__Module__", schema_name(m))
                .replace("__module__", m.name())
                .replace("__modules__", m.name())
                .replace("__record__", m.singular());
            let Ok(mut item) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if let Some(ops) = item.as_object_mut() {
                for op in ops.values_mut() {
                    if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                        params.retain(|p| p["name"] != "module");
                        for p in params.iter_mut().filter(|p| p["name"] == "fields") {
                            p["schema"] = json!({
                                "type": "array",
                                "minItems": 1,
                                "items": {"$ref": format!("#/components/schemas/{}Field", schema_name(m))},
                            });
                        }
                        if params.is_empty() {
                            op.as_object_mut().map(|o| o.remove("parameters"));
                        }
                    }
                    if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                        op["operationId"] = json!(format!("{id}_{}", m.name()));
                    }
                    op["tags"] = json!([m.name()]);
                }
            }
            out.insert(path.replace("{module}", m.name()), item);
        }
    }
    doc["paths"] = Value::Object(out);
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        schemas.retain(|name, _| !name.starts_with("__Module__"));
    }
    if let Some(tags) = doc["tags"].as_array_mut() {
        tags.retain(|t| t["name"] != "records");
        for (i, m) in Module::ALL.into_iter().enumerate() {
            tags.insert(
                i,
                json!({"name": m.name(), "description": format!("The {} module (SPEC S6).", m.name())}),
            );
        }
    }
}

fn schema_name(m: Module) -> &'static str {
    match m {
        Module::Contacts => "Contact",
        Module::Tickets => "Ticket",
        Module::Calls => "Call",
    }
}

/// The JSON Schema of one field's value (without null).
fn field_schema(ty: FieldType) -> Value {
    match ty {
        FieldType::Text => json!({"type": "string", "maxLength": MAX_TEXT_CHARS}),
        FieldType::TextList => json!({
            "type": "array",
            "items": {"type": "string"},
            "maxItems": MAX_LIST_ITEMS,
        }),
        FieldType::Flag => json!({"type": "integer", "enum": [0, 1]}),
        FieldType::Count => json!({
            "type": "integer",
            "format": "int64",
            "minimum": 0,
            "maximum": i64::MAX,
        }),
        FieldType::Enum(values) => json!({"type": "string", "enum": values}),
        FieldType::Timestamp => json!({"type": "string", "format": "date-time"}),
        FieldType::Url => json!({
            "type": "string",
            "format": "uri",
            "pattern": "^https?://[^\\s]+$",
            "maxLength": MAX_TEXT_CHARS,
        }),
    }
}

fn nullable(mut schema: Value) -> Value {
    if let Some(t) = schema["type"].as_str() {
        schema["type"] = json!([t, "null"]);
    }
    if let Some(values) = schema.get_mut("enum").and_then(Value::as_array_mut) {
        values.push(Value::Null);
    }
    schema
}

/// `Contact` (a whole record, as every write answers), `ContactFields` (a
/// record as reads answer: with `fields=`, only those and `id`),
/// `ContactInput` (POST and PUT bodies) and `ContactPatch` (PATCH bodies).
pub(crate) fn record_schemas(m: Module) -> Vec<(String, Value)> {
    let name = schema_name(m);
    let mut props = Map::new();
    props.insert(
        "id".into(),
        json!({"type": "string", "description": "Opaque, server-set."}),
    );
    let mut input = Map::new();
    let mut patch = Map::new();
    let mut required_in = Vec::new();
    for f in m.fields() {
        let mut value = field_schema(f.ty);
        if let Some(d) = f.default {
            value["default"] = json!(d);
        }
        props.insert(f.name.into(), nullable(value.clone()));
        if f.required {
            required_in.push(f.name);
            input.insert(f.name.into(), value.clone());
            patch.insert(f.name.into(), value);
        } else {
            input.insert(f.name.into(), nullable(value.clone()));
            patch.insert(f.name.into(), nullable(value));
        }
    }
    for ts in ["createdAt", "updatedAt"] {
        props.insert(
            ts.into(),
            json!({"type": "string", "format": "date-time",
                   "description": "RFC 3339, UTC, millisecond precision; server-set."}),
        );
    }
    let all: Vec<&String> = props.keys().collect();
    let singular = m.singular();
    let field_names: Vec<&String> = props.keys().collect();
    vec![
        (
            format!("{name}Field"),
            json!({
                "type": "string",
                "description": format!("A field of a {singular}."),
                "enum": field_names,
            }),
        ),
        (
            format!("{name}Changes"),
            json!({
                "type": "object",
                "description": "A page of the change feed, in commit order.",
                "properties": {
                    "changes": {"type": "array", "items": {
                        "type": "object",
                        "properties": {
                            "op": {"type": "string", "enum": ["upsert", "delete"]},
                            "id": {"type": "string", "description": format!("The {singular}'s id.")},
                            "record": {
                                "$ref": format!("#/components/schemas/{name}"),
                                "description": "The record as of this change; on every upsert, never on a delete."
                            },
                            "cursor": {"type": "string", "description": "This change's position in the feed."},
                        },
                        "required": ["op", "id", "cursor"],
                        "additionalProperties": false,
                    }},
                    "nextCursor": {"type": "string", "description": "Pass as `since` to go on after \
                        this page (the `since` given, when the page is empty)."},
                },
                "required": ["changes", "nextCursor"],
                "additionalProperties": false,
            }),
        ),
        (
            name.to_owned(),
            json!({
                "type": "object",
                "description": format!("A {singular}: every field, null when unset."),
                "properties": props,
                "required": all,
                "additionalProperties": false,
            }),
        ),
        (
            format!("{name}Fields"),
            json!({
                "type": "object",
                "description": format!("A {singular} as reads return it: every field (null when \
                    unset), or only `id` and the fields named in `fields`."),
                "properties": props,
                "required": ["id"],
                "additionalProperties": false,
            }),
        ),
        (
            format!("{name}Input"),
            json!({
                "type": "object",
                "description": format!("A whole {singular} (POST, PUT): fields left out are null \
                    or take their default. Unknown and server-set fields are refused."),
                "properties": input,
                "required": required_in,
                "additionalProperties": false,
            }),
        ),
        (
            format!("{name}Patch"),
            json!({
                "type": "object",
                "description": format!("A merge patch of a {singular} (PATCH): only the fields \
                    given change; null clears one (a field with a default goes back to it)."),
                "properties": patch,
                "additionalProperties": false,
            }),
        ),
    ]
}
