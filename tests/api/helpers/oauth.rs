//! OAuth 2.0 (SPEC S5): apps, the authorization endpoint, the token endpoint.

use super::app::{json_of, TestApp};
use super::browser::{meta_csrf, Browser, Console};
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Response, StatusCode};
use serde_json::Value;

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
