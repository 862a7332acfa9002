//! The console in a real browser: headless Chromium driven through
//! chromedriver (WebDriver). Needs `chromium` and `chromium-driver`; without
//! them the test says SKIPPED on stderr, and with
//! `SWITCHBOARD_TEST_BROWSER=require` (set by CI) it fails instead.

use crate::helpers::{json_of, Backend, TestApp, PASSWORD};
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::StatusCode;
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Driver {
    child: Child,
    client: Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn driver() -> Option<Driver> {
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
        serde_json::json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..50 {
        if let Ok(client) = ClientBuilder::rustls()
            .expect("tls")
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            return Some(Driver { child, client });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver started but no browser session could be opened");
}

async fn fill(c: &Client, selector: &str, text: &str) {
    c.find(Locator::Css(selector))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_admin_signs_up_and_creates_a_token_in_the_browser() {
    let Some(driver) = driver().await else { return };
    let c = &driver.client;
    let app = TestApp::spawn(Backend::Sqlite).await;

    // Sign up through the real form.
    c.goto(&app.url("/signup")).await.unwrap();
    fill(c, "input[name=company]", "Browser Co").await;
    fill(c, "input[name=name]", "Bea").await;
    fill(c, "input[name=email]", "bea@browser.example").await;
    fill(c, "input[name=password]", PASSWORD).await;
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_url(&url::Url::parse(&app.url("/settings")).unwrap())
        .await
        .unwrap();
    assert!(c.source().await.unwrap().contains("Browser Co"));

    // Create a Private App: name, two permission boxes, Save; the token is shown once.
    c.goto(&app.url("/settings/private-apps")).await.unwrap();
    fill(c, "#create input[name=name]", "From the browser").await;
    c.find(Locator::Css("input[value='contacts.read']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("input[value='tickets.write']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#create button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let token_input = c.wait().for_element(Locator::Id("token")).await.unwrap();
    let token = token_input.prop("value").await.unwrap().unwrap();
    assert!(token.starts_with("swb_pat_"), "{token}");
    let me = json_of(app.me(&token).await).await.2;
    assert_eq!(
        me["scopes"],
        serde_json::json!(["contacts.read", "tickets.write"])
    );
    assert_eq!(me["app"]["name"], "From the browser");

    // The list shows the app, never the token; signing out ends the session.
    c.goto(&app.url("/settings/private-apps")).await.unwrap();
    let html = c.source().await.unwrap();
    assert!(html.contains("From the browser") && !html.contains(&token));
    c.find(Locator::Css("form.signout button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_url(&url::Url::parse(&app.url("/login")).unwrap())
        .await
        .unwrap();
    c.goto(&app.url("/settings")).await.unwrap();
    assert!(
        c.current_url().await.unwrap().path().starts_with("/login"),
        "signed out"
    );
    assert_eq!(
        app.me(&token).await.status(),
        StatusCode::OK,
        "signing out does not touch tokens"
    );
    driver.client.clone().close().await.unwrap();
}
