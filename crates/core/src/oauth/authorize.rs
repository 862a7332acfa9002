//! The authorization endpoint (SPEC S5.2): check the request, ask for (or
//! remember) consent, and issue a single-use code bound to client, redirect
//! URI, user, scopes and PKCE challenge.
//!
//! This file holds the endpoint's outcomes (a failure, the checked request,
//! the next step) and the redirect and PKCE helpers; checking the request,
//! consent and codes live in the modules below.

mod check;
mod code;
mod consent;

pub use crate::model::oauth::{AuthCode, Consent};

use crate::model::oauth::OAuthApp;
use crate::oauth::error::OAuthError;
use crate::scope::ScopeSet;
use crate::services::Services;

/// Why an authorization request failed, and how the user agent learns it.
#[derive(Debug)]
pub enum AuthorizeFailure {
    /// The client or redirect URI cannot be trusted: show a page, never redirect.
    Page(String),
    /// The redirect URI is verified: send the error back to the client.
    Redirect {
        app: Box<OAuthApp>,
        redirect_uri: String,
        state: Option<String>,
        error: OAuthError,
    },
}

impl From<crate::Error> for AuthorizeFailure {
    fn from(e: crate::Error) -> Self {
        AuthorizeFailure::Page(OAuthError::from(e).description)
    }
}

impl From<crate::store::StoreError> for AuthorizeFailure {
    fn from(e: crate::store::StoreError) -> Self {
        AuthorizeFailure::from(crate::Error::from(e))
    }
}

/// A request that passed every check that needs no signed-in user.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub app: OAuthApp,
    pub owner_account_name: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub scopes: ScopeSet,
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Ask only when no grant covers the request.
    Default,
    /// `prompt=consent`: always ask.
    Consent,
    /// `prompt=none`: never show a page; fail instead.
    None,
}

/// What to do next for a signed-in user.
#[derive(Debug)]
pub enum AuthorizeStep {
    /// Send the user agent here (a code, or an error).
    Redirect(String),
    /// Show the consent page for this transaction.
    Consent {
        consent_id: String,
        request: Box<AuthorizationRequest>,
    },
}

/// RFC 7636 §4.1: 43 to 128 unreserved characters.
pub fn valid_pkce_string(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Build `uri` with `params` appended to its query.
pub fn redirect_with(uri: &str, params: &[(&str, Option<&str>)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut url) => {
            {
                let mut q = url.query_pairs_mut();
                for (k, v) in params {
                    if let Some(v) = v {
                        q.append_pair(k, v);
                    }
                }
            }
            url.to_string()
        }
        // Registered URIs are validated, so this cannot happen; fail closed.
        Err(_) => "about:blank".to_owned(),
    }
}

impl Services {
    /// The error redirect for a request whose redirect URI is verified.
    pub fn error_redirect(
        &self,
        redirect_uri: &str,
        state: Option<&str>,
        error: &OAuthError,
    ) -> String {
        redirect_with(
            redirect_uri,
            &[
                ("error", Some(error.code)),
                ("error_description", Some(&error.description)),
                ("state", state),
                ("iss", Some(&self.oauth.issuer)),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_strings() {
        assert!(valid_pkce_string(&"a".repeat(43)));
        assert!(valid_pkce_string(&"-._~".repeat(32)));
        assert!(!valid_pkce_string(&"a".repeat(42)));
        assert!(!valid_pkce_string(&"a".repeat(129)));
        assert!(!valid_pkce_string(&format!("{}+", "a".repeat(42))));
    }

    #[test]
    fn redirects_keep_the_registered_query_and_encode_values() {
        let url = redirect_with(
            "https://app.example/cb?tenant=1",
            &[
                ("code", Some("a b&c")),
                ("state", None),
                ("iss", Some("http://127.0.0.1:8080")),
            ],
        );
        assert_eq!(
            url,
            "https://app.example/cb?tenant=1&code=a+b%26c&iss=http%3A%2F%2F127.0.0.1%3A8080"
        );
    }
}
