//! The operator commands, run as the real binary against a data dir that the
//! server then serves: accounts, private apps and their tokens, and lists.

use crate::backends::{Backend, TestDb};
use crate::helpers::json_of;
use reqwest::StatusCode;
use serde_json::Value;
use std::process::Command;

on_both_backends!(
    account_and_private_app_commands_print_a_working_token,
    list_commands_print_json_lines_or_an_array,
);

pub(crate) fn switchboard(
    data_dir: &std::path::Path,
    db: Option<&TestDb>,
    args: &[&str],
) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args(args)
        .env("SWITCHBOARD_DATA_DIR", data_dir)
        .env("SWITCHBOARD_PASSWORD", "cli password 123")
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_CONFIG");
    if let Some(db) = db {
        cmd.env("SWITCHBOARD_DATABASE_URL", &db.url);
    }
    cmd.output().unwrap()
}

async fn account_and_private_app_commands_print_a_working_token(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(TestDb::create().await),
    };
    let db = db.as_ref();
    let out = switchboard(dir.path(), db, &["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = switchboard(
        dir.path(),
        db,
        &[
            "account",
            "create",
            "--name",
            "Cli Co",
            "--admin-email",
            "ops@cli.example",
            "--admin-name",
            "Ops",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Not a terminal: the id alone, so `ID=$(switchboard account create …)` works.
    let account_id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(account_id.len(), 32, "{account_id:?}");
    assert!(
        account_id.chars().all(|c| c.is_ascii_hexdigit()),
        "{account_id:?}"
    );

    let out = switchboard(
        dir.path(),
        db,
        &[
            "private-app",
            "create",
            "--account",
            &account_id,
            "--name",
            "script",
            "--scopes",
            "contacts.read,admin.read",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("swb_pat_"), "{token}");

    // Bad input is a clear error and a non-zero exit.
    let out = switchboard(
        dir.path(),
        db,
        &[
            "private-app",
            "create",
            "--account",
            &account_id,
            "--name",
            "x",
            "--scopes",
            "nope.read",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.read"));
    let out = switchboard(
        dir.path(),
        db,
        &[
            "private-app",
            "create",
            "--account",
            "missing",
            "--name",
            "x",
            "--scopes",
            "contacts.read",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));

    // The server on the same data dir honours the token.
    let mut config = switchboard::Config::for_tests(dir.path());
    config.database_url = db.map(|d| d.url.clone().into());
    let app = switchboard::Application::build(config).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let res = reqwest::Client::new()
        .get(format!("{base}/services/oauth2/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (status, _, me) = json_of(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["account"]["name"], "Cli Co");
    assert_eq!(
        me["scopes"],
        serde_json::json!(["contacts.read", "admin.read"])
    );
}

pub(crate) fn ok_stdout(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

pub(crate) fn failure_stderr(out: &std::process::Output) -> String {
    assert!(
        !out.status.success(),
        "succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr.clone()).unwrap()
}

async fn list_commands_print_json_lines_or_an_array(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(TestDb::create().await),
    };
    let db = db.as_ref();
    let out = switchboard(
        dir.path(),
        db,
        &[
            "account",
            "create",
            "--json",
            "--name",
            "List Co",
            "--admin-email",
            "ops@list.example",
            "--admin-name",
            "Ops",
        ],
    );
    let created: Value = serde_json::from_str(&ok_stdout(&out)).unwrap();
    assert_eq!(created["name"], "List Co");
    assert_eq!(created["adminEmail"], "ops@list.example");
    let account = created["id"].as_str().unwrap().to_owned();
    let admin = created["adminUserId"].as_str().unwrap().to_owned();

    let out = switchboard(dir.path(), db, &["account", "list", "--json"]);
    let accounts: Value = serde_json::from_str(&ok_stdout(&out)).unwrap();
    assert_eq!(accounts.as_array().unwrap().len(), 1, "{accounts}");
    assert_eq!(accounts[0]["id"], account.as_str());
    assert_eq!(accounts[0]["name"], "List Co");
    assert!(accounts[0]["createdAt"].is_string());

    let out = switchboard(
        dir.path(),
        db,
        &[
            "user",
            "create",
            "--account",
            &account,
            "--email",
            "m@list.example",
            "--name",
            "Member \"M\"",
        ],
    );
    let member = ok_stdout(&out).trim().to_owned();
    assert_eq!(member.len(), 32, "{member:?}");

    // Not a terminal: one JSON object per line.
    let out = switchboard(dir.path(), db, &["user", "list", "--account", &account]);
    let lines: Vec<Value> = ok_stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let by_id = |id: &str| lines.iter().find(|u| u["id"] == id).unwrap().clone();
    assert_eq!(by_id(&admin)["role"], "admin");
    assert_eq!(by_id(&member)["role"], "member");
    assert_eq!(by_id(&member)["name"], "Member \"M\"");
    assert_eq!(by_id(&member)["active"], true);
    // --json: one array.
    let out = switchboard(
        dir.path(),
        db,
        &["user", "list", "--account", &account, "--json"],
    );
    let users: Value = serde_json::from_str(&ok_stdout(&out)).unwrap();
    assert_eq!(users.as_array().unwrap().len(), 2);

    let out = switchboard(
        dir.path(),
        db,
        &[
            "private-app",
            "create",
            "--account",
            &account,
            "--name",
            "nightly export",
            "--scopes",
            "contacts.read,tickets.read",
            "--expires-in-days",
            "30",
        ],
    );
    let token = ok_stdout(&out).trim().to_owned();
    let out = switchboard(
        dir.path(),
        db,
        &["private-app", "list", "--account", &account],
    );
    let text = ok_stdout(&out);
    assert!(!text.contains(&token), "a list must never show a token");
    let apps: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(apps.len(), 1, "{apps:?}");
    assert_eq!(apps[0]["name"], "nightly export");
    assert_eq!(
        apps[0]["scopes"],
        serde_json::json!(["contacts.read", "tickets.read"])
    );
    assert!(apps[0]["expiresAt"].is_string(), "{apps:?}");
    assert_eq!(apps[0]["lastUsedAt"], Value::Null);
    let out = switchboard(
        dir.path(),
        db,
        &["private-app", "list", "--account", &account, "--json"],
    );
    let apps: Value = serde_json::from_str(&ok_stdout(&out)).unwrap();
    assert_eq!(apps.as_array().unwrap().len(), 1);

    // An unknown account is an error, not an empty list.
    let out = switchboard(dir.path(), db, &["user", "list", "--account", "missing"]);
    assert!(failure_stderr(&out).contains("not found"));
    let out = switchboard(
        dir.path(),
        db,
        &["private-app", "list", "--account", "missing"],
    );
    assert!(failure_stderr(&out).contains("not found"));
}
