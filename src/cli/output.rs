//! How commands print: for a person on a terminal (tables), for a script in
//! a pipe (an id alone, JSON lines), or JSON with `--json`.

use serde_json::{json, Value};
use std::io::IsTerminal;
use switchboard_core::account::User;
use switchboard_core::store::PrivateAppView;

/// `--json`: machine-readable output whatever stdout is.
#[derive(clap::Args)]
pub struct OutputArgs {
    /// Print JSON (an object, or an array for lists) instead of text.
    #[arg(long)]
    json: bool,
}

/// How a command prints: for a person, for a pipe, or as JSON.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Output {
    Terminal,
    Plain,
    Json,
}

impl OutputArgs {
    pub(super) fn mode(&self) -> Output {
        if self.json {
            Output::Json
        } else if std::io::stdout().is_terminal() {
            Output::Terminal
        } else {
            Output::Plain
        }
    }
}

pub(super) fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Print rows: an aligned table with a header on a terminal, one JSON
/// object per line in a pipe, a JSON array with `--json`.
pub(super) fn print_rows(mode: Output, header: &[&str], rows: &[Vec<String>], json: Vec<Value>) {
    match mode {
        Output::Json => println!("{}", Value::Array(json)),
        Output::Plain => {
            for line in json {
                println!("{line}");
            }
        }
        Output::Terminal => {
            let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
            for row in rows {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            let line = |cells: Vec<&str>| {
                let padded: Vec<String> = cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect();
                println!("{}", padded.join("  ").trim_end());
            };
            line(header.to_vec());
            for row in rows {
                line(row.iter().map(String::as_str).collect());
            }
            if rows.is_empty() {
                println!("(none)");
            }
        }
    }
}

pub(super) fn print_users(mode: Output, users: &[User]) {
    let header = ["ID", "EMAIL", "NAME", "ROLE", "ACTIVE", "CREATED"];
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| {
            vec![
                u.id.clone(),
                u.email.clone(),
                u.name.clone(),
                u.role.as_str().to_owned(),
                if u.active { "yes" } else { "no" }.to_owned(),
                rfc3339(u.created_at),
            ]
        })
        .collect();
    let json = users.iter().map(user_json).collect();
    print_rows(mode, &header, &rows, json);
}

pub(super) fn user_json(u: &User) -> Value {
    json!({
        "id": u.id,
        "accountId": u.account_id,
        "email": u.email,
        "name": u.name,
        "role": u.role.as_str(),
        "active": u.active,
        "createdAt": rfc3339(u.created_at),
    })
}

pub(super) fn print_private_apps(mode: Output, apps: &[PrivateAppView]) {
    let header = ["ID", "NAME", "SCOPES", "EXPIRES", "LAST USED", "CREATED"];
    let never = |t: Option<chrono::DateTime<chrono::Utc>>, none: &str| {
        t.map(rfc3339).unwrap_or_else(|| none.to_owned())
    };
    let rows: Vec<Vec<String>> = apps
        .iter()
        .map(|v| {
            vec![
                v.app.id.clone(),
                v.app.name.clone(),
                v.app.scopes.to_strings().join(","),
                never(v.expires_at, "never"),
                never(v.last_used_at, "never"),
                rfc3339(v.app.created_at),
            ]
        })
        .collect();
    let json = apps
        .iter()
        .map(|v| {
            json!({
                "id": v.app.id,
                "accountId": v.app.account_id,
                "name": v.app.name,
                "description": v.app.description,
                "scopes": v.app.scopes.to_strings(),
                "expiresAt": v.expires_at.map(rfc3339),
                "lastUsedAt": v.last_used_at.map(rfc3339),
                "createdAt": rfc3339(v.app.created_at),
            })
        })
        .collect();
    print_rows(mode, &header, &rows, json);
}
