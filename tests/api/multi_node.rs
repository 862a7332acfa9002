//! Several `serve` nodes on one PostgreSQL database, and readiness while the
//! database goes away and comes back.

use crate::backends::{postgres_available, Backend, TestDb};
use crate::helpers::{json_of, oauth_app, OAuthClient, TestApp, OAUTH, PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

#[tokio::test]
async fn tokens_issued_revoked_and_rotated_on_one_node_hold_on_another() {
    if !postgres_available().await {
        return;
    }
    let a = TestApp::spawn(Backend::Postgres).await;
    let b = a.spawn_node().await;
    let (console, admin) = a
        .account_with_token("Cluster", &["admin.read", "admin.write"])
        .await;
    // `/me` on B until it answers `want`: within SPEC S3's second (each node
    // caches look-ups; changes reach the others by LISTEN/NOTIFY).
    let on_b = |token: String, want: StatusCode| {
        let url = b.url("/services/oauth2/v1/me");
        let client = a.api();
        async move {
            let started = Instant::now();
            loop {
                let got = client
                    .get(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .status();
                if got == want || started.elapsed() > Duration::from_secs(1) {
                    return got;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };

    // Created on A, works on B.
    let created = console
        .create_private_app("shared", &["contacts.read"])
        .await;
    let (id, token) = (
        created["id"].as_str().unwrap().to_owned(),
        created["token"].as_str().unwrap().to_owned(),
    );
    assert_eq!(on_b(token.clone(), StatusCode::OK).await, StatusCode::OK);

    // Rotated on A (no grace): refused on B within 1 s, the new one accepted.
    let rotated = json_of(
        console
            .admin(Method::POST, &format!("/private-apps/{id}/rotate"), None)
            .await,
    )
    .await
    .2;
    let new_token = rotated["token"].as_str().unwrap().to_owned();
    let started = Instant::now();
    assert_eq!(
        on_b(token.clone(), StatusCode::UNAUTHORIZED).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(
        on_b(new_token.clone(), StatusCode::OK).await,
        StatusCode::OK
    );

    // Scope change on A applies on B within 1 s.
    let res = a
        .api()
        .patch(a.url(&format!("/services/admin/v1/private-apps/{id}")))
        .bearer_auth(&admin)
        .json(&json!({"scopes": ["tickets.read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let started = Instant::now();
    loop {
        let me = json_of(
            a.api()
                .get(b.url("/services/oauth2/v1/me"))
                .bearer_auth(&new_token)
                .send()
                .await
                .unwrap(),
        )
        .await
        .2;
        if me["scopes"] == json!(["tickets.read"]) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1), "{me}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Revoked (deleted) on A: refused on B.
    assert_eq!(
        console
            .admin(Method::DELETE, &format!("/private-apps/{id}"), None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        on_b(new_token, StatusCode::UNAUTHORIZED).await,
        StatusCode::UNAUTHORIZED
    );

    // Expiry is the same instant on every node (they share the clock here, the database in production).
    let short = json_of(
        console
            .admin(
                Method::POST,
                "/private-apps",
                Some(json!({"name": "short", "scopes": ["contacts.read"], "expiresInDays": 30})),
            )
            .await,
    )
    .await
    .2;
    let short_token = short["token"].as_str().unwrap().to_owned();
    assert_eq!(
        on_b(short_token.clone(), StatusCode::OK).await,
        StatusCode::OK
    );
    a.clock.advance(chrono::Duration::days(31));
    assert_eq!(
        on_b(short_token, StatusCode::UNAUTHORIZED).await,
        StatusCode::UNAUTHORIZED
    );
}

/// Each node caches client look-ups: a client secret rotated, or an app
/// deleted, on A is refused at B's token and introspection endpoints within
/// SPEC S3's second, although B had just used (and cached) the client.
#[tokio::test]
async fn client_secrets_rotated_or_deleted_on_one_node_are_refused_on_another() {
    if !postgres_available().await {
        return;
    }
    let a = TestApp::spawn(Backend::Postgres).await;
    let b = a.spawn_node().await;
    let console = a.sign_up("Client Cluster", "clients@node.example").await;
    let created = oauth_app(
        &console,
        json!({"name": "Roaming", "redirectUris": ["https://ok.example/cb"], "scopes": ["contacts.read"]}),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let client = OAuthClient::of(&created);
    let old_secret = client.secret.clone().unwrap();
    // B's `endpoint` with these client credentials: the status and body.
    let on_b = |endpoint: &'static str, secret: String, form: Vec<(&'static str, String)>| {
        let req = a
            .api()
            .post(b.url(&format!("{OAUTH}/{endpoint}")))
            .basic_auth(&client.id, Some(secret))
            .form(&form);
        async move { json_of(req.send().await.unwrap()).await }
    };
    let cc = || vec![("grant_type", "client_credentials".to_owned())];
    // Poll B until the client is refused (401 invalid_client); how long it took.
    let refused_on_b =
        |endpoint: &'static str, secret: String, form: Vec<(&'static str, String)>| {
            let on_b = &on_b;
            async move {
                let started = Instant::now();
                loop {
                    let (status, _, body) = on_b(endpoint, secret.clone(), form.clone()).await;
                    if status == StatusCode::UNAUTHORIZED {
                        assert_eq!(body["error"], "invalid_client", "{body}");
                        return started.elapsed();
                    }
                    assert_eq!(status, StatusCode::OK, "{body}");
                    assert!(
                        started.elapsed() < Duration::from_secs(1),
                        "still accepted on B after 1 s"
                    );
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        };

    // Used on B (so cached there): a token, and its introspection.
    let (status, _, issued) = on_b("token", old_secret.clone(), cc()).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    let token = issued["access_token"].as_str().unwrap().to_owned();
    let introspect = || vec![("token", token.clone())];
    for _ in 0..3 {
        let (status, _, body) = on_b("introspect", old_secret.clone(), introspect()).await;
        assert_eq!((status, &body["active"]), (StatusCode::OK, &json!(true)));
    }

    // Rotated on A: the old secret is refused on B, the new one works there.
    let (status, _, rotated) = json_of(
        console
            .admin(
                Method::POST,
                &format!("/oauth-apps/{id}/rotate-secret"),
                None,
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new_secret = rotated["clientSecret"].as_str().unwrap().to_owned();
    refused_on_b("introspect", old_secret.clone(), introspect()).await;
    refused_on_b("token", old_secret, cc()).await;
    let (status, _, body) = on_b("token", new_secret.clone(), cc()).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Deleted on A: refused on B, which had just used the new secret.
    let (status, _, body) = on_b("introspect", new_secret.clone(), introspect()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        console
            .admin(Method::DELETE, &format!("/oauth-apps/{id}"), None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    refused_on_b("introspect", new_secret, introspect()).await;
}

#[tokio::test]
async fn sessions_csrf_and_login_work_across_nodes() {
    if !postgres_available().await {
        return;
    }
    let a = TestApp::spawn(Backend::Postgres).await;
    let b = a.spawn_node().await;
    a.sign_up("Roaming", "roam@node.example").await;

    // The login form comes from A, the post goes to B (a load balancer without stickiness).
    let browser = a.browser();
    let csrf = browser.page_csrf("/login").await;
    let res = browser
        .client
        .post(b.url("/login"))
        .form(&[
            ("email", "roam@node.example"),
            ("password", PASSWORD),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap()
    );

    // The session made on B works on A; its CSRF token from A's page works on B.
    let settings_csrf = browser.page_csrf("/settings").await;
    let res = browser
        .client
        .post(b.url("/services/admin/v1/private-apps"))
        .header("x-csrf-token", &settings_csrf)
        .json(&json!({"name": "cross", "scopes": ["contacts.read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);

    // Sign out on B ends the session on A.
    let res = browser
        .client
        .post(b.url("/logout"))
        .form(&[("csrf_token", settings_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get("/settings").await.status(),
        StatusCode::SEE_OTHER
    );
}

/// A TCP proxy in front of PostgreSQL that the test can cut and restore.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    conns: Arc<tokio::sync::Mutex<JoinSet<()>>>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let conns = Arc::new(tokio::sync::Mutex::new(JoinSet::new()));
        let (up2, conns2) = (up.clone(), conns.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is refused
                }
                let target = target.clone();
                conns2.lock().await.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Proxy { port, up, conns }
    }

    /// Drop every open connection and refuse new ones.
    async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.conns.lock().await.abort_all();
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

async fn wait_for_ready(app: &TestApp, want: StatusCode) -> Duration {
    let started = Instant::now();
    loop {
        let status = app
            .api()
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status();
        if status == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "/readyz never became {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn readyz_follows_the_database_without_a_restart() {
    if !postgres_available().await {
        return;
    }
    let db = TestDb::create().await;
    let (server, name) = db.url.rsplit_once('/').unwrap();
    let host_port = server.rsplit('@').next().unwrap().to_owned();
    let proxy = Proxy::start(host_port.clone()).await;
    let via_proxy = format!(
        "{}/{name}",
        server.replace(&host_port, &format!("127.0.0.1:{}", proxy.port))
    );
    let app =
        TestApp::spawn_with(Backend::Sqlite, |c| c.database_url = Some(via_proxy.into())).await;
    let (_, token) = app.account_with_token("Ready", &["contacts.read"]).await;

    wait_for_ready(&app, StatusCode::OK).await;
    proxy.cut().await;
    let down = wait_for_ready(&app, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(down < Duration::from_secs(5), "noticed after {down:?}");
    // API calls fail cleanly meanwhile: a JSON 503 with Retry-After, no hang.
    let (status, headers, body) = json_of(app.me(&token).await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"], "temporarily_unavailable");
    assert!(headers.contains_key("retry-after"));

    proxy.restore();
    wait_for_ready(&app, StatusCode::OK).await;
    assert_eq!(
        app.me(&token).await.status(),
        StatusCode::OK,
        "works again without a restart"
    );
    drop(app);
    drop(db);
}

#[tokio::test]
async fn idempotency_keys_and_feed_cursors_hold_across_nodes() {
    if !postgres_available().await {
        return;
    }
    let a = TestApp::spawn(Backend::Postgres).await;
    let b = a.spawn_node().await;
    let (_, token) = a
        .account_with_token("Sync Cluster", &["contacts.read", "contacts.write"])
        .await;
    let post = |base: String| {
        a.api()
            .post(format!("{base}/services/ccaas/v1/contacts"))
            .bearer_auth(&token)
            .header("idempotency-key", "same-key")
            .json(&json!({"firstName": "Once"}))
            .send()
    };
    let (status, _, first) = json_of(post(a.base.clone()).await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, headers, retry) = json_of(post(b.base.clone()).await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        retry, first,
        "the retry on another node replays the first answer"
    );
    assert_eq!(headers["idempotent-replayed"], "true");

    // A cursor from A's feed continues on B.
    let feed = |base: String, since: String| {
        a.api()
            .get(format!(
                "{base}/services/ccaas/v1/contacts/changes?since={since}"
            ))
            .bearer_auth(&token)
            .send()
    };
    let (_, _, page) = json_of(feed(a.base.clone(), "c0".into()).await.unwrap()).await;
    assert_eq!(page["changes"].as_array().unwrap().len(), 1);
    let cursor = page["nextCursor"].as_str().unwrap().to_owned();
    let res = a
        .api()
        .post(b.url("/services/ccaas/v1/contacts"))
        .bearer_auth(&token)
        .json(&json!({"firstName": "Second"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let (_, _, next) = json_of(feed(b.base.clone(), cursor).await.unwrap()).await;
    let changes = next["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["record"]["firstName"], "Second");
}
