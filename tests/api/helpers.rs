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
    /// The server's services, for what no endpoint starts (maintenance).
    pub services: Arc<switchboard_core::Services>,
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

// ---------------------------------------------------------------------------
// OAuth 2.0 (SPEC S5): apps, the authorization endpoint, the token endpoint.

pub const OAUTH: &str = "/services/oauth2/v1";

/// A value that must be a JSON string.
pub fn string(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_owned()
}

/// An OAuth client as a test drives it: its id, its secret (confidential
/// clients only) and the redirect URI it sends.
#[derive(Clone, Debug)]
pub struct OAuthClient {
    pub id: String,
    pub secret: Option<String>,
    pub redirect_uri: String,
}

impl OAuthClient {
    /// From an admin-API app body, with its first registered redirect URI.
    pub fn of(app: &Value) -> OAuthClient {
        OAuthClient {
            id: string(&app["clientId"]),
            secret: app["clientSecret"].as_str().map(str::to_owned),
            redirect_uri: string(&app["redirectUris"][0]),
        }
    }

    /// The same client sending another redirect URI.
    pub fn redirecting_to(&self, uri: &str) -> OAuthClient {
        OAuthClient {
            redirect_uri: uri.to_owned(),
            ..self.clone()
        }
    }

    /// `response_type=code` request parameters with this scope and `state=st4te`.
    pub fn code_request<'a>(&'a self, scope: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("response_type", "code"),
            ("client_id", &self.id),
            ("redirect_uri", &self.redirect_uri),
            ("scope", scope),
            ("state", "st4te"),
        ]
    }
}

/// Register an OAuth app through the admin API; asserts `201`, returns the body.
pub async fn oauth_app(console: &Console, body: Value) -> Value {
    let res = console
        .admin(reqwest::Method::POST, "/oauth-apps", Some(body.clone()))
        .await;
    let (status, _, app) = json_of(res).await;
    assert_eq!(status, StatusCode::CREATED, "creating {body}: {app}");
    app
}

/// A `302` to the client: where to, and the query parameters.
#[derive(Debug)]
pub struct Redirected {
    pub to: url::Url,
    pub params: std::collections::HashMap<String, String>,
}

impl Redirected {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.get(key).map(String::as_str)
    }

    /// The redirect URI without the parameters the server appended.
    pub fn target(&self) -> String {
        let mut u = self.to.clone();
        u.set_query(None);
        u.to_string()
    }

    pub fn code(&self) -> String {
        match self.get("code") {
            Some(c) => c.to_owned(),
            None => panic!("no code in the redirect: {}", self.to),
        }
    }
}

/// Assert a `302` redirect to the client and read it.
pub fn redirected(res: &Response) -> Redirected {
    assert_eq!(
        res.status(),
        StatusCode::FOUND,
        "expected a 302 to the client ({})",
        res.url()
    );
    let location = res.headers()[LOCATION].to_str().unwrap();
    let to = url::Url::parse(location).unwrap_or_else(|e| panic!("{location}: {e}"));
    let params = to.query_pairs().into_owned().collect();
    Redirected { to, params }
}

/// Assert an error redirect with this `error`, `iss` and `state=st4te`.
pub fn assert_error_redirect(res: &Response, error: &str, issuer: &str) -> Redirected {
    let r = redirected(res);
    assert_eq!(r.get("error"), Some(error), "{}", r.to);
    assert!(r.get("error_description").is_some(), "{}", r.to);
    assert_eq!(r.get("iss"), Some(issuer), "{}", r.to);
    assert_eq!(r.get("code"), None, "{}", r.to);
    r
}

/// Assert the authorization endpoint's error page: 400 HTML, never a Location.
pub async fn assert_error_page(res: Response) -> String {
    let status = res.status();
    let location = res.headers().get(LOCATION).cloned();
    let content_type = res.headers().get("content-type").cloned();
    let html = res.text().await.unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{html}");
    assert_eq!(location, None, "an error page never redirects");
    assert!(
        content_type.is_some_and(|c| c.to_str().unwrap().starts_with("text/html")),
        "an HTML page"
    );
    html
}

