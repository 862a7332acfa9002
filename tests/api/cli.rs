//! The operator commands, run as the real binary against a data dir that the
//! server then serves.

use crate::backends::{Backend, TestDb};
use crate::helpers::json_of;
use reqwest::StatusCode;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

on_both_backends!(
    account_and_private_app_commands_print_a_working_token,
    list_commands_print_json_lines_or_an_array,
);

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

fn ok_stdout(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn failure_stderr(out: &std::process::Output) -> String {
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

#[test]
fn every_option_has_help_and_names_its_env_var_once() {
    use clap::CommandFactory;
    fn check(cmd: &clap::Command, path: &str) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            assert!(!help.trim().is_empty(), "{path} --{id} has no help text");
            let env = arg
                .get_env()
                .map(|e| e.to_string_lossy().into_owned())
                .unwrap_or_else(|| "SWITCHBOARD_".to_owned() + &id.to_uppercase());
            // clap adds `[env: …]`; the text itself must not say it again.
            assert!(
                !help.contains("Env:") && !help.contains(&env),
                "{path} --{id} names its env var in the help text too: {help}"
            );
        }
        for sub in cmd.get_subcommands() {
            check(sub, &format!("{path} {}", sub.get_name()));
        }
    }
    check(&switchboard::cli::Cli::command(), "switchboard");

    let dir = tempfile::tempdir().unwrap();
    let out = switchboard(dir.path(), None, &["serve", "--help"]);
    let help = ok_stdout(&out);
    assert_eq!(help.matches("SWITCHBOARD_RATE_LIMIT").count(), 1, "{help}");
    let out = switchboard(dir.path(), None, &["private-app", "create", "--help"]);
    let help = ok_stdout(&out);
    for scope in [
        "contacts.read",
        "contacts.write",
        "tickets.read",
        "tickets.write",
        "calls.read",
        "calls.write",
        "admin.read",
        "admin.write",
    ] {
        assert!(help.contains(scope), "--scopes help lacks {scope}: {help}");
    }
    assert!(
        !help.contains("offline_access"),
        "offline_access is not for Private Apps: {help}"
    );
}

#[test]
fn a_refused_postgres_connection_names_host_and_port() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    let out = cmd
        .args(["migrate"])
        .env("SWITCHBOARD_DATA_DIR", dir.path())
        .env(
            "SWITCHBOARD_DATABASE_URL",
            "postgres://sb:secret@127.0.0.1:1/sb",
        )
        .env_remove("SWITCHBOARD_CONFIG")
        .output()
        .unwrap();
    let err = failure_stderr(&out);
    assert!(
        err.contains("cannot connect to PostgreSQL at 127.0.0.1:1: connection refused"),
        "{err}"
    );
    assert!(!err.contains("timed out"), "{err}");
    assert!(!err.contains("secret"), "{err}");
}

#[test]
fn an_unusable_sqlite_location_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    // A database URL whose directory does not exist.
    let missing = dir.path().join("missing").join("sb.db");
    let url = format!("sqlite://{}?mode=rwc", missing.display());
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["migrate", "--database-url", &url])
        .env("SWITCHBOARD_DATA_DIR", dir.path())
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_CONFIG")
        .output()
        .unwrap();
    let err = failure_stderr(&out);
    let parent = dir.path().join("missing");
    assert!(
        err.contains(&format!(
            "the directory of the SQLite database {} cannot be used: {}",
            missing.display(),
            parent.display()
        )),
        "{err}"
    );
    assert!(err.contains("No such file or directory"), "{err}");

    // A data dir that cannot be created (its parent is a file).
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let data_dir = file.join("data");
    let out = switchboard(&data_dir, None, &["migrate"]);
    let err = failure_stderr(&out);
    assert!(
        err.contains(&format!("cannot create data dir {}", data_dir.display())),
        "{err}"
    );
}

#[test]
fn a_bad_env_value_names_the_env_var() {
    let dir = tempfile::tempdir().unwrap();
    let run = |var: &str, value: &str| {
        Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["serve"])
            .env("SWITCHBOARD_DATA_DIR", dir.path())
            .env_remove("SWITCHBOARD_CONFIG")
            .env(var, value)
            .output()
            .unwrap()
    };
    let err = failure_stderr(&run("SWITCHBOARD_RATE_LIMIT", "abc"));
    assert!(
        err.contains(
            "invalid value 'abc' in the environment variable SWITCHBOARD_RATE_LIMIT \
             (the setting of --rate-limit): invalid digit found in string"
        ),
        "{err}"
    );
    let err = failure_stderr(&run("SWITCHBOARD_REQUIRE_PKCE", "maybe"));
    assert!(
        err.contains("invalid value 'maybe' in the environment variable SWITCHBOARD_REQUIRE_PKCE"),
        "{err}"
    );
    let err = failure_stderr(&run("SWITCHBOARD_BIND", "nowhere"));
    assert!(err.contains("SWITCHBOARD_BIND"), "{err}");
    assert!(err.contains("expected host:port"), "{err}");
    // The same bad value given as a flag is reported under the flag.
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "--rate-limit", "abc"])
        .env("SWITCHBOARD_DATA_DIR", dir.path())
        .env_remove("SWITCHBOARD_RATE_LIMIT")
        .output()
        .unwrap();
    let err = failure_stderr(&out);
    assert!(err.contains("'--rate-limit <RATE_LIMIT>'"), "{err}");
}

