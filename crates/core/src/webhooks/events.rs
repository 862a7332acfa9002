//! Event type names (SPEC S9, S9.1) and the patterns a subscription lists:
//! an exact name (`contacts.created`) or a wildcard over one family
//! (`contacts.*`, `security.*`).

use crate::error::{Error, Result};
use crate::records::schema::Module;
use crate::scope::Scope;

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordAction {
    Created,
    Updated,
    Deleted,
}

impl RecordAction {
    pub const ALL: [RecordAction; 3] = [
        RecordAction::Created,
        RecordAction::Updated,
        RecordAction::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordAction::Created => "created",
            RecordAction::Updated => "updated",
            RecordAction::Deleted => "deleted",
        }
    }
}

/// The security events of S9.1, by name after `security.`.
pub const SECURITY_EVENTS: [&str; 9] = [
    "token_created",
    "token_rotated",
    "token_deleted",
    "token_leaked",
    "refresh_reuse_detected",
    "client_secret_rotated",
    "grant_revoked",
    "user_deactivated",
    "signin_failures",
];

/// The audit action that a security event is made from. Audit entries are
/// written in the same transaction as the change they record, so turning
/// them into events there means no security event can be missed.
pub fn security_event_for_audit(action: &str) -> Option<&'static str> {
    Some(match action {
        "private_app.created" => "token_created",
        "private_app.rotated" => "token_rotated",
        "private_app.deleted" => "token_deleted",
        "token.leak_reported_revoked" => "token_leaked",
        "oauth_grant.refresh_reuse_revoked" | "oauth_code.replayed_revoked" => {
            "refresh_reuse_detected"
        }
        "oauth_app.secret_rotated" | "oauth_app.secret_leak_reported_rotated" => {
            "client_secret_rotated"
        }
        "oauth_grant.revoked" | "oauth_grant.revoked_by_client" => "grant_revoked",
        "user.deactivated" => "user_deactivated",
        "user.sign_in_failures" => "signin_failures",
        _ => return None,
    })
}

/// `<module>.<action>` of a record event.
pub fn record_event_type(module: Module, action: RecordAction) -> String {
    format!("{}.{}", module.name(), action.as_str())
}

/// One entry of a subscription's `events`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventPattern {
    Record(Module, Option<RecordAction>),
    Security(Option<&'static str>),
}

impl EventPattern {
    pub fn parse(text: &str) -> Option<EventPattern> {
        let (family, name) = text.split_once('.')?;
        if family == "security" {
            if name == "*" {
                return Some(EventPattern::Security(None));
            }
            return SECURITY_EVENTS
                .iter()
                .find(|e| **e == name)
                .map(|e| EventPattern::Security(Some(e)));
        }
        let module = Module::ALL.into_iter().find(|m| m.name() == family)?;
        if name == "*" {
            return Some(EventPattern::Record(module, None));
        }
        RecordAction::ALL
            .into_iter()
            .find(|a| a.as_str() == name)
            .map(|a| EventPattern::Record(module, Some(a)))
    }

    /// Every pattern a subscription may list, as text: the OpenAPI enum.
    pub fn all() -> Vec<String> {
        let records = Module::ALL.into_iter().flat_map(|m| {
            RecordAction::ALL
                .into_iter()
                .map(Some)
                .chain([None])
                .map(move |a| EventPattern::Record(m, a))
        });
        let security = SECURITY_EVENTS
            .iter()
            .map(|e| EventPattern::Security(Some(e)))
            .chain([EventPattern::Security(None)]);
        records.chain(security).map(|p| p.as_string()).collect()
    }

    pub fn as_string(&self) -> String {
        match self {
            EventPattern::Record(m, None) => format!("{}.*", m.name()),
            EventPattern::Record(m, Some(a)) => record_event_type(*m, *a),
            EventPattern::Security(None) => "security.*".into(),
            EventPattern::Security(Some(e)) => format!("security.{e}"),
        }
    }

    /// Does an event of type `event_type` match?
    pub fn matches(&self, event_type: &str) -> bool {
        let Some((family, name)) = event_type.split_once('.') else {
            return false;
        };
        match self {
            EventPattern::Record(m, action) => {
                family == m.name() && action.is_none_or(|a| a.as_str() == name)
            }
            EventPattern::Security(e) => family == "security" && e.is_none_or(|e| e == name),
        }
    }

