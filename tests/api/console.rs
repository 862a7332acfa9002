//! Sign-up, sign-in, sign-out, sessions and CSRF, through the real forms.

use crate::helpers::Backend;
use crate::helpers::{meta_csrf, TestApp, PASSWORD};
use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::StatusCode;

on_both_backends!(
    sign_up_lands_on_settings_with_secure_cookie_flags,
    https_issuer_uses_host_prefixed_secure_cookies,
    bad_sign_up_input_re_renders_the_form_with_the_problem,
    console_pages_need_a_session_and_login_returns_to_next,
    sign_in_renews_the_session_id_and_logout_ends_it,
    forms_without_a_valid_csrf_token_or_from_another_origin_are_refused,
    wrong_passwords_are_throttled_per_email,
    health_and_request_ids,
    a_request_that_takes_too_long_is_answered_408,
    private_apps_console_creates_rotates_and_deletes,
);

fn session_cookie_of(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("swb_session="))
}

async fn sign_up_lands_on_settings_with_secure_cookie_flags(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.browser();
    let res = browser
        .sign_up("Cookie Co", "Cy", "cy@cookie.example", PASSWORD)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/settings");
    let cookie = session_cookie_of(&res).expect("session cookie set");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: no Secure flag");
    let id = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("swb_session=");
    assert!(id.len() >= 22, "at least 128 bits of base62");

    let res = browser.get("/settings").await;
    assert_eq!(res.status(), StatusCode::OK);
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
    ] {
        assert_eq!(res.headers()[name], value);
    }
    assert!(res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let html = res.text().await.unwrap();
    assert!(html.contains("Cookie Co"));
    assert!(
        html.contains(r#"action="/logout""#),
        "the console home has the sign-out form"
    );
    assert!(!meta_csrf(&html).is_empty());
}

async fn https_issuer_uses_host_prefixed_secure_cookies(backend: Backend) {
    let app =
        TestApp::spawn_with(backend, |c| c.issuer = "https://switchboard.example".into()).await;
    let browser = app.browser();
    let res = browser.get("/signup").await;
    let csrf_cookie = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .next()
        .unwrap();
    assert!(csrf_cookie.starts_with("__Host-swb_csrf="), "{csrf_cookie}");
    assert!(csrf_cookie.contains("Secure"));
    // reqwest will not send a Secure cookie over http, so post it by hand.
    let value = csrf_cookie.split(';').next().unwrap().to_owned();
    let token = value.split('=').nth(1).unwrap().to_owned();
    let res = app
        .api()
        .post(app.url("/signup"))
        .header("cookie", value)
        .form(&[
            ("company", "S"),
            ("name", "S"),
            ("email", "s@secure.example"),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let session = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.contains("swb_session"))
        .unwrap();
    assert!(session.starts_with("__Host-swb_session="), "{session}");
    assert!(session.contains("Secure") && session.contains("HttpOnly"));
}

async fn bad_sign_up_input_re_renders_the_form_with_the_problem(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = app.browser();
    let cases = [
        ("", "n", "a@b.example", PASSWORD, "company"),
        ("C", "n", "not-an-email", PASSWORD, "email"),
        ("C", "n", "a@b.example", "short", "password"),
    ];
    for (company, name, email, password, needle) in cases {
        let res = browser.sign_up(company, name, email, password).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let html = res.text().await.unwrap();
        assert!(html.contains(needle), "{needle}: {html}");
        assert!(
            !html.contains(password) || password.is_empty(),
            "the password is never echoed"
        );
    }
    // Duplicate email, case-insensitively.
    assert_eq!(
        browser
            .sign_up("C", "n", "dup@x.example", PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let other = app.browser();
    let res = other.sign_up("D", "n", "DUP@x.example", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("already exists"));
}

async fn console_pages_need_a_session_and_login_returns_to_next(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_up("Next Co", "next@co.example").await;
    let browser = app.browser();
    let res = browser.get("/settings?tab=1").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/login?next=%2Fsettings%3Ftab%3D1");

    let res = browser
        .log_in("next@co.example", PASSWORD, Some("/settings?tab=1"))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/settings?tab=1");

    // Off-site `next` values fall back to /settings.
    for evil in [
        "//evil.example/x",
        "https://evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ] {
        let b = app.browser();
        let res = b.log_in("next@co.example", PASSWORD, Some(evil)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()[LOCATION], "/settings", "{evil}");
    }
}

async fn sign_in_renews_the_session_id_and_logout_ends_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let console = app.sign_up("Fixation", "fix@ation.example").await;
    let browser = console.browser;
    // Sign in while holding a session: a new id, and the old one is dead.
    let old_cookie = {
        let res = app
            .browser()
            .log_in("fix@ation.example", PASSWORD, None)
            .await;
        session_cookie_of(&res)
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    };
    let plain = app.api();
    let login_page = plain
        .get(app.url("/login"))
        .header("cookie", &old_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        login_page.status(),
        StatusCode::SEE_OTHER,
        "already signed in"
    );
    let fresh = app.browser();
    let csrf = fresh.page_csrf("/login").await;
    let csrf_cookie = format!("swb_csrf={csrf}");
    let res = plain
        .post(app.url("/login"))
        .header("cookie", format!("{old_cookie}; {csrf_cookie}"))
        .form(&[
            ("email", "fix@ation.example"),
            ("password", PASSWORD),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let new_cookie = session_cookie_of(&res)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(new_cookie, old_cookie, "a new session id at sign-in");
    let res = plain
        .get(app.url("/settings"))
        .header("cookie", &old_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "the pre-sign-in session no longer works"
    );
    let res = plain
        .get(app.url("/settings"))
        .header("cookie", &new_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // Logout needs the session's CSRF token, then ends the session.
    let html = browser.get("/settings").await.text().await.unwrap();
    let token = meta_csrf(&html);
    assert_eq!(
        browser
            .post_form("/logout", &[("csrf_token", "wrong")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let res = browser
        .post_form("/logout", &[("csrf_token", &token)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/login");
    assert_eq!(
        browser.get("/settings").await.status(),
        StatusCode::SEE_OTHER
    );
}

async fn forms_without_a_valid_csrf_token_or_from_another_origin_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_up("Csrf Co", "csrf@co.example").await;
    let browser = app.browser();
    let csrf = browser.page_csrf("/login").await;
    type Form<'a> = &'a [(&'a str, &'a str)];
    let attempts: [(Form, Option<&str>); 4] = [
        (
            &[("email", "csrf@co.example"), ("password", PASSWORD)],
            None,
        ),
        (
            &[
                ("email", "csrf@co.example"),
                ("password", PASSWORD),
                ("csrf_token", "forged"),
            ],
            None,
        ),
        (
            &[
                ("email", "csrf@co.example"),
                ("password", PASSWORD),
                ("csrf_token", &csrf),
            ],
            Some("https://evil.example"),
        ),
        (
            &[
                ("email", "csrf@co.example"),
                ("password", PASSWORD),
                ("csrf_token", "forged"),
            ],
            Some("null"),
        ),
    ];
    for (form, origin) in attempts {
        let mut req = browser.client.post(browser.url("/login")).form(form);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(res.text().await.unwrap().contains("CSRF"));
    }
    // A same-origin post with the token passes.
    let res = browser
        .client
        .post(browser.url("/login"))
        .header("origin", app.base.clone())
        .form(&[
            ("email", "csrf@co.example"),
            ("password", PASSWORD),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

async fn wrong_passwords_are_throttled_per_email(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.sign_up("Throttle", "t@throttle.example").await;
    let browser = app.browser();
    for _ in 0..5 {
        let res = browser
            .log_in("t@throttle.example", "wrong password!", None)
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(res.text().await.unwrap().contains("not correct"));
    }
    let res = browser.log_in("t@throttle.example", PASSWORD, None).await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(res.headers().contains_key("retry-after"));
    // Unknown emails get the same answer as wrong passwords.
    let res = app
        .browser()
        .log_in("nobody@throttle.example", PASSWORD, None)
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    app.clock.advance(chrono::Duration::minutes(16));
    let res = browser.log_in("t@throttle.example", PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

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

fn token_in(html: &str) -> String {
    let start = html.find("swb_pat_").expect("the page shows a token");
    html[start..].split('<').next().unwrap().to_owned()
}

/// A create or rotate answers 303 to the page that shows the token once,
/// never cached; a second visit shows none.
async fn token_after(b: &crate::helpers::Browser, res: reqwest::Response) -> (String, String) {
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = res.headers()[LOCATION].to_str().unwrap().to_owned();
    let id = page
        .split('?')
        .next()
        .unwrap()
        .trim_start_matches("/settings/private-apps/")
        .trim_end_matches("/token")
        .to_owned();
    let shown = b.get(&page).await;
    assert_eq!(shown.headers()["cache-control"], "no-store");
    let token = token_in(&shown.text().await.unwrap());
    let again = b.get(&page).await.text().await.unwrap();
    assert!(!again.contains("swb_pat_") && again.contains("already shown"));
    (id, token)
}

async fn private_apps_console_creates_rotates_and_deletes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app
        .sign_up("Console Apps", "admin@console-apps.example")
        .await;
    let b = &admin.browser;
    let page = b.get("/settings/private-apps").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Create a new token"));
    let html = b
        .get("/settings/private-apps/new")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"value="contacts.write""#));
    let csrf = meta_csrf(&html);

    // Create: the token is shown once, on a page that is not cached.
    let res = b
        .post_form(
            "/settings/private-apps",
            &[
                ("csrf_token", &csrf),
                ("name", "Zapier"),
                ("description", "sync"),
                ("scope", "contacts.read"),
                ("scope", "tickets.write"),
                ("expires_in_days", "90"),
            ],
        )
        .await;
    let (id, token) = token_after(b, res).await;
    let me = crate::helpers::json_of(app.me(&token).await).await.2;
    assert_eq!(
        me["scopes"],
        serde_json::json!(["contacts.read", "tickets.write"])
    );
    assert!(me["expiresAt"].is_string());
    let list = b.get("/settings/private-apps").await.text().await.unwrap();
    assert!(
        list.contains("Zapier") && !list.contains(&token),
        "the list never shows the token"
    );

    // Bad input re-renders the form with the problem; nothing is created.
    let res = b
        .post_form(
            "/settings/private-apps",
            &[("csrf_token", &csrf), ("name", "No scopes")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Choose at least one permission") && html.contains(r#"value="No scopes""#)
    );
    let res = b
        .post_form(
            "/settings/private-apps",
            &[("name", "x"), ("scope", "contacts.read")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "no CSRF token");

    // Rotate without grace: the old token dies, the new one works.
    let res = b
        .post_form(
            &format!("/settings/private-apps/{id}/rotate"),
            &[("csrf_token", &csrf), ("grace_seconds", "0")],
        )
        .await;
    let rotated = token_after(b, res).await.1;
    assert_eq!(app.me(&token).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.me(&rotated).await.status(), StatusCode::OK);

    // Delete.
    let res = b
        .post_form(
            &format!("/settings/private-apps/{id}/delete"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.me(&rotated).await.status(), StatusCode::UNAUTHORIZED);

    // Members may not manage Private Apps.
    admin
        .admin(
            reqwest::Method::POST,
            "/users",
            Some(serde_json::json!({"email": "m@console-apps.example", "name": "M", "password": PASSWORD, "role": "member"})),
        )
        .await;
    let member = app.browser();
    member
        .log_in("m@console-apps.example", PASSWORD, None)
        .await;
    assert_eq!(
        member.get("/settings/private-apps").await.status(),
        StatusCode::FORBIDDEN
    );
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
