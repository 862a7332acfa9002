//! `Settings → Audit log` (SPEC S8): who did what and when, newest first,
//! filtered by actor, action and a range of days (UTC), paged by a cursor.
//! Admins only. Entries name people and apps, never a secret.

use super::format::{when, When};
use super::shell::{Console, Section, Shell};
use crate::error::PageError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;
use std::collections::HashMap;
use switchboard_core::audit::{AuditCursor, AuditEntry, AuditQuery};

const PAGE_SIZE: i64 = 50;

/// Every action the services record, as people read it.
const ACTIONS: [(&str, &str); 32] = [
    ("account.created", "Account created"),
    ("account.renamed", "Company name changed"),
    ("user.signed_in", "Signed in"),
    ("user.sign_in_failed", "Sign-in failed"),
    ("user.sign_in_failures", "Repeated failed sign-ins"),
    ("user.created", "User added"),
    ("user.updated", "User's role changed"),
    ("user.deactivated", "User deactivated"),
    ("user.reactivated", "User reactivated"),
    (
        "user.password_reset_link_created",
        "Password reset link created",
    ),
    ("user.password_reset", "Password set through a reset link"),
    ("user.password_changed", "Password changed"),
    ("user.other_sessions_ended", "Signed out other sessions"),
    ("private_app.created", "Private App created"),
    ("private_app.updated", "Private App changed"),
    ("private_app.rotated", "Private App token rotated"),
    ("private_app.deleted", "Private App deleted"),
    ("private_app.logo_set", "Private App logo set"),
    ("private_app.logo_removed", "Private App logo removed"),
    ("oauth_app.created", "OAuth app registered"),
    ("oauth_app.updated", "OAuth app changed"),
    ("oauth_app.deleted", "OAuth app deleted"),
    ("oauth_app.logo_set", "OAuth app logo set"),
    ("oauth_app.logo_removed", "OAuth app logo removed"),
    ("oauth_app.secret_rotated", "OAuth app secret rotated"),
    (
        "oauth_app.secret_leak_reported_rotated",
        "Leaked OAuth app secret rotated",
    ),
    ("oauth_grant.revoked", "Connected app revoked"),
    (
        "oauth_grant.revoked_by_client",
        "Connected app revoked by the app",
    ),
    (
        "oauth_token.revoked_by_client",
        "OAuth token revoked by the app",
    ),
    (
        "oauth_grant.refresh_reuse_revoked",
        "Connected app revoked: a refresh token was reused",
    ),
    (
        "oauth_code.replayed_revoked",
        "Connected app revoked: an authorization code was replayed",
    ),
    ("token.leak_reported_revoked", "Leaked token revoked"),
];

pub fn router() -> Router<AppState> {
    Router::new().route("/settings/audit-log", get(page))
}

#[derive(Deserialize, Default)]
struct Filter {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    /// `YYYY-MM-DD`, from the start of that day (UTC).
    #[serde(default)]
    from: String,
    /// `YYYY-MM-DD`, to the end of that day (UTC).
    #[serde(default)]
    to: String,
    #[serde(default)]
    before: String,
}

/// A person or thing as the log names it: readable text, the raw reference on hover.
struct Named {
    text: String,
    full: String,
}

struct Row {
    when: When,
    actor: Named,
    action: String,
    target: Option<Named>,
    /// The client address the change came from, when it came over HTTP.
    ip: String,
}

struct Opt {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "console/audit_log.html")]
struct AuditPage {
    shell: Shell,
    actors: Vec<Opt>,
    actions: Vec<Opt>,
    from: String,
    to: String,
    from_error: Option<String>,
    to_error: Option<String>,
    rows: Vec<Row>,
    filtered: bool,
    paged: bool,
    newer: Option<String>,
    older: Option<String>,
}

/// A day typed in a date field; `end` moves to the next midnight.
fn day(raw: &str, end: bool) -> Result<Option<DateTime<Utc>>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| "Enter a date like 2026-12-31.".to_owned())?;
    let d = if end { d + Duration::days(1) } else { d };
    Ok(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
}

fn query_string(f: &Filter, before: Option<&str>) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("actor", f.actor.as_str()),
        ("action", f.action.as_str()),
        ("from", f.from.as_str()),
        ("to", f.to.as_str()),
    ] {
        if !v.is_empty() {
            q.append_pair(k, v);
        }
    }
    if let Some(b) = before {
        q.append_pair("before", b);
    }
    format!("/settings/audit-log?{}", q.finish())
}

