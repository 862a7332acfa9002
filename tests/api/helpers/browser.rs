//! A browser (its own cookie jar, no redirects followed) and a signed-in
//! console user: the console's forms and the admin API with a session.

use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};

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

/// The content of `<meta name="csrf-token" content="…">`.
pub fn meta_csrf(html: &str) -> String {
    let marker = r#"<meta name="csrf-token" content=""#;
    let start = html.find(marker).expect("page has a csrf-token meta tag") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
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
