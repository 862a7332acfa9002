//! The operator commands, run as the real binary against a data dir that the
//! server then serves.

use crate::helpers::json_of;
use reqwest::StatusCode;
use std::process::Command;

fn switchboard(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .env("SWITCHBOARD_DATA_DIR", data_dir)
        .env("SWITCHBOARD_PASSWORD", "cli password 123")
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_CONFIG")
        .output()
        .unwrap()
}

#[tokio::test]
async fn account_and_private_app_commands_print_a_working_token() {
    let dir = tempfile::tempdir().unwrap();
    let out = switchboard(dir.path(), &["migrate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = switchboard(dir.path(), &["account", "create", "--name", "Cli Co", "--admin-email", "ops@cli.example", "--admin-name", "Ops"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let account_id = stdout.split_whitespace().nth(1).unwrap().to_owned();

    let out = switchboard(
        dir.path(),
        &["private-app", "create", "--account", &account_id, "--name", "script", "--scopes", "contacts.read,admin.read"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("swb_pat_"), "{token}");

    // Bad input is a clear error and a non-zero exit.
    let out = switchboard(dir.path(), &["private-app", "create", "--account", &account_id, "--name", "x", "--scopes", "nope.read"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.read"));
    let out = switchboard(dir.path(), &["private-app", "create", "--account", "missing", "--name", "x", "--scopes", "contacts.read"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));

    // The server on the same data dir honours the token.
    let config = switchboard::Config::for_tests(dir.path());
    let app = switchboard::Application::build(config).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let res = reqwest::Client::new().get(format!("{base}/services/oauth2/v1/me")).bearer_auth(&token).send().await.unwrap();
    let (status, _, me) = json_of(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["account"]["name"], "Cli Co");
    assert_eq!(me["scopes"], serde_json::json!(["contacts.read", "admin.read"]));
}
