//! The events a data change or an audited action makes, one outbox row per
//! matching subscription. Stores call these inside the transaction of the
//! change, so an acknowledged write always has its events.

use super::events::{record_event_type, security_event_for_audit, EventSet, RecordAction};
use super::model::NewOutboxItem;
use crate::ids::new_id;
use crate::model::audit::AuditEntry;
use crate::records::Module;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

/// What a store knows of a subscription while writing: its id and events.
#[derive(Debug, Clone)]
pub struct Listener {
    pub id: String,
    pub events: EventSet,
}

/// The body sent: `{"id","type","createdAt","data"}` (SPEC S9).
pub fn envelope(event_id: &str, event_type: &str, at: DateTime<Utc>, data: &Value) -> String {
    json!({
        "id": event_id,
        "type": event_type,
        "createdAt": at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string()
}

fn rows(
    listeners: &[Listener],
    account_id: &str,
    event_type: &str,
    at: DateTime<Utc>,
    data: impl FnOnce() -> Value,
) -> Vec<NewOutboxItem> {
    let matching: Vec<&Listener> = listeners
        .iter()
        .filter(|l| l.events.matches(event_type))
        .collect();
    if matching.is_empty() {
        return Vec::new();
    }
    let event_id = new_id();
    let body = envelope(&event_id, event_type, at, &data());
    matching
        .into_iter()
        .map(|l| NewOutboxItem {
            id: new_id(),
            subscription_id: l.id.clone(),
            account_id: account_id.to_owned(),
            event_id: event_id.clone(),
            event_type: event_type.to_owned(),
            body: body.clone(),
            event_at: at,
        })
        .collect()
}

/// A record was created, updated (`record` is its JSON as of the change) or
/// deleted (`record` is `None`; `data` is then `{"id"}`).
pub fn record_events(
    listeners: &[Listener],
    account_id: &str,
    module: Module,
    action: RecordAction,
    record_id: &str,
    record: Option<&str>,
    at: DateTime<Utc>,
) -> Vec<NewOutboxItem> {
    let event_type = record_event_type(module, action);
    rows(listeners, account_id, &event_type, at, || {
        record
            .and_then(|r| serde_json::from_str(r).ok())
            .unwrap_or_else(|| json!({ "id": record_id }))
    })
}

/// An audited action that S9.1 makes a security event of. `data` holds only
/// what the audit entry holds: who, what, on which object, from where —
/// entries never carry a token, secret, code or password.
pub fn security_events(listeners: &[Listener], entry: &AuditEntry) -> Vec<NewOutboxItem> {
    let Some(name) = security_event_for_audit(&entry.action) else {
        return Vec::new();
    };
    let event_type = format!("security.{name}");
    rows(
        listeners,
        &entry.account_id,
        &event_type,
        entry.created_at,
        || security_data(entry),
    )
}

fn security_data(entry: &AuditEntry) -> Value {
    let (kind, _) = entry.action.split_once('.').unwrap_or((&entry.action, ""));
    let (actor_type, actor_id) = entry
        .actor
        .split_once(':')
        .unwrap_or((entry.actor.as_str(), ""));
    json!({
        "action": entry.action,
        "actor": { "type": actor_type, "id": (!actor_id.is_empty()).then_some(actor_id) },
        "object": { "type": kind, "id": entry.target },
        "ip": entry.ip,
        "auditId": entry.id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listener(id: &str, events: &[&str]) -> Listener {
        Listener {
            id: id.into(),
            events: EventSet::parse(events).unwrap(),
        }
    }

    #[test]
    fn one_event_id_for_every_matching_subscription() {
        let ls = [
            listener("a", &["contacts.created"]),
            listener("b", &["contacts.*"]),
            listener("c", &["tickets.*"]),
        ];
        let at = Utc::now();
        let rows = record_events(
            &ls,
            "acc",
            Module::Contacts,
            RecordAction::Created,
            "r1",
            Some(r#"{"id":"r1","firstName":"Ada"}"#),
            at,
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].event_id, rows[1].event_id);
        let body: Value = serde_json::from_str(&rows[0].body).unwrap();
        assert_eq!(body["type"], "contacts.created");
        assert_eq!(body["data"]["firstName"], "Ada");
        assert_eq!(body["id"], rows[0].event_id.as_str());
        let none = record_events(
            &ls,
            "acc",
            Module::Calls,
            RecordAction::Deleted,
            "x",
            None,
            at,
        );
        assert!(none.is_empty());
    }

    #[test]
    fn deletes_carry_the_id_and_security_events_the_audit_fields() {
        let ls = [listener("a", &["contacts.deleted", "security.*"])];
        let rows = record_events(
            &ls,
            "acc",
            Module::Contacts,
            RecordAction::Deleted,
            "r9",
            None,
            Utc::now(),
        );
        let body: Value = serde_json::from_str(&rows[0].body).unwrap();
        assert_eq!(body["data"], json!({"id": "r9"}));
        let mut e = AuditEntry::new(
            "acc",
            "user:u1",
            "private_app.rotated",
            Some("app1"),
            Utc::now(),
        );
        e.ip = Some("203.0.113.7".into());
        let rows = security_events(&ls, &e);
        let body: Value = serde_json::from_str(&rows[0].body).unwrap();
        assert_eq!(body["type"], "security.token_rotated");
        assert_eq!(body["data"]["actor"]["id"], "u1");
        assert_eq!(body["data"]["object"]["id"], "app1");
        assert_eq!(body["data"]["ip"], "203.0.113.7");
        let other = AuditEntry::new("acc", "user:u1", "user.signed_in", None, Utc::now());
        assert!(security_events(&ls, &other).is_empty());
    }
}
