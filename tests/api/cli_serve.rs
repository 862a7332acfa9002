//! `switchboard serve` as a child process: the issuer follows the bind
//! address, a differing issuer port is warned about, host names bind, and
//! boolean env values are read.

use crate::helpers::json_of;
use reqwest::StatusCode;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
