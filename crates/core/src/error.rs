//! The one domain error. It says what went wrong, never which HTTP status that is.

use crate::scope::Scope;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing does not exist, or belongs to another account (never say which).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with existing state (a taken email, the last admin).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Input that parsed as JSON or a form but is not acceptable.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// No credentials, or credentials that are unknown, revoked or expired.
    #[error("{0}")]
    Unauthenticated(String),
    /// Valid credentials that lack the scope.
    #[error("this operation needs the {0} scope")]
    InsufficientScope(Scope),
    /// Authenticated but not allowed (a member on an admin page).
    #[error("{0}")]
    Forbidden(String),
    /// `If-Match` named a version that is no longer current.
    #[error("{0}")]
    PreconditionFailed(String),
    /// Too many attempts; try again after this many seconds.
    #[error("too many requests, retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// The database is unreachable or overloaded right now; worth retrying.
    #[error("storage temporarily unavailable: {0}")]
    Unavailable(String),
    /// Anything else: logged server-side, shown as an opaque 500.
    #[error(transparent)]
    Internal(#[from] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        let message: String = message.into();
        Error::Internal(message.into())
    }
}

impl From<crate::store::error::StoreError> for Error {
    fn from(e: crate::store::error::StoreError) -> Self {
        match e {
            crate::store::error::StoreError::NotFound => Error::NotFound("record"),
            crate::store::error::StoreError::Unavailable(why) => {
                Error::Unavailable(why.to_string())
            }
            other => Error::Internal(Box::new(other)),
        }
    }
}
