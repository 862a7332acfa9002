//! A webhook receiver on 127.0.0.1 for the tests: it records every POST
//! and answers from a script (200 once the script is used up).

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How the receiver answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    Status(u16),
    /// Wait this long before answering 200 (past the server's timeout).
    Sleep(Duration),
    /// 302 to this URL.
    Redirect(String),
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub signature: String,
    pub content_type: String,
    pub body: String,
    pub json: Value,
    pub at: Instant,
}

impl Hit {
    pub fn kind(&self) -> &str {
        self.json["type"].as_str().unwrap_or("")
    }
    pub fn event_id(&self) -> &str {
        self.json["id"].as_str().unwrap_or("")
    }
}

pub struct Receiver {
    pub url: String,
    hits: mpsc::UnboundedReceiver<Hit>,
    script: Arc<Mutex<VecDeque<Reply>>>,
    _server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let (tx, hits) = mpsc::unbounded_channel();
        let script: Arc<Mutex<VecDeque<Reply>>> = Arc::default();
        let s = script.clone();
        let handler = move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            let s = s.clone();
            async move {
                let text = String::from_utf8_lossy(&body).into_owned();
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                };
                let _ = tx.send(Hit {
                    signature: header("switchboard-signature"),
                    content_type: header("content-type"),
                    json: serde_json::from_str(&text).unwrap_or(Value::Null),
                    body: text,
                    at: Instant::now(),
                });
                let reply = s.lock().unwrap().pop_front();
                let res: Response = match reply {
                    None => StatusCode::OK.into_response(),
                    Some(Reply::Status(code)) => {
                        StatusCode::from_u16(code).unwrap().into_response()
                    }
                    Some(Reply::Sleep(d)) => {
                        tokio::time::sleep(d).await;
                        StatusCode::OK.into_response()
                    }
                    Some(Reply::Redirect(to)) => {
                        (StatusCode::FOUND, [("location", to)]).into_response()
                    }
                };
                res
            }
        };
        let router = axum::Router::new().fallback(handler);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Receiver {
            url,
            hits,
            script,
            _server: server,
        }
    }

    /// Answer the next requests so, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.script.lock().unwrap().extend(replies);
    }

    /// The next request, waiting at most `within`.
    pub async fn next(&mut self, within: Duration) -> Option<Hit> {
        tokio::time::timeout(within, self.hits.recv())
            .await
            .ok()
            .flatten()
    }

    /// The next request, which must come within 5 s.
    pub async fn expect(&mut self) -> Hit {
        self.next(Duration::from_secs(5))
            .await
            .expect("no webhook delivery within 5 s")
    }

    /// Nothing arrives for `d`.
    pub async fn assert_quiet(&mut self, d: Duration) {
        if let Some(hit) = self.next(d).await {
            panic!("unexpected delivery: {}", hit.body);
        }
    }
}

/// `POST /webhooks` with `token`; returns `(id, secret)`.
pub async fn subscribe(
    app: &crate::helpers::TestApp,
    token: &str,
    target: &str,
    events: &[&str],
) -> (String, String) {
    let (status, _, body) = crate::helpers::json_of(
        app.api()
            .post(app.url("/services/ccaas/v1/webhooks"))
            .bearer_auth(token)
            .json(&serde_json::json!({"targetUrl": target, "events": events}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");
    (
        body["id"].as_str().unwrap().to_owned(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

/// Create a record of `module` with `body`; returns its id.
pub async fn create(
    app: &crate::helpers::TestApp,
    token: &str,
    module: &str,
    body: Value,
) -> String {
    let (status, _, body) = crate::helpers::json_of(
        app.api()
            .post(app.url(&format!("/services/ccaas/v1/{module}")))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// A server that may deliver to this host's receivers, with short timeouts
/// and retries.
pub async fn spawn_for_hooks(backend: crate::helpers::Backend) -> crate::helpers::TestApp {
    crate::helpers::TestApp::spawn_with(backend, |c| {
        c.webhooks.allow_private = true;
        c.webhooks.timeout_ms = 500;
        c.webhooks.retry_base_ms = 100;
    })
    .await
}

pub const RW: &[&str] = &[
    "contacts.read",
    "contacts.write",
    "tickets.read",
    "tickets.write",
];

impl Receiver {
    /// Forget the rest of the script: answer 200 from now on.
    pub fn clear_script(&self) {
        self.script.lock().unwrap().clear();
    }
}

/// Moves the server's manual clock on (1 s every 50 ms) while it lives, so
/// that retries scheduled by the server's clock come due.
pub struct Ticker(tokio::task::JoinHandle<()>);

impl Ticker {
    pub fn start(app: &crate::helpers::TestApp) -> Ticker {
        let clock = app.clock.clone();
        Ticker(tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(50)).await;
                clock.advance(chrono::Duration::seconds(1));
            }
        }))
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.0.abort();
    }
}
