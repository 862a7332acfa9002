//! The `scope` parameter of an authorization or token request.

use super::error::OAuthError;
use crate::scope::ScopeSet;

/// A `scope` parameter at authorize, the token endpoint or refresh: known
/// scopes only, and never the admin scopes (SPEC S2), whatever an app
/// registered before that rule.
pub fn parse_requested_scopes(raw: &str) -> Result<ScopeSet, OAuthError> {
    let set = ScopeSet::parse_spaced(raw)
        .map_err(|bad| OAuthError::invalid_scope(format!("unknown scope {bad:?}")))?;
    if let Some(s) = set.iter().find(|s| !s.grantable_to_oauth_app()) {
        return Err(OAuthError::invalid_scope(format!(
            "{s} can be granted to Private Apps only, never through OAuth"
        )));
    }
    Ok(set)
}
