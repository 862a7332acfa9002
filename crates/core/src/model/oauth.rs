//! The OAuth server's stored things: apps, grants, authorization codes and
//! consent transactions.

use super::scope::ScopeSet;
use super::token::TokenHash;
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Only users of the owning account may authorize it.
    Private,
    /// Users of any account may.
    Public,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientType {
    /// Has a secret.
    Confidential,
    /// Native or browser app: no secret, PKCE required.
    Public,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessTokenLifetime {
    /// The seed's permanent access token.
    Never,
    OneHour,
    OneDay,
}

impl AccessTokenLifetime {
    pub fn duration(self) -> Option<Duration> {
        match self {
            AccessTokenLifetime::Never => None,
            AccessTokenLifetime::OneHour => Some(Duration::hours(1)),
            AccessTokenLifetime::OneDay => Some(Duration::hours(24)),
        }
    }
}

#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub id: String,
    pub account_id: String,
    pub client_id: String,
    pub name: String,
    pub description: String,
    pub redirect_uris: Vec<String>,
    pub scopes: ScopeSet,
    pub visibility: Visibility,
    pub client_type: ClientType,
    pub require_pkce: bool,
    pub access_token_lifetime: AccessTokenLifetime,
    /// The client secret sealed under the server key (confidential clients).
    pub secret_sealed: Option<String>,
    pub secret_hash: Option<TokenHash>,
    pub logo_id: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OAuthApp {
    /// Is PKCE required for this app, given the server-wide setting?
    pub fn pkce_required(&self, server_wide: bool) -> bool {
        server_wide || self.require_pkce || self.client_type == ClientType::Public
    }

    pub fn is_confidential(&self) -> bool {
        self.client_type == ClientType::Confidential
    }
}

/// The subject of a `client_credentials` grant: the app itself.
pub const APP_SUBJECT: &str = "app";

#[derive(Debug, Clone)]
pub struct Grant {
    pub id: String,
    /// The account whose data the grant reaches: the authorizing user's.
    pub account_id: String,
    pub app_id: String,
    pub user_id: Option<String>,
    /// `user_id`, or [`APP_SUBJECT`]: one grant per app and subject.
    pub subject: String,
    pub scopes: ScopeSet,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A live grant with the names the console and the admin API show.
#[derive(Debug, Clone)]
pub struct GrantView {
    pub grant: Grant,
    pub app_name: String,
    pub client_id: String,
    pub user_email: Option<String>,
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
