//! How the console writes times and scopes for people: "2 Dec 2026, 13:56
//! UTC" with the exact ISO time on hover, "5 minutes ago", "Contacts: read".

use chrono::{DateTime, Utc};
use switchboard_core::scope::{Scope, ScopeSet};

/// A point in time, ready for `{% call m::date(w) %}` / `m::ago(w)` in
/// `console/macros.html`.
pub(crate) struct When {
    /// Exact, for `datetime=` and the hover title.
    pub iso: String,
    /// "2 Dec 2026, 13:56 UTC".
    pub text: String,
    /// "5 minutes ago", "in 3 days".
    pub relative: String,
}

pub(crate) fn when(t: DateTime<Utc>, now: DateTime<Utc>) -> When {
    When {
        iso: t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        text: t.format("%-d %b %Y, %H:%M UTC").to_string(),
        relative: relative(t, now),
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// Coarse relative time, as GitHub and Stripe write it.
pub(crate) fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - t).num_seconds();
    let future = secs < 0;
    let s = secs.abs();
    let amount = if s < 60 {
        return if future {
            "in under a minute"
        } else {
            "just now"
        }
        .to_owned();
    } else if s < 3_600 {
        plural(s / 60, "minute")
    } else if s < 86_400 {
        plural(s / 3_600, "hour")
    } else if s < 86_400 * 60 {
        plural(s / 86_400, "day")
    } else if s < 86_400 * 730 {
        plural(s / (86_400 * 30), "month")
    } else {
        plural(s / (86_400 * 365), "year")
    };
    if future {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

/// "Contacts: read", "Admin: write", "Offline access".
pub(crate) fn scope_label(scope: Scope) -> String {
    match scope.as_str().split_once('.') {
        Some((module, access)) => {
            let mut chars = module.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            format!("{}{}: {access}", first.unwrap_or_default(), chars.as_str())
        }
        None => "Offline access".to_owned(),
    }
}

pub(crate) fn scope_labels(scopes: &ScopeSet) -> Vec<String> {
    scopes.iter().map(scope_label).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn times_read_as_words() {
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 13, 56, 0).unwrap();
        let w = when(now - Duration::minutes(5), now);
        assert_eq!(w.text, "2 Dec 2026, 13:51 UTC");
        assert_eq!(w.iso, "2026-12-02T13:51:00Z");
        assert_eq!(w.relative, "5 minutes ago");
        assert_eq!(relative(now, now), "just now");
        assert_eq!(relative(now - Duration::hours(1), now), "1 hour ago");
        assert_eq!(relative(now + Duration::days(90), now), "in 3 months");
        assert_eq!(relative(now + Duration::days(30), now), "in 30 days");
        assert_eq!(relative(now - Duration::days(800), now), "2 years ago");
    }

    #[test]
    fn scopes_read_as_labels() {
        assert_eq!(scope_label(Scope::ContactsRead), "Contacts: read");
        assert_eq!(scope_label(Scope::AdminWrite), "Admin: write");
        assert_eq!(scope_label(Scope::OfflineAccess), "Offline access");
    }
}
