//! What a store call can fail with.

/// A driver's error, kept as the source of a `StoreError`.
pub type DriverError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique constraint that the write may run into was violated.
    #[error("unique constraint {} violated", .0.name())]
    Unique(Constraint),
    /// The database is unreachable, busy, or rolled the transaction back
    /// (serialization failure, deadlock): worth retrying.
    #[error("storage unavailable: {0}")]
    Unavailable(#[source] DriverError),
    /// Any other failure of the database or its driver.
    #[error("storage error: {0}")]
    Database(#[source] DriverError),
    /// The database cannot be opened or migrated as configured.
    #[error("{0}")]
    Setup(String),
    /// The call broke the port's contract: a bug in the caller.
    #[error("misused store: {0}")]
    Contract(String),
    /// A stored value this version cannot read (corrupt, or from elsewhere).
    #[error("unexpected stored value: {0}")]
    Corrupt(String),
    /// The write would leave the account without an active admin; nothing changed.
    #[error("the account would be left without an active admin")]
    LastAdmin,
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The unique constraints callers handle, named alike in every backend's
/// migrations (SQLite does not report names: the statement says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    /// `users_email_key`: one user per email address.
    UserEmail,
    /// `oauth_apps_client_id_key`: client ids are unique.
    OAuthClientId,
}

impl Constraint {
    pub fn name(self) -> &'static str {
        match self {
            Constraint::UserEmail => "users_email_key",
            Constraint::OAuthClientId => "oauth_apps_client_id_key",
        }
    }
}