async fn page(
    State(state): State<AppState>,
    mut c: Console,
    Query(f): Query<Filter>,
) -> Result<Response, PageError> {
    c.admin_only()?;
    let account = c.s.account.id.clone();
    // Names for the actors and targets the entries hold as ids.
    let mut names: HashMap<String, String> = HashMap::new();
    let mut actors = vec![Opt {
        value: String::new(),
        label: "Anyone".into(),
        selected: f.actor.is_empty(),
    }];
    for u in state.services.list_users(&account).await? {
        let actor = format!("user:{}", u.id);
        actors.push(Opt {
            selected: f.actor == actor,
            label: format!("{} ({})", u.name, u.email),
            value: actor,
        });
        names.insert(u.id, format!("{} ({})", u.name, u.email));
    }
    for a in state.services.list_private_apps(&account).await? {
        let actor = format!("private_app:{}", a.app.id);
        actors.push(Opt {
            selected: f.actor == actor,
            label: format!("Private App {}", a.app.name),
            value: actor,
        });
        names.insert(a.app.id, format!("Private App {}", a.app.name));
    }
    for a in state.services.list_oauth_apps(&account).await? {
        names.insert(a.app.id, format!("OAuth app {}", a.app.name));
    }
    names.insert(account.clone(), format!("Account {}", c.s.account.name));
    let labels: HashMap<&str, &str> = ACTIONS.into_iter().collect();
    let mut actions = vec![Opt {
        value: String::new(),
        label: "Any action".into(),
        selected: f.action.is_empty(),
    }];
    actions.extend(ACTIONS.iter().map(|(value, label)| Opt {
        value: (*value).to_owned(),
        label: (*label).to_owned(),
        selected: f.action == *value,
    }));

    let since = day(&f.from, false);
    let until = day(&f.to, true);
    let (from_error, to_error) = (since.clone().err(), until.clone().err());
    let mut status = StatusCode::OK;
    let mut to_error = to_error;
    let (since, until) = (since.ok().flatten(), until.ok().flatten());
    if let (Some(s), Some(u)) = (since, until) {
        if s >= u {
            to_error = Some("The end date must not be before the start date.".into());
        }
    }
    let before = match f.before.as_str() {
        "" => None,
        raw => Some(AuditCursor::parse(raw).ok_or_else(|| {
            PageError::new(StatusCode::BAD_REQUEST, "This page link is not valid.")
        })?),
    };
    let (entries, next) = if from_error.is_some() || to_error.is_some() {
        status = StatusCode::BAD_REQUEST;
        (Vec::new(), None)
    } else {
        let q = AuditQuery {
            actor: (!f.actor.is_empty()).then(|| f.actor.clone()),
            action: (!f.action.is_empty()).then(|| f.action.clone()),
            since,
            until,
            before: before.clone(),
            limit: PAGE_SIZE,
        };
        state.services.audit_page(&account, &q).await?
    };
    // What no longer exists (a deleted app, a grant) shows as its kind and a
    // short id; the whole id is in the hover title.
    let name_of = |r: &str| -> Named {
        let (kind, id) = r.split_once(':').unwrap_or(("", r));
        let text = names.get(id).cloned().unwrap_or_else(|| match r {
            "cli" => "Command line".into(),
            "anonymous" => "Someone unauthenticated".into(),
            _ => {
                let short: String = id.chars().take(8).collect();
                let kind = kind.replace('_', " ");
                format!("{kind} {short}…").trim_start().to_owned()
            }
        });
        Named {
            text,
            full: r.to_owned(),
        }
    };
    let now = c.now;
    let rows = entries
        .into_iter()
        .map(|e: AuditEntry| Row {
            when: when(e.created_at, now),
            actor: name_of(&e.actor),
            action: labels
                .get(e.action.as_str())
                .map_or_else(|| e.action.clone(), |l| (*l).to_owned()),
            target: e.target.as_deref().map(name_of),
            ip: e.ip.clone().unwrap_or_default(),
        })
        .collect();
    let page = AuditPage {
        shell: c.shell(Section::AuditLog),
        actors,
        actions,
        from: f.from.clone(),
        to: f.to.clone(),
        from_error,
        to_error,
        rows,
        filtered: !(f.actor.is_empty()
            && f.action.is_empty()
            && f.from.is_empty()
            && f.to.is_empty()),
        paged: before.is_some(),
        newer: before.is_some().then(|| query_string(&f, None)),
        older: next.map(|n| query_string(&f, Some(&n.encode()))),
    };
    Ok((status, Html(page.render()?)).into_response())
}