/// A `switchboard serve` child and the log lines it printed up to the
/// console line; killed on drop.
struct Server {
    child: Child,
    log: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(data_dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        cmd.arg("serve")
            .args(args)
            .env("SWITCHBOARD_DATA_DIR", data_dir)
            .env("RUST_LOG", "info")
            .env_remove("SWITCHBOARD_DATABASE_URL")
            .env_remove("SWITCHBOARD_CONFIG")
            .env_remove("SWITCHBOARD_ISSUER")
            .env_remove("SWITCHBOARD_BIND")
            .env_remove("SWITCHBOARD_REQUIRE_PKCE")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut log = Vec::new();
        while !log.iter().any(|l: &String| l.contains("/signup")) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => log.push(line),
                Err(_) => {
                    let _ = child.kill();
                    let out = child.wait_with_output().unwrap();
                    panic!(
                        "serve did not start: {log:?} {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            }
        }
        Server { child, log }
    }

    /// The `message` of each JSON log line (stdout is not a terminal).
    fn messages(&self) -> Vec<(String, String)> {
        self.log
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .map(|v| {
                (
                    v["level"].as_str().unwrap_or("").to_owned(),
                    v["message"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn metadata_issuer(base: &str) -> String {
    let res = reqwest::get(format!("{base}/.well-known/oauth-authorization-server"))
        .await
        .unwrap();
    let (status, _, body) = json_of(res).await;
    assert_eq!(status, StatusCode::OK);
    body["issuer"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn serve_issuer_follows_bind_and_says_where_the_console_is() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let server = Server::start(dir.path(), &["--bind", &bind], &[]);
    let base = format!("http://{bind}");
    assert_eq!(metadata_issuer(&base).await, base);
    let messages = server.messages();
    let texts: Vec<&str> = messages.iter().map(|(_, m)| m.as_str()).collect();
    assert!(
        texts
            .iter()
            .any(|m| m.starts_with(&format!("open {base}/signup"))),
        "{texts:?}"
    );
    let config = texts
        .iter()
        .find(|m| m.starts_with("starting with "))
        .unwrap_or_else(|| panic!("no configuration line: {texts:?}"));
    assert!(
        config.contains(&format!(
            "bind={bind} issuer={base} (from the bind address)"
        )),
        "{config}"
    );
    assert!(config.contains("rate_limit=100/10s"), "{config}");
    assert!(
        !server.log.iter().any(|l| l.contains("Config {")),
        "{:?}",
        server.log
    );
    assert!(
        !messages.iter().any(|(level, _)| level == "WARN"),
        "{messages:?}"
    );
}

#[tokio::test]
async fn serve_warns_when_an_explicit_issuer_port_differs() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let server = Server::start(
        dir.path(),
        &["--bind", &bind, "--issuer", "http://127.0.0.1:8080"],
        &[],
    );
    // Explicit means explicit: the issuer is used as given.
    assert_eq!(
        metadata_issuer(&format!("http://{bind}")).await,
        "http://127.0.0.1:8080"
    );
    let warnings: Vec<String> = server
        .messages()
        .into_iter()
        .filter(|(level, _)| level == "WARN")
        .map(|(_, m)| m)
        .collect();
    assert!(
        warnings.iter().any(
            |m| m.starts_with("the issuer's port differs from the port this server listens on")
        ),
        "{warnings:?}"
    );
}

#[tokio::test]
async fn serve_binds_a_host_name_and_reads_boolean_env_values() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let bind = format!("localhost:{port}");
    let server = Server::start(
        dir.path(),
        &["--bind", &bind],
        &[("SWITCHBOARD_REQUIRE_PKCE", "1")],
    );
    let base = format!("http://localhost:{port}");
    assert_eq!(metadata_issuer(&base).await, base);
    let config = server
        .messages()
        .into_iter()
        .map(|(_, m)| m)
        .find(|m| m.starts_with("starting with "))
        .unwrap();
    assert!(config.contains("require_pkce=true"), "{config}");
    drop(server);

    for (value, expected) in [("0", false), ("true", true), ("false", false)] {
        let server = Server::start(
            dir.path(),
            &["--bind", "127.0.0.1:0"],
            &[("SWITCHBOARD_REQUIRE_PKCE", value)],
        );
        let config = server
            .messages()
            .into_iter()
            .map(|(_, m)| m)
            .find(|m| m.starts_with("starting with "))
            .unwrap();
        assert!(
            config.contains(&format!("require_pkce={expected}")),
            "{value}: {config}"
        );
    }
}
