//! SPEC S7: every error on the data API and the admin API is the JSON
//! envelope `{"error","message"}`, whatever rejected the request (path,
//! query, body, content type, route, method). The OAuth endpoints keep RFC
//! 6749's shape and the console its HTML pages.

use crate::helpers::{json_of, Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::Value;

on_both_backends!(every_rejection_gets_the_json_envelope);

pub(crate) const DATA: &str = "/services/ccaas/v1";
pub(crate) const ADMIN: &str = "/services/admin/v1";

/// One request with a bearer token and, optionally, a raw body and its
/// content type (`None`: no Content-Type header at all).
pub(crate) async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Body,
) -> reqwest::Response {
    let mut req = app.api().request(method, app.url(path)).bearer_auth(token);
    if let Some((content_type, bytes)) = body {
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        req = req.body(bytes);
    }
    req.send().await.unwrap()
}

/// A raw body and its content type (`None`: no Content-Type header).
pub(crate) type Body = Option<(Option<&'static str>, Vec<u8>)>;

/// method, path, body; the expected status and `error` code.
type Case = (Method, String, Body, StatusCode, &'static str);

pub(crate) fn json_body(text: &str) -> Body {
    Some((Some("application/json"), text.as_bytes().to_vec()))
}

/// Assert S7's envelope: this status, `content-type: application/json`, this
/// `error` code and a non-empty `message`; returns the body.
pub(crate) async fn assert_envelope(
    what: &str,
    res: reqwest::Response,
    status: StatusCode,
    code: &str,
) -> Value {
    let got_status = res.status();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = res.text().await.unwrap();
    assert_eq!(got_status, status, "{what}: {text}");
    assert!(
        content_type.starts_with("application/json"),
        "{what}: content-type {content_type:?}, body {text}"
    );
    let body: Value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: not JSON: {text}"));
    assert_eq!(body["error"], code, "{what}: {body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{what}: no message in {body}");
    body
}

async fn every_rejection_gets_the_json_envelope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (console, token) = app
        .account_with_token(
            "Envelope",
            &[
                "contacts.read",
                "contacts.write",
                "admin.read",
                "admin.write",
            ],
        )
        .await;
    let (_, _, apps) = json_of(console.admin(Method::GET, "/private-apps", None).await).await;
    let app_id = apps[0]["id"].as_str().unwrap().to_owned();
    let (_, _, contact) = json_of(
        send(
            &app,
            &token,
            Method::POST,
            &format!("{DATA}/contacts"),
            json_body(r#"{"firstName":"Ada"}"#),
        )
        .await,
    )
    .await;
    let contact_id = contact["id"].as_str().unwrap().to_owned();

    let bad = StatusCode::BAD_REQUEST;
    let cases: Vec<Case> = vec![
        // Path parameters that are not UTF-8 once decoded.
        (
            Method::GET,
            format!("{DATA}/contacts/%FF%FE"),
            None,
            bad,
            "invalid_request",
        ),
        (
            Method::GET,
            format!("{DATA}/%FF/x"),
            None,
            bad,
            "invalid_request",
        ),
        (
            Method::DELETE,
            format!("{DATA}/contacts/%C3%28"),
            None,
            bad,
            "invalid_request",
        ),
        (
            Method::GET,
            format!("{ADMIN}/private-apps/%FF%FE"),
            None,
            bad,
            "invalid_request",
        ),
        (
            Method::PATCH,
            format!("{ADMIN}/users/%FF"),
            json_body(r#"{"active":true}"#),
            bad,
            "invalid_request",
        ),
        (
            Method::DELETE,
            format!("{ADMIN}/grants/%FF%FE"),
            None,
            bad,
            "invalid_request",
        ),
        (
            Method::GET,
            format!("{ADMIN}/oauth-apps/%FF"),
            None,
            bad,
            "invalid_request",
        ),
        (
            Method::DELETE,
            format!("{ADMIN}/private-apps/%FF/logo"),
            None,
            bad,
            "invalid_request",
        ),
        // Query parameters of the wrong type.
        (
            Method::GET,
            format!("{DATA}/contacts?limit=abc"),
            None,
            bad,
            "invalid_request",
        ),
        (
            Method::GET,
            format!("{ADMIN}/audit-log?limit=abc"),
            None,
            bad,
            "invalid_request",
        ),
        (
            Method::GET,
            format!("{ADMIN}/audit-log?since=yesterday"),
            None,
            bad,
            "invalid_request",
        ),
        // Malformed JSON, and valid JSON followed by garbage.
        (
            Method::POST,
            format!("{DATA}/contacts"),
            json_body(r#"{"firstName":"#),
            bad,
            "invalid_json",
        ),
        (
            Method::POST,
            format!("{DATA}/contacts"),
            json_body(r#"{"firstName":"a"} trailing"#),
            bad,
            "invalid_json",
        ),
        (
            Method::POST,
            format!("{DATA}/contacts"),
            json_body(r#"{"firstName":"a"}{}"#),
            bad,
            "invalid_json",
        ),
        (
            Method::PUT,
            format!("{DATA}/contacts/{contact_id}"),
            json_body(r#"{"firstName":"b"} x"#),
            bad,
            "invalid_json",
        ),
        (
            Method::PATCH,
            format!("{DATA}/contacts/{contact_id}"),
            json_body(r#"{"firstName":"b"}]"#),
            bad,
            "invalid_json",
        ),
        (
            Method::POST,
            format!("{ADMIN}/private-apps"),
            json_body(r#"{"name":"x","scopes":["contacts.read"]} }}trailing"#),
            bad,
            "invalid_json",
        ),
        (
            Method::PATCH,
            format!("{ADMIN}/private-apps/{app_id}"),
            json_body(r#"{"name":"y"} 1"#),
            bad,
            "invalid_json",
        ),
        (
            Method::POST,
            format!("{ADMIN}/private-apps/{app_id}/rotate"),
            json_body(r#"{} {}"#),
            bad,
            "invalid_json",
        ),
        // Wrong or missing content type.
        (
            Method::POST,
            format!("{DATA}/contacts"),
            Some((Some("text/plain"), br#"{"firstName":"a"}"#.to_vec())),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            Method::POST,
            format!("{DATA}/contacts"),
            Some((None, br#"{"firstName":"a"}"#.to_vec())),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            Method::POST,
            format!("{ADMIN}/private-apps"),
            Some((
                Some("application/x-www-form-urlencoded"),
                b"name=x".to_vec(),
            )),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        // JSON that is not an object.
        (
            Method::POST,
            format!("{DATA}/contacts"),
            json_body(r#"["firstName"]"#),
            bad,
            "invalid_request",
        ),
        (
            Method::POST,
            format!("{DATA}/contacts"),
            json_body(r#""firstName""#),
            bad,
            "invalid_request",
        ),
        (
            Method::PATCH,
            format!("{DATA}/contacts/{contact_id}"),
            json_body("42"),
            bad,
            "invalid_request",
        ),
        (
            Method::POST,
            format!("{ADMIN}/private-apps"),
            json_body("[]"),
            bad,
            "invalid_request",
        ),
        (
            Method::POST,
            format!("{ADMIN}/users"),
            json_body("null"),
            bad,
            "invalid_request",
        ),
        // A body over 1 MiB where the raw bytes are taken (logo upload).
        (
            Method::PUT,
            format!("{ADMIN}/private-apps/{app_id}/logo"),
            Some((Some("image/png"), vec![0u8; 1024 * 1024 + 1])),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        // Unknown routes under both prefixes.
        (
            Method::GET,
            DATA.to_owned(),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::GET,
            format!("{DATA}/contacts/{contact_id}/extra"),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::GET,
            format!("{DATA}/widgets"),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::GET,
            ADMIN.to_owned(),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::GET,
            format!("{ADMIN}/nothing-here"),
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Method::POST,
            format!("{ADMIN}/private-apps/{app_id}/nothing"),
            json_body("{}"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        // Known routes, wrong method.
        (
            Method::DELETE,
            format!("{DATA}/contacts"),
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::POST,
            format!("{DATA}/contacts/{contact_id}"),
            json_body("{}"),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::PUT,
            format!("{ADMIN}/private-apps"),
            json_body("{}"),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            Method::GET,
            format!("{ADMIN}/private-apps/{app_id}/rotate"),
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let what = format!("{method} {path}");
        let not_an_object = body.as_ref().is_some_and(|(_, bytes)| {
            serde_json::from_slice::<Value>(bytes).is_ok_and(|v| !v.is_object())
        });
        let res = send(&app, &token, method, &path, body).await;
        if status == StatusCode::METHOD_NOT_ALLOWED {
            assert!(
                res.headers().contains_key("allow"),
                "{what}: no Allow header"
            );
        }
        let err = assert_envelope(&what, res, status, code).await;
        let message = err["message"].as_str().unwrap();
        if code == "invalid_json" {
            assert!(message.contains("not valid JSON"), "{what}: {err}");
        }
        if not_an_object {
            assert_eq!(message, "the body must be a JSON object", "{what}: {err}");
        }
        if path.contains("limit=abc") {
            assert!(message.contains("limit"), "{what}: {err}");
        }
        if path.contains("%FF") || path.contains("%C3") {
            assert!(message.contains("UTF-8"), "{what}: {err}");
        }
    }

    // The same without a token: the 401 comes first, still the envelope.
    let res = app
        .api()
        .get(app.url(&format!("{DATA}/contacts/%FF%FE")))
        .send()
        .await
        .unwrap();
    assert_envelope("no token", res, StatusCode::UNAUTHORIZED, "unauthorized").await;

    // The OAuth endpoints keep RFC 6749's shape; the console its HTML pages.
    let res = app
        .api()
        .post(app.url("/services/oauth2/v1/token"))
        .form(&[("grant_type", "nonsense")])
        .send()
        .await
        .unwrap();
    let (status, _, err) = json_of(res).await;
    assert!(status.is_client_error(), "{err}");
    assert!(
        err["error"].is_string() && err["error_description"].is_string(),
        "{err}"
    );
    assert!(err.get("message").is_none(), "{err}");
    let res = console.browser.get("/settings/no-such-page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
}
