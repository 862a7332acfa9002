//! The authorization endpoint (SPEC S5.2): check the request, ask for (or
//! remember) consent, and issue a single-use code bound to client, redirect
//! URI, user, scopes and PKCE challenge.

use super::grant::Grant;
use super::{redirect, OAuthApp, OAuthError, Visibility, CODE_TTL_MINUTES};
use crate::account::{Role, User};
use crate::audit::AuditEntry;
use crate::ids::new_id;
use crate::scope::{Scope, ScopeSet};
use crate::services::Services;
use crate::session::ActiveSession;
use crate::token::{random_secret, TokenHash};
use chrono::{DateTime, Duration, Utc};

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

/// A consent transaction, stored server-side and bound to one session: the
/// form can only say allow or deny to exactly this.
#[derive(Debug, Clone)]
pub struct Consent {
    pub id_hash: TokenHash,
    pub session_hash: TokenHash,
    pub user_id: String,
    pub app_id: String,
    pub redirect_uri: String,
    pub scopes: ScopeSet,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A stored authorization code (only its hash).
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub id: String,
    pub code_hash: TokenHash,
    pub grant_id: String,
    pub app_id: String,
    pub user_id: String,
    pub account_id: String,
    pub redirect_uri: String,
    pub scopes: ScopeSet,
    pub code_challenge: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
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
                let set = super::parse_requested_scopes(s).map_err(fail)?;
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

    /// The next step for a signed-in user: a remembered grant's code, or consent.
    pub async fn authorize_signed_in(
        &self,
        req: AuthorizationRequest,
        session: &ActiveSession,
    ) -> Result<AuthorizeStep, AuthorizeFailure> {
        let user = &session.user;
        let fail = |error: OAuthError| AuthorizeFailure::Redirect {
            app: Box::new(req.app.clone()),
            redirect_uri: req.redirect_uri.clone(),
            state: req.state.clone(),
            error,
        };
        if req.app.visibility == Visibility::Private && user.account_id != req.app.account_id {
            return Err(fail(OAuthError::access_denied(
                "this app is private to the account that registered it",
            )));
        }
        if user.role != Role::Admin
            && (req.scopes.contains(Scope::AdminRead) || req.scopes.contains(Scope::AdminWrite))
        {
            return Err(fail(OAuthError::access_denied(
                "only account admins can grant the admin scopes",
            )));
        }
        let remembered = if req.app.is_confidential() && req.prompt != Prompt::Consent {
            self.store
                .find_live_grant(&req.app.id, &user.id)
                .await?
                .filter(|g| req.scopes.iter().all(|s| g.scopes.contains(s)))
        } else {
            None
        };
        if let Some(grant) = remembered {
            let url = self
                .issue_code(
                    &req.app,
                    user,
                    grant,
                    &req.redirect_uri,
                    &req.scopes,
                    req.code_challenge.clone(),
                    req.state.as_deref(),
                    false,
                )
                .await?;
            return Ok(AuthorizeStep::Redirect(url));
        }
        if req.prompt == Prompt::None {
            return Err(fail(OAuthError::new(
                "consent_required",
                "the user has not yet authorized this app (prompt=none)",
            )));
        }
        let now = self.clock.now();
        let consent_id = random_secret();
        self.store
            .insert_consent(&Consent {
                id_hash: TokenHash::of(&consent_id),
                session_hash: session.session.id_hash.clone(),
                user_id: user.id.clone(),
                app_id: req.app.id.clone(),
                redirect_uri: req.redirect_uri.clone(),
                scopes: req.scopes.clone(),
                state: req.state.clone(),
                code_challenge: req.code_challenge.clone(),
                created_at: now,
                expires_at: now + Duration::minutes(CODE_TTL_MINUTES),
            })
            .await?;
        Ok(AuthorizeStep::Consent {
            consent_id,
            request: Box::new(req),
        })
    }