/// The `value` of the hidden input `name` in a page.
pub fn hidden_input(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden input {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// A consent page as served.
pub struct ConsentPage {
    pub html: String,
    pub consent_id: String,
    pub csrf: String,
}

/// Assert a `200` consent page and read its form.
pub async fn consent_page(res: Response) -> ConsentPage {
    let status = res.status();
    let html = res.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "expected the consent page: {html}");
    assert!(
        html.contains(r#"action="/services/oauth2/v1/authorize/decision""#),
        "{html}"
    );
    let csrf = meta_csrf(&html);
    assert_eq!(hidden_input(&html, "csrf_token"), csrf);
    let consent_id = hidden_input(&html, "consent_id");
    ConsentPage {
        html,
        consent_id,
        csrf,
    }
}

impl Browser {
    /// `GET /authorize` with these parameters, in order (repeats allowed).
    pub async fn authorize(&self, params: &[(&str, &str)]) -> Response {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        self.get(&format!("{OAUTH}/authorize?{query}")).await
    }

    /// Answer a consent page with `decision` (`allow` or `deny`).
    pub async fn decide(&self, consent: &ConsentPage, decision: &str) -> Response {
        self.post_form(
            &format!("{OAUTH}/authorize/decision"),
            &[
                ("csrf_token", &consent.csrf),
                ("consent_id", &consent.consent_id),
                ("decision", decision),
            ],
        )
        .await
    }

    /// Authorize, allowing on the consent page when it is shown; the redirect.
    pub async fn authorize_and_allow(&self, params: &[(&str, &str)]) -> Redirected {
        let res = self.authorize(params).await;
        if res.status() == StatusCode::OK {
            let consent = consent_page(res).await;
            redirected(&self.decide(&consent, "allow").await)
        } else {
            redirected(&res)
        }
    }
}

/// Assert an RFC 6749 §5.2 error with this status and `error`, not cached.
pub fn assert_oauth_error(got: &(StatusCode, HeaderMap, Value), status: StatusCode, error: &str) {
    let (s, headers, body) = got;
    assert_eq!(
        (*s, body["error"].as_str()),
        (status, Some(error)),
        "{body}"
    );
    assert!(body["error_description"].is_string(), "{body}");
    assert_eq!(headers["cache-control"], "no-store");
}

impl TestApp {
    /// The issuer, as the server uses it: the configured one, with the port
    /// it bound in place of port 0 (`Config::for_tests`: its base URL).
    pub fn issuer(&self) -> String {
        let port = self.base.rsplit(':').next().unwrap();
        self.config
            .issuer
            .replacen("127.0.0.1:0", &format!("127.0.0.1:{port}"), 1)
    }

    /// POST a form to an OAuth endpoint (`token`, `revoke`, `introspect`) as
    /// `client`: HTTP Basic when it has a secret, else `client_id` in the body.
    pub async fn oauth_post(
        &self,
        endpoint: &str,
        client: &OAuthClient,
        form: &[(&str, &str)],
    ) -> Response {
        let mut req = self.api().post(self.url(&format!("{OAUTH}/{endpoint}")));
        let mut form = form.to_vec();
        match &client.secret {
            Some(secret) => req = req.basic_auth(&client.id, Some(secret)),
            None => form.push(("client_id", &client.id)),
        }
        req.form(&form).send().await.unwrap()
    }

    /// A token request as `client`.
    pub async fn token(
        &self,
        client: &OAuthClient,
        form: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, Value) {
        json_of(self.oauth_post("token", client, form).await).await
    }

    /// Exchange a code (with the client's redirect URI and `extra` parameters).
    pub async fn exchange(
        &self,
        client: &OAuthClient,
        code: &str,
        extra: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, Value) {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", client.redirect_uri.as_str()),
        ];
        form.extend_from_slice(extra);
        self.token(client, &form).await
    }

    /// Refresh as `client`, with `extra` parameters (e.g. `scope`).
    pub async fn refresh(
        &self,
        client: &OAuthClient,
        refresh_token: &str,
        extra: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, Value) {
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        form.extend_from_slice(extra);
        self.token(client, &form).await
    }

    /// The whole authorization-code flow for a confidential client (no PKCE)
    /// in a signed-in `browser`; asserts success, returns the token response.
    pub async fn oauth_tokens(
        &self,
        browser: &Browser,
        client: &OAuthClient,
        scope: &str,
    ) -> Value {
        let code = browser
            .authorize_and_allow(&client.code_request(scope))
            .await
            .code();
        let (status, _, body) = self.exchange(client, &code, &[]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// `/me` with this token: just the status.
    pub async fn me_status(&self, token: &str) -> StatusCode {
        self.me(token).await.status()
    }
}

/// `scope` of a token response or `/me`'s `scopes`, sorted.
pub fn scopes_of(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = match v {
        Value::String(s) => s.split(' ').map(str::to_owned).collect(),
        Value::Array(a) => a.iter().map(string).collect(),
        other => panic!("no scopes in {other}"),
    };
    out.sort();
    out
}

/// `scopes` of a space-separated list, sorted.
pub fn sorted(scopes: &str) -> Vec<String> {
    scopes_of(&Value::String(scopes.to_owned()))
}

// ---------------------------------------------------------------------------
// A real browser (headless Chromium through chromedriver), for browser tests.

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
