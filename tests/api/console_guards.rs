//! What guards the console's forms: CSRF tokens and the Origin check, and
//! wrong passwords throttled per email.

use crate::helpers::{Backend, TestApp, PASSWORD};
use reqwest::StatusCode;

on_both_backends!(
    forms_without_a_valid_csrf_token_or_from_another_origin_are_refused,
    wrong_passwords_are_throttled_per_email,
);

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
