//! `TestApp`: a real server on port 0 with a fresh SQLite file and a manual
//! clock, plus one helper per endpoint the tests use.

use chrono::Utc;
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use switchboard::{Application, Config};
use switchboard_core::clock::ManualClock;
use tokio::sync::oneshot;

pub const PASSWORD: &str = "correct horse battery";

pub use crate::backends::Backend;
use crate::backends::TestDb;

pub struct TestApp {
    pub base: String,
    pub clock: ManualClock,
    config: Config,
    _stop: oneshot::Sender<()>,
    // Dropped last: the database outlives the server that uses it.
    _db: Option<TestDb>,
    _dir: tempfile::TempDir,
}

/// A further node on the same database (multi-node tests).
pub struct Node {
    pub base: String,
    _stop: oneshot::Sender<()>,
}

async fn start(config: Config, clock: ManualClock) -> (String, oneshot::Sender<()>) {
    let app = Application::build_with_clock(config, Arc::new(clock))
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    (base, stop)
}

/// A browser: its own cookie jar, never follows redirects.
pub struct Browser {
    pub client: Client,
    pub base: String,
}

/// A signed-in console user.
pub struct Console {
    pub browser: Browser,
    pub csrf: String,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// A server on a fresh database of the given backend.
    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_tests(dir.path());
        let db = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(TestDb::create().await),
        };
        config.database_url = db.as_ref().map(|d| d.url.clone().into());
        tweak(&mut config);
        let clock = ManualClock::new(Utc::now());
        let (base, stop) = start(config.clone(), clock.clone()).await;
        TestApp {
            base,
            clock,
            config,
            _stop: stop,
            _db: db,
            _dir: dir,
        }
    }

    /// Another node on this app's database, sharing its clock.
    pub async fn spawn_node(&self) -> Node {
        let (base, stop) = start(self.config.clone(), self.clock.clone()).await;
        Node { base, _stop: stop }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's current time (the manual clock) in epoch milliseconds.
    pub fn clock_ms(&self) -> i64 {
        use switchboard_core::clock::Clock;
        self.clock.now().timestamp_millis()
    }

    pub fn browser(&self) -> Browser {
        let client = Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap();
        Browser {
            client,
            base: self.base.clone(),
        }
    }

    /// A plain API client: no cookies, no redirects.
    pub fn api(&self) -> Client {
        Client::builder().redirect(Policy::none()).build().unwrap()
    }

    /// Sign up a new account through the real form; returns the signed-in console.
    pub async fn sign_up(&self, company: &str, email: &str) -> Console {
        let browser = self.browser();
        let res = browser.sign_up(company, "Ada Admin", email, PASSWORD).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "sign-up failed: {}",
            res.text().await.unwrap()
        );
        assert_eq!(res.headers()[LOCATION], "/settings");
        let csrf = browser.page_csrf("/settings").await;
        Console { browser, csrf }
    }

    /// A fresh account with an admin Private App holding `scopes`; returns its token.
    pub async fn account_with_token(&self, company: &str, scopes: &[&str]) -> (Console, String) {
        let email = format!(
            "admin+{}@{}.example",
            uuid_like(),
            company.to_lowercase().replace(' ', "-")
        );
        let console = self.sign_up(company, &email).await;
        let body = console.create_private_app("integration", scopes).await;
        let token = body["token"].as_str().unwrap().to_owned();
        (console, token)
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> Response {
        self.api()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn me(&self, token: &str) -> Response {
        self.get_with_token("/services/oauth2/v1/me", token).await
    }
}

pub fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The content of `<meta name="csrf-token" content="…">`.
pub fn meta_csrf(html: &str) -> String {
    let marker = r#"<meta name="csrf-token" content=""#;
    let start = html.find(marker).expect("page has a csrf-token meta tag") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

impl Node {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn page_csrf(&self, path: &str) -> String {
        let res = self.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "GET {path}");
        meta_csrf(&res.text().await.unwrap())
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn sign_up(
        &self,
        company: &str,
        name: &str,
        email: &str,
        password: &str,
    ) -> Response {
        let csrf = self.page_csrf("/signup").await;
        self.post_form(
            "/signup",
            &[
                ("company", company),
                ("name", name),
                ("email", email),
                ("password", password),
                ("csrf_token", &csrf),
            ],
        )
        .await
    }

    pub async fn log_in(&self, email: &str, password: &str, next: Option<&str>) -> Response {
        let csrf = self.page_csrf("/login").await;
        let mut form = vec![
            ("email", email),
            ("password", password),
            ("csrf_token", csrf.as_str()),
        ];
        if let Some(n) = next {
            form.push(("next", n));
        }
        self.post_form("/login", &form).await
    }
}

impl Console {
    /// An admin-API call with this session and its CSRF header.
    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut req = self
            .browser
            .client
            .request(
                method,
                self.browser.url(&format!("/services/admin/v1{path}")),
            )
            .header("x-csrf-token", &self.csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    pub async fn create_private_app(&self, name: &str, scopes: &[&str]) -> Value {
        let res = self
            .admin(
                reqwest::Method::POST,
                "/private-apps",
                Some(json!({"name": name, "scopes": scopes})),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json().await.unwrap()
    }
}

pub async fn json_of(res: Response) -> (StatusCode, HeaderMap, Value) {
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let body =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, headers, body)
}
