//! Checking an authorization request's parameters (RFC 6749 §4.1.1, PKCE,
//! `prompt`): the client and redirect URI first, whose failures are a page,
//! then everything else, whose failures go back to the redirect URI.

use super::{valid_pkce_string, AuthorizationRequest, AuthorizeFailure, Prompt};
use crate::oauth::error::OAuthError;
use crate::oauth::redirect;
use crate::services::Services;

/// The parameters, each at most once (RFC 6749 §3.1).
struct Params<'a>(&'a [(String, String)]);

impl<'a> Params<'a> {
    /// `Err` names the parameter when it was sent more than once.
    fn one(&self, name: &str) -> Result<Option<&'a str>, String> {
        let mut found = self
            .0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        let first = found.next();
        if found.next().is_some() {
            return Err(format!("the {name} parameter was sent more than once"));
        }
        Ok(first.filter(|v| !v.is_empty()))
    }
}

impl Services {
    /// Check a request's parameters: the client and redirect URI first (a
    /// failure there is a page), then everything else (a redirect).
    pub async fn check_authorization(
        &self,
        pairs: &[(String, String)],
    ) -> Result<AuthorizationRequest, AuthorizeFailure> {
        let p = Params(pairs);
        let page = AuthorizeFailure::Page;
        let client_id = p
            .one("client_id")
            .map_err(page)?
            .ok_or_else(|| page("the client_id parameter is missing".into()))?;
        let Some((app, owner_account_name)) =
            self.store.find_oauth_app_by_client_id(client_id).await?
        else {
            return Err(page(format!("no app has the client_id {client_id:?}")));
        };
        let uri = p.one("redirect_uri").map_err(page)?;
        let url_alias = p.one("redirect_url").map_err(page)?;
        if uri.is_some() && url_alias.is_some() {
            return Err(page("send redirect_uri or redirect_url, not both".into()));
        }
        let presented = uri.or(url_alias);
        let Some(redirect_uri) =
            redirect::resolve(&app.redirect_uris, presented, app.client_type).map(str::to_owned)
        else {
            return Err(page(match presented {
                Some(_) => "the redirect_uri is not registered for this app (redirect URIs must match exactly)".into(),
                None => "the redirect_uri parameter is missing and the app has several registered".into(),
            }));
        };
        // From here on, errors go back to the verified redirect URI.
        let state_result = p.one("state");
        let state = state_result.clone().ok().flatten().map(str::to_owned);
        let fail = |error: OAuthError| AuthorizeFailure::Redirect {
            app: Box::new(app.clone()),
            redirect_uri: redirect_uri.clone(),
            state: state.clone(),
            error,
        };
        state_result.map_err(|m| fail(OAuthError::invalid_request(m)))?;
        let one = |name: &str| {
            p.one(name)
                .map_err(|m| fail(OAuthError::invalid_request(m)))
        };
        match one("response_type")? {
            None => {
                return Err(fail(OAuthError::invalid_request(
                    "the response_type parameter is missing (use response_type=code)",
                )))
            }
            Some("code") => {}
            Some(other) => {
                return Err(fail(OAuthError::new(
                    "unsupported_response_type",
                    format!("response_type {other:?} is not supported; use code"),
                )))
            }
        }
        let scopes = match one("scope")? {
            None => app.scopes.clone(),
            Some(s) => {
                let set = crate::oauth::scope_param::parse_requested_scopes(s).map_err(fail)?;
                if let Some(extra) = set.iter().find(|s| !app.scopes.contains(*s)) {
                    return Err(fail(OAuthError::invalid_scope(format!(
                        "the app is not registered for the {extra} scope"
                    ))));
                }
                if set.is_empty() {
                    app.scopes.clone()
                } else {
                    set
                }
            }
        };
        let challenge = one("code_challenge")?;
        let method = one("code_challenge_method")?;
        let code_challenge = match (challenge, method) {
            (Some(c), Some("S256")) if valid_pkce_string(c) => Some(c.to_owned()),
            (Some(_), Some("S256")) => {
                return Err(fail(OAuthError::invalid_request(
                    "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
                )))
            }
            (Some(_), Some("plain")) | (Some(_), None) => {
                return Err(fail(OAuthError::invalid_request(
                    "the plain PKCE method is refused: send code_challenge_method=S256",
                )))
            }
            (_, Some(m)) if m != "S256" => {
                return Err(fail(OAuthError::invalid_request(format!(
                    "code_challenge_method {m:?} is not supported; use S256"
                ))))
            }
            (None, Some(_)) => {
                return Err(fail(OAuthError::invalid_request(
                    "code_challenge_method was sent without a code_challenge",
                )))
            }
            _ => None,
        };
        if code_challenge.is_none() && app.pkce_required(self.oauth.require_pkce) {
            return Err(fail(OAuthError::invalid_request(
                "this app requires PKCE: send code_challenge and code_challenge_method=S256",
            )));
        }
        let prompt = match one("prompt")? {
            None => Prompt::Default,
            Some("consent") => Prompt::Consent,
            Some("none") => Prompt::None,
            Some(other) => {
                return Err(fail(OAuthError::invalid_request(format!(
                    "prompt {other:?} is not supported; use consent or none"
                ))))
            }
        };
        Ok(AuthorizationRequest {
            app,
            owner_account_name,
            redirect_uri,
            state,
            scopes,
            code_challenge,
            prompt,
        })
    }
}
