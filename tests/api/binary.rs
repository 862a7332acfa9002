//! The real `switchboard` binary, run as an operator would: CLI commands on
//! a data directory, and `serve` as a child process that a test can SIGKILL.

use reqwest::StatusCode;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Run a CLI command on `dir`'s SQLite database; its trimmed stdout.
pub fn cli(dir: &Path, args: &[&str]) -> String {
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

/// A new account on `dir`'s database and a Private App token of it with `scopes`.
pub fn account_with_token(dir: &Path, scopes: &str) -> String {
    cli(dir, &["migrate"]);
    let account = cli(
        dir,
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
    cli(
        dir,
        &[
            "private-app",
            "create",
            "--account",
            &account,
            "--name",
            "w",
            "--scopes",
            scopes,
        ],
    )
}

/// `switchboard serve`; dropping it kills the process.
pub struct Serve(pub Child);

impl Serve {
    /// SIGKILL, and wait for the process to be gone.
    pub fn kill(mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `serve` on `dir`'s SQLite database at `port`, with `env` set, and
/// wait until it answers `/healthz`.
pub async fn serve(dir: &Path, port: u16, env: &[(&str, &str)]) -> Serve {
    let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("SWITCHBOARD_DATA_DIR", dir)
        .envs(env.iter().copied())
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

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
