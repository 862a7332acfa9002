//! Limits under abuse (issue 11): how deep a JSON body may nest, how large
//! and how slow a request head may be.

use crate::helpers::{json_of, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

on_both_backends!(
    json_nested_deeper_than_the_limit_is_refused_on_the_data_api,
    json_nesting_limit_is_configurable_and_holds_on_the_admin_api,
);

/// `{"a":{"a":…{"b":1}…}}`: `levels` objects, one inside the other.
fn nested(levels: usize) -> String {
    format!(
        "{}{{\"b\":1}}{}",
        "{\"a\":".repeat(levels - 1),
        "}".repeat(levels - 1)
    )
}

async fn post_raw(app: &TestApp, path: &str, token: &str, body: String) -> (StatusCode, Value) {
    let res = app
        .api()
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, _, body) = json_of(res).await;
    (status, body)
}

async fn json_nested_deeper_than_the_limit_is_refused_on_the_data_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = app.account_with_token("Deep Co", &["contacts.write"]).await;
    let contacts = "/services/ccaas/v1/contacts";

    // 33 levels (the contact object and 32 inside it): refused before any field is read.
    let body = format!("{{\"firstName\":\"Ada\",\"x\":{}}}", nested(32));
    let (status, err) = post_raw(&app, contacts, &token, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"], "invalid_json", "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("33 levels deep"), "{message}");
    assert!(message.contains("limit is 32"), "{message}");

    // 32 levels is within the limit: the body is read, and the unknown field is named.
    let body = format!("{{\"firstName\":\"Ada\",\"x\":{}}}", nested(31));
    let (status, err) = post_raw(&app, contacts, &token, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"], "invalid_request", "{err}");

    // A thousand levels (past serde_json's own limit): the same answer, no 500.
    let (status, err) = post_raw(&app, contacts, &token, nested(1000)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("1000 levels"),
        "{err}"
    );
}

async fn json_nesting_limit_is_configurable_and_holds_on_the_admin_api(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.max_json_depth = 2).await;
    let (_, admin) = app
        .account_with_token("Shallow Co", &["admin.write", "contacts.write"])
        .await;

    // Two levels (an object holding an array) is the limit: created.
    let ok = json!({"name": "sync", "scopes": ["contacts.read"]}).to_string();
    let (status, body) = post_raw(&app, "/services/admin/v1/private-apps", &admin, ok).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Three levels: refused on the admin API …
    let deep = json!({"name": "sync", "scopes": [["contacts.read"]]}).to_string();
    let (status, err) = post_raw(&app, "/services/admin/v1/private-apps", &admin, deep).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"], "invalid_json", "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("3 levels deep; the limit is 2 levels"),
        "{err}"
    );

    // … and on the data API, where the default would have allowed it.
    let deep = json!({"firstName": "Ada", "tags": [["x"]]}).to_string();
    let (status, err) = post_raw(&app, "/services/ccaas/v1/contacts", &admin, deep).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"], "invalid_json", "{err}");
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// One HTTP/1.1 response off a raw connection: its head, and its body by
/// `Content-Length`.
async fn read_response(conn: &mut TcpStream) -> (String, String) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut byte))
            .await
            .expect("no answer within 5 s")
            .unwrap();
        assert_eq!(n, 1, "closed mid-head: {}", String::from_utf8_lossy(&buf));
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap();
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    conn.read_exact(&mut body).await.unwrap();
    (head, String::from_utf8(body).unwrap())
}

/// Whether the server has closed the connection within `within`.
async fn closed_within(conn: &mut TcpStream, within: Duration) -> bool {
    let mut rest = Vec::new();
    match tokio::time::timeout(within, conn.read_to_end(&mut rest)).await {
        Ok(Ok(_)) => {
            assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
            true
        }
        Ok(Err(_)) => true, // reset
        Err(_) => false,
    }
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: switchboard\r\n\r\n";

#[tokio::test]
async fn a_stalled_request_head_is_dropped_after_the_header_read_timeout() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.header_read_timeout_secs = 1).await;

    // Half a request line, then nothing: closed, without an answer, after 1 s.
    let mut conn = connect(&app).await;
    conn.write_all(b"GET /healthz HT").await.unwrap();
    let started = Instant::now();
    assert!(closed_within(&mut conn, Duration::from_secs(5)).await);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
        "{waited:?}"
    );

    // Trickling one byte every 200 ms does not reset the clock (slowloris).
    let mut conn = connect(&app).await;
    let started = Instant::now();
    let request = b"GET /healthz HTTP/1.1\r\nHost: switchboard\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut cut_off = false;
    for byte in request.iter() {
        if conn.write_all(&[*byte]).await.is_err()
            || closed_within(&mut conn, Duration::from_millis(200)).await
        {
            cut_off = true;
            break;
        }
    }
    assert!(
        cut_off,
        "a head trickled over {:?} was served",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    // A prompt client is served.
    let mut conn = connect(&app).await;
    conn.write_all(HEALTHZ).await.unwrap();
    let (head, _) = read_response(&mut conn).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
}

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.header_read_timeout_secs = 1).await;
    let mut conn = connect(&app).await;
    for _ in 0..3 {
        conn.write_all(HEALTHZ).await.unwrap();
        let (head, body) = read_response(&mut conn).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            !head.to_ascii_lowercase().contains("connection: close"),
            "{head}"
        );
        assert!(body.contains("ok"), "{body}");
    }
    // An idle keep-alive connection is held to the same timeout as a slow head.
    assert!(closed_within(&mut conn, Duration::from_secs(3)).await);
}

#[tokio::test]
async fn a_request_head_over_the_size_cap_is_answered_431_and_the_connection_closed() {
    let app = TestApp::spawn(Backend::Sqlite).await; // 16 KiB
    let head = |bytes: usize| {
        format!(
            "GET /healthz HTTP/1.1\r\nHost: switchboard\r\nX-Big: {}\r\n\r\n",
            "a".repeat(bytes)
        )
    };

    // 20 KiB of header: hyper answers 431 with an empty body (before the
    // router, so not the JSON envelope) and closes the connection.
    let mut conn = connect(&app).await;
    conn.write_all(head(20 * 1024).as_bytes()).await.unwrap();
    let (status, body) = read_response(&mut conn).await;
    assert!(status.starts_with("HTTP/1.1 431"), "{status}");
    assert_eq!(body, "");
    assert!(closed_within(&mut conn, Duration::from_secs(2)).await);

    // 15 KiB fits.
    let mut conn = connect(&app).await;
    conn.write_all(head(15 * 1024).as_bytes()).await.unwrap();
    let (status, _) = read_response(&mut conn).await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");

    // The cap is a setting.
    let small = TestApp::spawn_with(Backend::Sqlite, |c| c.max_header_bytes = 4096).await;
    let mut conn = connect(&small).await;
    conn.write_all(head(5 * 1024).as_bytes()).await.unwrap();
    let (status, _) = read_response(&mut conn).await;
    assert!(status.starts_with("HTTP/1.1 431"), "{status}");
}
