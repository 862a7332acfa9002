//! Errors of the token, revocation and introspection endpoints (RFC 6749
//! §5.2) and of the authorization endpoint's redirects (§4.1.2.1).

use crate::error::Error;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    /// The RFC 6749 error code.
    pub code: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn new(code: &'static str, description: impl Into<String>) -> OAuthError {
        OAuthError {
            code,
            description: description.into(),
        }
    }

    pub fn invalid_request(d: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_request", d)
    }

    pub fn invalid_client(d: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_client", d)
    }

    pub fn invalid_grant(d: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_grant", d)
    }

    pub fn invalid_scope(d: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_scope", d)
    }

    pub fn unauthorized_client(d: impl Into<String>) -> OAuthError {
        OAuthError::new("unauthorized_client", d)
    }

    pub fn access_denied(d: impl Into<String>) -> OAuthError {
        OAuthError::new("access_denied", d)
    }
}

impl From<Error> for OAuthError {
    fn from(e: Error) -> OAuthError {
        match e {
            Error::Unavailable(why) => {
                tracing::error!(error = %why, "storage unavailable");
                OAuthError::new(
                    "temporarily_unavailable",
                    "the database is unreachable right now; retry shortly",
                )
            }
            other => {
                tracing::error!(error = %other, "oauth request failed");
                OAuthError::new("server_error", "the server failed to handle this request")
            }
        }
    }
}

impl From<crate::store::error::StoreError> for OAuthError {
    fn from(e: crate::store::error::StoreError) -> OAuthError {
        OAuthError::from(Error::from(e))
    }
}