    /// The user's answer on the consent page. Returns where to send them.
    pub async fn decide_consent(
        &self,
        consent_id: &str,
        session: &ActiveSession,
        allow: bool,
    ) -> Result<String, AuthorizeFailure> {
        let gone = || {
            AuthorizeFailure::Page(
                "This authorization request has expired or was already answered. Start again from the app."
                    .into(),
            )
        };
        let consent = self
            .store
            .take_consent(&TokenHash::of(consent_id), &session.session.id_hash)
            .await?
            .ok_or_else(gone)?;
        let now = self.clock.now();
        if consent.expires_at <= now || consent.user_id != session.user.id {
            return Err(gone());
        }
        let app = self
            .store
            .get_oauth_app_by_id(&consent.app_id)
            .await?
            .ok_or_else(gone)?;
        // The app may have changed its redirect URIs or scopes meanwhile.
        if redirect::resolve(
            &app.redirect_uris,
            Some(&consent.redirect_uri),
            app.client_type,
        )
        .is_none()
        {
            return Err(AuthorizeFailure::Page(
                "the app no longer has this redirect URI".into(),
            ));
        }
        let private_elsewhere =
            app.visibility == Visibility::Private && session.user.account_id != app.account_id;
        if !allow || private_elsewhere {
            let why = if allow {
                "this app is private to the account that registered it"
            } else {
                "the user denied the request"
            };
            return Ok(self.error_redirect(
                &consent.redirect_uri,
                consent.state.as_deref(),
                &OAuthError::access_denied(why),
            ));
        }
        if consent.scopes.iter().any(|s| !app.scopes.contains(s)) {
            return Ok(self.error_redirect(
                &consent.redirect_uri,
                consent.state.as_deref(),
                &OAuthError::invalid_scope("the app's registered scopes changed; start again"),
            ));
        }
        let user = &session.user;
        let previous = self.store.find_live_grant(&app.id, &user.id).await?;
        let mut scopes: Vec<Scope> = consent.scopes.iter().collect();
        if let Some(p) = &previous {
            scopes.extend(p.scopes.iter().filter(|s| app.scopes.contains(*s)));
        }
        let grant = Grant {
            id: previous.as_ref().map_or_else(new_id, |g| g.id.clone()),
            account_id: user.account_id.clone(),
            app_id: app.id.clone(),
            user_id: Some(user.id.clone()),
            subject: user.id.clone(),
            scopes: scopes.into_iter().collect(),
            created_at: now,
            updated_at: now,
            last_used_at: None,
        };
        Ok(self
            .issue_code(
                &app,
                user,
                grant,
                &consent.redirect_uri,
                &consent.scopes,
                consent.code_challenge,
                consent.state.as_deref(),
                true,
            )
            .await?)
    }

    /// Store a code (and the grant, when consent was just given) and build
    /// the success redirect: `code`, `state`, `iss` (RFC 9207).
    #[allow(clippy::too_many_arguments)]
    async fn issue_code(
        &self,
        app: &OAuthApp,
        user: &User,
        grant: Grant,
        redirect_uri: &str,
        scopes: &ScopeSet,
        code_challenge: Option<String>,
        state: Option<&str>,
        save_grant: bool,
    ) -> crate::Result<String> {
        let now = self.clock.now();
        let code = random_secret();
        let grant = if save_grant {
            let actor = format!("user:{}", user.id);
            let audit = AuditEntry::new(
                &user.account_id,
                &actor,
                "oauth_grant.authorized",
                Some(&app.id),
                now,
            );
            self.store.save_grant(&grant, &audit).await?
        } else {
            grant
        };
        self.store
            .insert_code(&AuthCode {
                id: new_id(),
                code_hash: TokenHash::of(&code),
                grant_id: grant.id,
                app_id: app.id.clone(),
                user_id: user.id.clone(),
                account_id: user.account_id.clone(),
                redirect_uri: redirect_uri.to_owned(),
                scopes: scopes.clone(),
                code_challenge,
                created_at: now,
                expires_at: now + Duration::minutes(CODE_TTL_MINUTES),
                used_at: None,
            })
            .await?;
        Ok(redirect_with(
            redirect_uri,
            &[
                ("code", Some(&code)),
                ("state", state),
                ("iss", Some(&self.oauth.issuer)),
            ],
        ))
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
