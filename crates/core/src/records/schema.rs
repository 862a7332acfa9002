//! The field registry of each module (SPEC S6): names, types, enums, defaults
//! and the column each field is stored in. Column names come only from here,
//! never from input, which is what lets the store build SQL from field names.

use crate::scope::Scope;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Module {
    Contacts,
    Tickets,
    Calls,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    /// An array of strings, stored as a JSON array.
    TextList,
    /// 0 or 1.
    Flag,
    /// A non-negative whole number.
    Count,
    /// One of a fixed set of strings.
    Enum(&'static [&'static str]),
    /// An RFC 3339 timestamp, stored normalised to UTC with milliseconds.
    Timestamp,
    /// An absolute http(s) URL.
    Url,
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub column: &'static str,
    pub ty: FieldType,
    pub required: bool,
    pub default: Option<&'static str>,
}

const fn f(name: &'static str, column: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        column,
        ty,
        required: false,
        default: None,
    }
}

const TICKET_STATUS: &[&str] = &["open", "pending", "resolved", "closed"];
const TICKET_PRIORITY: &[&str] = &["low", "normal", "high", "urgent"];
const TICKET_CHANNEL: &[&str] = &["voice", "email", "chat", "whatsapp", "sms", "social"];
const CALL_DIRECTION: &[&str] = &["inbound", "outbound"];

use FieldType::*;

pub static CONTACT_FIELDS: &[Field] = &[
    f("firstName", "first_name", Text),
    f("lastName", "last_name", Text),
    f("primaryEmail", "primary_email", Text),
    f("email", "email", TextList),
    f("primaryPhoneNumber", "primary_phone_number", Text),
    f("phoneNumber", "phone_number", TextList),
    f("address", "address", Text),
    f("city", "city", Text),
    f("state", "state", Text),
    f("country", "country", Text),
    f("postalCode", "postal_code", Text),
    f("customerType", "customer_type", Text),
    f("accountNumber", "account_number", Text),
    f("timezone", "timezone", Text),
    f("source", "source", Text),
    f("whatsapp", "whatsapp", Text),
    f("facebook", "facebook", Text),
    f("instagram", "instagram", Text),
    f("twitter", "twitter", Text),
    f("tags", "tags", TextList),
    f("blockCustomer", "block_customer", Flag),
    f("doNotDisturb", "do_not_disturb", Flag),
];

pub static TICKET_FIELDS: &[Field] = &[
    Field {
        required: true,
        ..f("subject", "subject", Text)
    },
    f("description", "description", Text),
    Field {
        default: Some("open"),
        ..f("status", "status", Enum(TICKET_STATUS))
    },
    Field {
        default: Some("normal"),
        ..f("priority", "priority", Enum(TICKET_PRIORITY))
    },
    f("channel", "channel", Enum(TICKET_CHANNEL)),
    f("contactId", "contact_id", Text),
    f("assigneeEmail", "assignee_email", Text),
    f("tags", "tags", TextList),
];

pub static CALL_FIELDS: &[Field] = &[
    Field {
        required: true,
        ..f("direction", "direction", Enum(CALL_DIRECTION))
    },
    f("fromNumber", "from_number", Text),
    f("toNumber", "to_number", Text),
    f("contactId", "contact_id", Text),
    f("agentEmail", "agent_email", Text),
    f("startedAt", "started_at", Timestamp),
    f("endedAt", "ended_at", Timestamp),
    f("durationSeconds", "duration_seconds", Count),
    f("disposition", "disposition", Text),
    f("recordingUrl", "recording_url", Url),
    f("notes", "notes", Text),
];

/// Server-set fields every record has, besides the module's own.
pub const SYSTEM_FIELDS: [&str; 3] = ["id", "createdAt", "updatedAt"];

impl Module {
    pub const ALL: [Module; 3] = [Module::Contacts, Module::Tickets, Module::Calls];

    /// The path segment and the scope prefix.
    pub fn name(self) -> &'static str {
        match self {
            Module::Contacts => "contacts",
            Module::Tickets => "tickets",
            Module::Calls => "calls",
        }
    }

    pub fn parse(s: &str) -> Option<Module> {
        Module::ALL.into_iter().find(|m| m.name() == s)
    }

    /// The table the module's records live in.
    pub fn table(self) -> &'static str {
        self.name()
    }

    /// Singular, for messages ("contact not found").
    pub fn singular(self) -> &'static str {
        match self {
            Module::Contacts => "contact",
            Module::Tickets => "ticket",
            Module::Calls => "call",
        }
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            Module::Contacts => CONTACT_FIELDS,
            Module::Tickets => TICKET_FIELDS,
            Module::Calls => CALL_FIELDS,
        }
    }

    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }

    pub fn read_scope(self) -> Scope {
        match self {
            Module::Contacts => Scope::ContactsRead,
            Module::Tickets => Scope::TicketsRead,
            Module::Calls => Scope::CallsRead,
        }
    }

    pub fn write_scope(self) -> Scope {
        match self {
            Module::Contacts => Scope::ContactsWrite,
            Module::Tickets => Scope::TicketsWrite,
            Module::Calls => Scope::CallsWrite,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_snake_case_of_unique_field_names() {
        for m in Module::ALL {
            let mut names: Vec<_> = m.fields().iter().map(|f| f.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), m.fields().len(), "{m:?}");
            for field in m.fields() {
                let snake: String = field
                    .name
                    .chars()
                    .flat_map(|c| {
                        if c.is_ascii_uppercase() {
                            vec!['_', c.to_ascii_lowercase()]
                        } else {
                            vec![c]
                        }
                    })
                    .collect();
                assert_eq!(snake, field.column);
                assert!(field
                    .column
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_'));
            }
        }
    }
}
