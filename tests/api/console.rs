//! Sign-up, sign-in, sign-out and sessions, through the real forms.

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
