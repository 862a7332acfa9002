//! Server-wide OAuth settings and the flow's fixed lifetimes.

use chrono::Duration;

/// Authorization codes and consent transactions live this long (SPEC S5.2).
pub const CODE_TTL_MINUTES: i64 = 10;

/// Server-wide OAuth settings (SPEC S5, S10).
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// The issuer, character for character.
    pub issuer: String,
    /// `--require-pkce`: every client must send a PKCE challenge.
    pub require_pkce: bool,
    /// A rotated refresh token presented again this soon gets a new pair.
    pub refresh_grace: Duration,
    /// Refresh tokens expire after this long unused …
    pub refresh_idle: Duration,
    /// … and this long after the grant's first token, whatever happens.
    pub refresh_absolute: Duration,
    /// Lifetime of `client_credentials` tokens, which act as the app itself.
    pub app_token_lifetime: Duration,
    /// Expired and revoked OAuth tokens are deleted this long afterwards.
    pub token_retention: Duration,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        OAuthSettings {
            issuer: "http://127.0.0.1:8080".into(),
            require_pkce: false,
            refresh_grace: Duration::seconds(10),
            refresh_idle: Duration::days(30),
            refresh_absolute: Duration::days(365),
            app_token_lifetime: Duration::seconds(3600),
            token_retention: Duration::days(7),
        }
    }
}
