//! Scopes: `<module>.read` / `<module>.write` per module, `admin.read` / `admin.write`,
//! and `offline_access`. Write never implies read.

use std::collections::BTreeSet;
use std::fmt;

/// The v1 data modules.
pub const MODULES: [&str; 3] = ["contacts", "tickets", "calls"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    ContactsRead,
    ContactsWrite,
    TicketsRead,
    TicketsWrite,
    CallsRead,
    CallsWrite,
    AdminRead,
    AdminWrite,
    OfflineAccess,
}

impl Scope {
    pub const ALL: [Scope; 9] = [
        Scope::ContactsRead,
        Scope::ContactsWrite,
        Scope::TicketsRead,
        Scope::TicketsWrite,
        Scope::CallsRead,
        Scope::CallsWrite,
        Scope::AdminRead,
        Scope::AdminWrite,
        Scope::OfflineAccess,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ContactsRead => "contacts.read",
            Scope::ContactsWrite => "contacts.write",
            Scope::TicketsRead => "tickets.read",
            Scope::TicketsWrite => "tickets.write",
            Scope::CallsRead => "calls.read",
            Scope::CallsWrite => "calls.write",
            Scope::AdminRead => "admin.read",
            Scope::AdminWrite => "admin.write",
            Scope::OfflineAccess => "offline_access",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|sc| sc.as_str() == s)
    }

    /// Scopes a Private App may hold (everything but `offline_access`).
    pub fn grantable_to_private_app(self) -> bool {
        self != Scope::OfflineAccess
    }

    /// `admin.read` / `admin.write`: the admin API (SPEC S8).
    pub fn is_admin(self) -> bool {
        matches!(self, Scope::AdminRead | Scope::AdminWrite)
    }

    /// Scopes an OAuth app may register, request or hold: never the admin
    /// scopes (SPEC S2: those are for Private Apps only), so a client secret
    /// can never become an admin credential.
    pub fn grantable_to_oauth_app(self) -> bool {
        !self.is_admin()
    }

    /// Plain words for consent pages and the console.
    pub fn describe(self) -> &'static str {
        match self {
            Scope::ContactsRead => "Read your contacts",
            Scope::ContactsWrite => "Create, change and delete contacts",
            Scope::TicketsRead => "Read your tickets",
            Scope::TicketsWrite => "Create, change and delete tickets",
            Scope::CallsRead => "Read your call records",
            Scope::CallsWrite => "Create, change and delete call records",
            Scope::AdminRead => "Read account settings, apps and users",
            Scope::AdminWrite => "Change account settings, apps and users",
            Scope::OfflineAccess => "Keep access when you are not using the app",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes, stored and printed space-separated in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    pub fn contains(&self, s: Scope) -> bool {
        self.0.contains(&s)
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn to_strings(&self) -> Vec<String> {
        self.iter().map(|s| s.as_str().to_owned()).collect()
    }

    /// Parse a list of scope names; the error names the first unknown one.
    pub fn parse_list<I, S>(names: I) -> Result<ScopeSet, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut set = BTreeSet::new();
        for n in names {
            let n = n.as_ref();
            match Scope::parse(n) {
                Some(s) => {
                    set.insert(s);
                }
                None => return Err(n.to_owned()),
            }
        }
        Ok(ScopeSet(set))
    }

    /// Parse the stored / RFC 6749 form: space-separated.
    pub fn parse_spaced(s: &str) -> Result<ScopeSet, String> {
        ScopeSet::parse_list(s.split(' ').filter(|p| !p.is_empty()))
    }

    /// This set without the scopes `keep` refuses.
    pub fn retain(&self, keep: impl Fn(Scope) -> bool) -> ScopeSet {
        self.iter().filter(|s| keep(*s)).collect()
    }

    pub fn to_spaced(&self) -> String {
        self.to_strings().join(" ")
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<T: IntoIterator<Item = Scope>>(iter: T) -> Self {
        ScopeSet(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scope_round_trips_through_its_name() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Scope::parse("contacts.READ"), None);
        assert_eq!(Scope::parse("contacts"), None);
    }

    #[test]
    fn spaced_form_is_stable_and_rejects_unknown_names() {
        let set = ScopeSet::parse_spaced("tickets.read  contacts.write").unwrap();
        assert_eq!(set.to_spaced(), "contacts.write tickets.read");
        assert_eq!(
            ScopeSet::parse_spaced("contacts.read nope"),
            Err("nope".to_owned())
        );
        assert!(ScopeSet::parse_spaced("").unwrap().is_empty());
    }
}
