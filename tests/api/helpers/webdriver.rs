//! A real browser (headless Chromium through chromedriver), for browser tests.

use serde_json::json;

/// chromedriver and one browser session; both end when dropped.
pub struct WebDriver {
    child: std::process::Child,
    pub client: fantoccini::Client,
}

impl Drop for WebDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start chromedriver and a headless Chromium session. Without chromedriver
/// the test is skipped (SKIPPED on stderr), unless
/// `SWITCHBOARD_TEST_BROWSER=require`, which makes it fail.
pub async fn webdriver() -> Option<WebDriver> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let required = std::env::var("SWITCHBOARD_TEST_BROWSER").as_deref() == Ok("require");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = match Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            assert!(!required, "chromedriver is required (SWITCHBOARD_TEST_BROWSER=require) but did not start: {e}");
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: the browser test did not run: chromedriver not found ({e})"
            );
            return None;
        }
    };
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    // Both rustls providers are linked in (see Cargo.toml): choose one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut child = child;
    for _ in 0..50 {
        if let Ok(client) = fantoccini::ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            return Some(WebDriver { child, client });
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("chromedriver started but no browser session could be opened");
}

/// Type into the element `selector` finds.
pub async fn fill(c: &fantoccini::Client, selector: &str, text: &str) {
    c.find(fantoccini::Locator::Css(selector))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}
