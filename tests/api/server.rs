//! The server itself, whatever the route: health and readiness probes,
//! request ids, Prometheus metrics, and the request timeout.

use crate::helpers::{Backend, TestApp};
use reqwest::StatusCode;

on_both_backends!(
    health_and_request_ids,
    a_request_that_takes_too_long_is_answered_408,
);

async fn health_and_request_ids(backend: Backend) {
    const METRICS_TOKEN: &str = "scrape-me-0123456789";
    let app = TestApp::spawn_with(backend, |c| {
        c.metrics_token = Some(METRICS_TOKEN.to_owned().into())
    })
    .await;
    for path in ["/healthz", "/readyz", "/nope", "/services/nope"] {
        let res = app.api().get(app.url(path)).send().await.unwrap();
        assert!(res.headers().contains_key("x-request-id"), "{path}");
    }
    assert_eq!(
        app.api()
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let res = app
        .api()
        .get(app.url("/services/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["error"],
        "not_found"
    );
    // Prometheus metrics, labelled by route template (not by raw path), for
    // the holder of the metrics token only; without a token set, not served.
    for wrong in [None, Some("scrape-me-wrong"), Some("")] {
        let mut req = app.api().get(app.url("/metrics"));
        if let Some(t) = wrong {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{wrong:?}");
        assert!(res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer"));
    }
    let plain = TestApp::spawn(backend).await;
    let res = plain.api().get(plain.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let metrics = app
        .api()
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.unwrap();
    assert!(text.contains("switchboard_http_requests_total"), "{text}");
    assert!(text.contains(r#"route="/readyz""#));
    assert!(text.contains("switchboard_http_request_duration_seconds_bucket"));
    // A request id sent by the client is kept.
    let res = app
        .api()
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
}

/// A client that sends its headers and then trickles (or stalls) its body
/// holds a connection; past the request timeout it gets 408.
async fn a_request_that_takes_too_long_is_answered_408(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(backend, |c| c.request_timeout_secs = 1).await;
    let (_, token) = app.account_with_token("Slow Co", &["contacts.write"]).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /services/ccaas/v1/contacts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"first"
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    // The server closes the connection after its answer: read it all.
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        conn.read_to_end(&mut answer),
    )
    .await
    .expect("no answer within 5 s")
    .unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_millis(900));
    let answer = String::from_utf8_lossy(&answer).to_string();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["error"], "request_timeout", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("longer than 1 s"),
        "{body}"
    );
}
