//! The README's examples run as written: every ```` ```sh ```` block (not the
//! ```` ```sh no-run ```` ones: build commands, a deployment sketch, a step
//! that needs a browser) runs, in order, in one bash with
//! `set -euo pipefail`, against the real binary on a fresh data directory.
//! Two things are adapted, and only these: the server listens on a random
//! port instead of 8080, and `cargo run --release -q --` is the binary this
//! test was built with (a release build would take minutes here).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const README: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

/// The bodies of the README's runnable shell blocks, with their first line number.
fn runnable_blocks(readme: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in readme.lines().enumerate() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some((i + 2, String::new())),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some((_, body)), text) => {
                body.push_str(text);
                body.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// The server, killed when the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn the_readme_marks_its_examples_and_its_commands_that_are_not() {
    let blocks = runnable_blocks(README);
    assert!(blocks.len() >= 3, "{blocks:?}");
    assert!(blocks.iter().any(|(_, b)| b.contains("account create")));
    assert!(blocks.iter().any(|(_, b)| b.contains("client_credentials")));
    // No placeholder left to fill in by hand, and no jq (not on every machine).
    for (line, body) in &blocks {
        assert!(!body.contains("jq "), "README line {line}: {body}");
        for placeholder in ["=…", "code=…", "client_id=…"] {
            assert!(
                !body
                    .lines()
                    .any(|l| !l.trim_start().starts_with('#') && l.contains(placeholder)),
                "README line {line} has a placeholder {placeholder:?}: {body}"
            );
        }
    }
    // The build commands are explicitly not run.
    assert!(README.contains("```sh no-run\ncargo run --release -- serve"));
}

#[test]
fn the_readme_shell_examples_run_as_written() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("SKIPPED: python3 is not installed (the README's examples use it)");
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let _server = Server(
        Command::new(BIN)
            .args(["serve", "--bind", &addr])
            .env("SWITCHBOARD_DATA_DIR", data.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no server on {addr}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let mut script = String::from(
        "set -euo pipefail\n\
         cargo() {\n\
           if [ \"$1 $2 $3 $4\" = 'run --release -q --' ]; then shift 4; \"$SWITCHBOARD_BIN\" \"$@\";\n\
           else echo \"the README runs cargo $*\" >&2; return 1; fi\n\
         }\n",
    );
    let blocks = runnable_blocks(README);
    for (line, body) in &blocks {
        script.push_str(&format!("echo '>>> README line {line}' >&2\n"));
        script.push_str(&body.replace("127.0.0.1:8080", &addr));
    }
    let out = Command::new("bash")
        .args(["-c", &script])
        .env("SWITCHBOARD_BIN", BIN)
        .env("SWITCHBOARD_DATA_DIR", data.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let (status, stdout, stderr) = (
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        status.success(),
        "a README block failed ({status}).\n--- stderr (the last >>> line is the block)\n{stderr}\n--- stdout\n{stdout}"
    );
    // What the blocks printed is what the README says they print.
    assert!(stdout.contains("\"tokenType\":\"private_app\""), "{stdout}");
    assert!(stdout.contains("\"token\":\"swb_pat_"), "{stdout}");
    assert!(stdout.contains("\"firstName\":\"Ada\""), "{stdout}");
    assert!(stdout.contains("response_type=code"), "{stdout}");
    assert!(stdout.contains("\"access_token\":\"swb_at_"), "{stdout}");
    assert_eq!(stderr.matches(">>> README line").count(), blocks.len());
}

/// SECURITY.md cites the tests behind each claim as `path.rs::test_name`:
/// each must name a file that holds that function (a moved test would
/// otherwise leave the claim pointing at nothing).
#[test]
fn security_md_cites_tests_that_exist() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let security = std::fs::read_to_string(root.join("SECURITY.md")).unwrap();
    let mut cited = 0;
    for cite in security.split('`').skip(1).step_by(2) {
        let Some((path, test)) = cite.split_once(".rs::") else {
            continue;
        };
        let source = std::fs::read_to_string(root.join(format!("{path}.rs")))
            .unwrap_or_else(|e| panic!("SECURITY.md cites {cite}: {e}"));
        assert!(
            source.contains(&format!("fn {test}(")),
            "SECURITY.md cites {cite}, which is not in that file"
        );
        cited += 1;
    }
    assert!(cited > 10, "found only {cited} citations");
}
