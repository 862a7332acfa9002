//! Token introspection (RFC 7662): whether a token is active, and what it
//! grants, for its own client or an admin of its account.

use crate::model::oauth::OAuthApp;
use crate::oauth::error::OAuthError;
use crate::scope::ScopeSet;
use crate::services::Services;
use crate::store::TokenLookup;
use crate::token::{PlainToken, TokenKind};
use chrono::{DateTime, Utc};

/// Who asks to introspect.
pub enum Introspector<'a> {
    /// An authenticated client: only its own tokens.
    Client(&'a OAuthApp),
    /// A Private App token with `admin.read`: tokens of its account.
    Account(&'a str),
}

/// RFC 7662's answer for an active token.
#[derive(Debug)]
pub struct Introspection {
    pub scopes: ScopeSet,
    pub client_id: String,
    pub username: Option<String>,
    pub sub: String,
    pub exp: Option<DateTime<Utc>>,
    pub iat: DateTime<Utc>,
    pub is_refresh: bool,
}

impl Services {
    /// RFC 7662: `None` for anything that is not an active token the caller may see.
    pub async fn introspect(
        &self,
        caller: Introspector<'_>,
        text: &str,
    ) -> Result<Option<Introspection>, OAuthError> {
        let Ok(token) = PlainToken::parse(text.trim()) else {
            return Ok(None);
        };
        if !matches!(
            token.kind(),
            TokenKind::OAuthAccess | TokenKind::OAuthRefresh
        ) {
            return Ok(None);
        }
        let Some(TokenLookup {
            token: rec,
            client_id: Some(client_id),
            scopes,
            user,
            ..
        }) = self.store.find_token(&token.hash()).await?
        else {
            return Ok(None);
        };
        let visible = match caller {
            Introspector::Client(app) => app.client_id == client_id,
            Introspector::Account(account) => rec.account_id == account,
        };
        let now = self.clock.now();
        if !visible
            || !rec.is_live(now)
            || !rec.hash.ct_eq(&token.hash())
            || user.as_ref().is_some_and(|u| !u.active)
        {
            return Ok(None);
        }
        Ok(Some(Introspection {
            scopes,
            username: user.as_ref().map(|u| u.email.clone()),
            sub: user.map_or_else(|| client_id.clone(), |u| u.id),
            client_id,
            exp: rec.expires_at,
            iat: rec.created_at,
            is_refresh: rec.kind == TokenKind::OAuthRefresh,
        }))
    }
}
