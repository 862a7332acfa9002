//! What the binary says when asked or when refused: help for every option,
//! and errors that name the host and port, the path or the env var at fault.

use crate::cli::{failure_stderr, ok_stdout, switchboard};
use std::process::Command;

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
