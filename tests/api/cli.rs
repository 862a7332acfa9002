//! The operator commands, run as the real binary against a data dir that the
//! server then serves.

use crate::backends::{Backend, TestDb};
use crate::helpers::json_of;
use reqwest::StatusCode;
use std::process::Command;

on_both_backends!(account_and_private_app_commands_print_a_working_token,);

fn switchboard(
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
    let stdout = String::from_utf8(out.stdout).unwrap();
    let account_id = stdout.split_whitespace().nth(1).unwrap().to_owned();

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
