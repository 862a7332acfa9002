//! The token endpoint (SPEC S5.3, S5.4): a token request's parameters and
//! answer, the dispatch to its grant, and the scope and audit helpers the
//! grants share. Each grant, client authentication, revocation (RFC 7009)
//! and introspection (RFC 7662) live in the modules below.

mod authorization_code;
mod client_auth;
mod client_credentials;
mod introspection;
mod mint;
mod refresh;
mod revocation;

pub use client_auth::ClientAuth;
pub use introspection::{Introspection, Introspector};

use crate::model::audit::AuditEntry;
use crate::model::oauth::OAuthApp;
use crate::oauth::error::OAuthError;
use crate::scope::ScopeSet;
use crate::services::Services;
use crate::token::PlainToken;
use chrono::{DateTime, Utc};

/// The parameters of a token request (each at most once; checked by the caller).
#[derive(Debug, Default)]
pub struct TokenRequest<'a> {
    pub grant_type: Option<&'a str>,
    pub code: Option<&'a str>,
    pub redirect_uri: Option<&'a str>,
    pub code_verifier: Option<&'a str>,
    pub refresh_token: Option<&'a str>,
    pub scope: Option<&'a str>,
}

/// A successful token response.
#[derive(Debug)]
pub struct IssuedTokens {
    pub access_token: PlainToken,
    pub scopes: ScopeSet,
    pub expires_in: Option<i64>,
    pub refresh_token: Option<PlainToken>,
}

fn parse_scope_param(raw: Option<&str>) -> Result<Option<ScopeSet>, OAuthError> {
    match raw {
        None => Ok(None),
        Some(s) => super::parse_requested_scopes(s).map(|set| (!set.is_empty()).then_some(set)),
    }
}

fn narrow(requested: Option<ScopeSet>, allowed: &ScopeSet) -> Result<ScopeSet, OAuthError> {
    match requested {
        None => Ok(allowed.clone()),
        Some(set) => {
            if let Some(extra) = set.iter().find(|s| !allowed.contains(*s)) {
                return Err(OAuthError::invalid_scope(format!(
                    "the {extra} scope was not granted; a scope can only be narrowed"
                )));
            }
            Ok(set)
        }
    }
}

fn intersect(a: &ScopeSet, b: &ScopeSet) -> ScopeSet {
    a.iter().filter(|s| b.contains(*s)).collect()
}

impl Services {
    /// Run one grant for an authenticated client.
    pub async fn token(
        &self,
        app: &OAuthApp,
        req: &TokenRequest<'_>,
    ) -> Result<IssuedTokens, OAuthError> {
        match req.grant_type {
            None => Err(OAuthError::invalid_request("the grant_type parameter is missing")),
            Some("authorization_code" | "authorisation_code") => self.exchange_code(app, req).await,
            Some("refresh_token") => self.refresh(app, req).await,
            Some("client_credentials") => self.client_credentials(app, req).await,
            Some(other) => Err(OAuthError::new(
                "unsupported_grant_type",
                format!("grant_type {other:?} is not supported; use authorization_code, refresh_token or client_credentials"),
            )),
        }
    }
}

/// An audit entry for what a client's own request changed.
fn client_audit(
    app: &OAuthApp,
    account_id: &str,
    action: &str,
    target: &str,
    now: DateTime<Utc>,
) -> AuditEntry {
    let actor = format!("oauth_app:{}", app.id);
    AuditEntry::new(account_id, &actor, action, Some(target), now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_only_narrow() {
        let granted = ScopeSet::parse_spaced("contacts.read tickets.read").unwrap();
        assert_eq!(narrow(None, &granted).unwrap(), granted);
        let narrower = ScopeSet::parse_spaced("contacts.read").unwrap();
        assert_eq!(narrow(Some(narrower.clone()), &granted).unwrap(), narrower);
        let wider = ScopeSet::parse_spaced("contacts.read contacts.write").unwrap();
        assert_eq!(
            narrow(Some(wider), &granted).unwrap_err().code,
            "invalid_scope"
        );
    }
}
