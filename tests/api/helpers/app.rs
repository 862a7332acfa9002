//! `TestApp`: a real server on port 0 with a fresh database of the given
//! backend and a manual clock, plus one helper per endpoint the tests use;
//! further nodes on the same database; reading a response as JSON.

use super::browser::{Browser, Console};
use crate::backends::{Backend, TestDb};
use chrono::Utc;
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use std::sync::Arc;
use switchboard::{Application, Config};
use switchboard_core::clock::ManualClock;
use tokio::sync::oneshot;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    pub clock: ManualClock,
    /// The server's services, for what no endpoint starts (maintenance).
    pub services: Arc<switchboard_core::Services>,
    pub(super) config: Config,
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

type Started = (String, oneshot::Sender<()>, Arc<switchboard_core::Services>);

async fn start(config: Config, clock: ManualClock) -> Started {
    let app = Application::build_with_clock(config, Arc::new(clock))
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let services = app.services();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    (base, stop, services)
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// A server on a fresh database of the given backend.
    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_at(backend, Utc::now(), tweak).await
    }

    /// The same, with the server's clock starting at `started_at`.
    pub async fn spawn_at(
        backend: Backend,
        started_at: chrono::DateTime<Utc>,
        tweak: impl FnOnce(&mut Config),
    ) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_tests(dir.path());
        let db = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(TestDb::create().await),
        };
        config.database_url = db.as_ref().map(|d| d.url.clone().into());
        tweak(&mut config);
        let clock = ManualClock::new(started_at);
        let (base, stop, services) = start(config.clone(), clock.clone()).await;
        TestApp {
            base,
            clock,
            services,
            config,
            _stop: stop,
            _db: db,
            _dir: dir,
        }
    }

    /// Another node on this app's database, sharing its clock.
    pub async fn spawn_node(&self) -> Node {
        let (base, stop, _) = start(self.config.clone(), self.clock.clone()).await;
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

    /// The database URL this app's nodes use.
    pub fn database_url(&self) -> String {
        use secrecy::ExposeSecret;
        match &self.config.database_url {
            Some(u) => u.expose_secret().to_owned(),
            None => format!(
                "sqlite://{}",
                self.config.data_dir.join("switchboard.db").display()
            ),
        }
    }

    /// Run one SQL statement straight against this app's database, to plant
    /// what an older release or a race would leave; returns the rows changed.
    pub async fn sql(&self, statement: &str) -> u64 {
        use sqlx::Connection;
        let url = self.database_url();
        if url.starts_with("sqlite:") {
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            let done = sqlx::query(statement).execute(&mut conn).await.unwrap();
            done.rows_affected()
        } else {
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            let done = sqlx::query(statement).execute(&mut conn).await.unwrap();
            done.rows_affected()
        }
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

impl Node {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
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