    /// Who may subscribe: the module's read scope; `admin.read` for security events.
    pub fn required_scope(&self) -> Scope {
        match self {
            EventPattern::Record(m, _) => m.read_scope(),
            EventPattern::Security(_) => Scope::AdminRead,
        }
    }
}

/// A subscription's `events`: at least one, each known, no duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSet(Vec<EventPattern>);

/// At most this many entries in `events`.
pub const MAX_EVENTS: usize = 50;

impl EventSet {
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<EventSet> {
        if items.is_empty() {
            return Err(Error::invalid("events", "list at least one event"));
        }
        if items.len() > MAX_EVENTS {
            return Err(Error::invalid(
                "events",
                format!("at most {MAX_EVENTS} events"),
            ));
        }
        let mut out: Vec<EventPattern> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let p = EventPattern::parse(item.as_ref()).ok_or_else(|| {
                Error::invalid(
                    format!("events[{i}]"),
                    "unknown event: use <module>.created|updated|deleted, <module>.*, \
                     security.<event> or security.*",
                )
            })?;
            if !out.contains(&p) {
                out.push(p);
            }
        }
        Ok(EventSet(out))
    }

    pub fn patterns(&self) -> &[EventPattern] {
        &self.0
    }

    pub fn matches(&self, event_type: &str) -> bool {
        self.0.iter().any(|p| p.matches(event_type))
    }

    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(EventPattern::as_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_pattern_parses_back_to_itself() {
        let all = EventPattern::all();
        assert_eq!(all.len(), Module::ALL.len() * 4 + SECURITY_EVENTS.len() + 1);
        for text in &all {
            assert_eq!(&EventPattern::parse(text).unwrap().as_string(), text);
        }
    }

    #[test]
    fn wildcards_match_their_family_only() {
        let p = EventPattern::parse("tickets.*").unwrap();
        assert!(p.matches("tickets.created"));
        assert!(p.matches("tickets.deleted"));
        assert!(!p.matches("contacts.created"));
        let s = EventPattern::parse("security.*").unwrap();
        assert!(s.matches("security.token_leaked"));
        assert!(!s.matches("contacts.created"));
    }

    #[test]
    fn exact_names_match_exactly() {
        let p = EventPattern::parse("contacts.updated").unwrap();
        assert!(p.matches("contacts.updated"));
        assert!(!p.matches("contacts.created"));
        let s = EventPattern::parse("security.grant_revoked").unwrap();
        assert!(s.matches("security.grant_revoked"));
        assert!(!s.matches("security.token_created"));
    }

    #[test]
    fn unknown_names_are_refused_with_the_index() {
        for bad in [
            "contacts",
            "contacts.",
            "contact.created",
            "security.x",
            "*",
            "*.*",
        ] {
            assert_eq!(EventPattern::parse(bad), None, "{bad}");
        }
        match EventSet::parse(&["contacts.created", "nope.created"]) {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "events[1]"),
            other => panic!("{other:?}"),
        }
        assert!(EventSet::parse::<&str>(&[]).is_err());
    }

    #[test]
    fn scopes_follow_the_family() {
        let set = EventSet::parse(&["calls.*", "security.*", "calls.*"]).unwrap();
        assert_eq!(set.patterns().len(), 2);
        let scopes: Vec<_> = set.patterns().iter().map(|p| p.required_scope()).collect();
        assert_eq!(scopes, [Scope::CallsRead, Scope::AdminRead]);
    }

    #[test]
    fn every_security_event_has_an_audit_source() {
        let actions = [
            "private_app.created",
            "private_app.rotated",
            "private_app.deleted",
            "token.leak_reported_revoked",
            "oauth_grant.refresh_reuse_revoked",
            "oauth_app.secret_rotated",
            "oauth_grant.revoked",
            "user.deactivated",
            "user.sign_in_failures",
        ];
        let made: Vec<_> = actions
            .iter()
            .map(|a| security_event_for_audit(a).unwrap())
            .collect();
        assert_eq!(made, SECURITY_EVENTS);
        assert_eq!(security_event_for_audit("user.signed_in"), None);
    }
}
