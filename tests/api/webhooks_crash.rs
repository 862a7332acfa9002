//! At-least-once across a crash (SPEC S9): the binary is SIGKILLed while
//! deliveries are pending and one is in flight; after a restart on the same
//! data every event of every acknowledged write arrives.

use crate::webhook_receiver::{Receiver, Reply};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn cli(dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .env("SWITCHBOARD_DATA_DIR", dir)
        .env("SWITCHBOARD_PASSWORD", "crash test password 1")
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_CONFIG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn serve(dir: &std::path::Path, port: u16) -> Serve {
    let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("SWITCHBOARD_DATA_DIR", dir)
        .env("SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE", "1")
        .env("SWITCHBOARD_WEBHOOK_RETRY_BASE_MS", "100")
        .env("SWITCHBOARD_WEBHOOK_TIMEOUT_MS", "5000")
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_CONFIG")
        .env_remove("SWITCHBOARD_ISSUER")
        .env_remove("SWITCHBOARD_BIND")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Serve(child);
    let started = Instant::now();
    let url = format!("http://127.0.0.1:{port}/healthz");
    while reqwest::get(&url).await.map(|r| r.status()).ok() != Some(StatusCode::OK) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "serve did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn every_acknowledged_event_arrives_after_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    cli(dir.path(), &["migrate"]);
    let account = cli(
        dir.path(),
        &[
            "account",
            "create",
            "--name",
            "Crash Co",
            "--admin-email",
            "ops@crash.example",
            "--admin-name",
            "Ops",
        ],
    );
    let token = cli(
        dir.path(),
        &[
            "private-app",
            "create",
            "--account",
            &account,
            "--name",
            "w",
            "--scopes",
            "contacts.read,contacts.write",
        ],
    );
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(dir.path(), port).await;
    let client = reqwest::Client::new();

    let mut rx = Receiver::start().await;
    // The first delivery hangs (in flight at the kill), the next ones fail.
    rx.script([Reply::Sleep(Duration::from_secs(30))]);
    rx.script(std::iter::repeat_n(Reply::Status(503), 1000));
    let res = client
        .post(format!("{base}/services/ccaas/v1/webhooks"))
        .bearer_auth(&token)
        .json(&json!({"targetUrl": rx.url, "events": ["contacts.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let mut ids = HashSet::new();
    for i in 0..20 {
        let res = client
            .post(format!("{base}/services/ccaas/v1/contacts"))
            .bearer_auth(&token)
            .json(&json!({"firstName": format!("k{i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: serde_json::Value = res.json().await.unwrap();
        ids.insert(body["id"].as_str().unwrap().to_owned());
    }
    rx.expect().await; // in flight
    server.0.kill().unwrap(); // SIGKILL
    server.0.wait().unwrap();
    drop(server);

    rx.clear_script();
    let _server = serve(dir.path(), port).await;
    let started = Instant::now();
    let mut got = HashSet::new();
    while got.len() < ids.len() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "only {} of {} events arrived after the restart",
            got.len(),
            ids.len()
        );
        if let Some(hit) = rx.next(Duration::from_secs(1)).await {
            if hit.kind() == "contacts.created" {
                got.insert(hit.json["data"]["id"].as_str().unwrap().to_owned());
            }
        }
    }
    assert_eq!(got, ids);
}
