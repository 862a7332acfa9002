//! Who is calling: the result of authenticating a token or a console session.

use crate::account::{Role, User};
use crate::error::{Error, Result};
use crate::scope::{Scope, ScopeSet};
use crate::services::Services;
use crate::session::ActiveSession;
use crate::store::TokenLookup;
use crate::token::{PlainToken, TokenFormatError, TokenKind};
use chrono::{DateTime, Utc};

/// `last_used_at` is written at most once a minute per token (SPEC S3).
pub const TOKEN_TOUCH_INTERVAL_MS: i64 = 60_000;

#[derive(Debug, Clone)]
pub enum Actor {
    /// An admin or member in the console (session cookie).
    User(User),
    /// A Private App token acting for the account.
    PrivateApp {
        app_id: String,
        app_name: String,
        token_id: String,
    },
    /// An OAuth access token: for the user who authorized the app, or (the
    /// `client_credentials` grant) for the app itself.
    OAuth {
        app_id: String,
        app_name: String,
        client_id: String,
        user: Option<User>,
        token_id: String,
        /// The grant the token was issued under (what webhooks belong to).
        grant_id: Option<String>,
    },
}

impl Actor {
    /// The token behind the call, for per-token rate limits.
    pub fn token_id(&self) -> Option<&str> {
        match self {
            Actor::User(_) => None,
            Actor::PrivateApp { token_id, .. } | Actor::OAuth { token_id, .. } => Some(token_id),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub account_id: String,
    pub account_name: String,
    pub actor: Actor,
    pub scopes: ScopeSet,
    pub expires_at: Option<DateTime<Utc>>,
    /// Set when the caller is a console session: writes must echo this token.
    pub session_csrf: Option<String>,
}

impl Principal {
    pub fn require(&self, scope: Scope) -> Result<()> {
        if self.scopes.contains(scope) {
            Ok(())
        } else {
            Err(Error::InsufficientScope(scope))
        }
    }

    /// How the audit log names this caller.
    pub fn actor_ref(&self) -> String {
        match &self.actor {
            Actor::User(u) => format!("user:{}", u.id),
            Actor::PrivateApp { app_id, .. } => format!("private_app:{app_id}"),
            Actor::OAuth { user: Some(u), .. } => format!("user:{}", u.id),
            Actor::OAuth { app_id, .. } => format!("oauth_app:{app_id}"),
        }
    }

    /// A console session: admins hold the admin scopes, members none.
    pub fn from_session(s: &ActiveSession) -> Principal {
        let scopes = match s.user.role {
            Role::Admin => [Scope::AdminRead, Scope::AdminWrite].into_iter().collect(),
            Role::Member => ScopeSet::default(),
        };
        Principal {
            account_id: s.account.id.clone(),
            account_name: s.account.name.clone(),
            actor: Actor::User(s.user.clone()),
            scopes,
            expires_at: None,
            session_csrf: Some(s.session.csrf_token.clone()),
        }
    }
}

impl Services {
    /// Authenticate a bearer token. The checksum is checked before any read;
    /// then one indexed lookup by SHA-256.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate_token(&self, presented: &str) -> Result<Principal> {
        let token = PlainToken::parse(presented).map_err(|e| {
            Error::Unauthenticated(match e {
                TokenFormatError::BadChecksum => {
                    "the token's checksum is wrong: it was mistyped or truncated".into()
                }
                other => format!("not a valid access token: {other}"),
            })
        })?;
        if !matches!(token.kind(), TokenKind::PrivateApp | TokenKind::OAuthAccess) {
            return Err(Error::Unauthenticated(
                "this kind of token cannot be used as an access token".into(),
            ));
        }
        let hash = token.hash();
        let found = self.store.find_token(&hash).await?;
        let Some(TokenLookup {
            token: record,
            account_name,
            app_id,
            app_name,
            mut scopes,
            user,
            client_id,
        }) = found
        else {
            return Err(Error::Unauthenticated(
                "the token is unknown or has been deleted".into(),
            ));
        };
        if !record.hash.ct_eq(&hash) {
            return Err(Error::Unauthenticated(
                "the token is unknown or has been deleted".into(),
            ));
        }
        let now = self.clock.now();
        if record.revoked_at.is_some() {
            return Err(Error::Unauthenticated("the token has been revoked".into()));
        }
        if record.expires_at.is_some_and(|e| e <= now) {
            return Err(Error::Unauthenticated("the token has expired".into()));
        }
        if user.as_ref().is_some_and(|u| !u.active) {
            return Err(Error::Unauthenticated(
                "the user this token acts for is deactivated".into(),
            ));
        }
        let due = |t: Option<DateTime<Utc>>| {
            t.is_none_or(|t| (now - t).num_milliseconds() >= TOKEN_TOUCH_INTERVAL_MS)
        };
        if due(record.last_used_at) && due(self.token_touches.get(&record.id)) {
            self.token_touches.insert(record.id.clone(), now);
            // Off the request path: a slow write must not slow the API call.
            let store = self.store.clone();
            let id = record.id.clone();
            tokio::spawn(async move {
                if let Err(e) = store.touch_token(&id, now, TOKEN_TOUCH_INTERVAL_MS).await {
                    tracing::warn!(error = %e, "could not record token use");
                }
            });
        }
        let actor = match (record.kind, client_id) {
            (TokenKind::OAuthAccess, Some(client_id)) => {
                // The admin API takes Private App tokens and console sessions
                // only (SPEC S2, S8): an OAuth token never carries admin scopes,
                // whatever an older release stored with it.
                scopes = scopes.retain(Scope::grantable_to_oauth_app);
                Actor::OAuth {
                    app_id,
                    app_name,
                    client_id,
                    user,
                    token_id: record.id.clone(),
                    grant_id: record.grant_id.clone(),
                }
            }
            (TokenKind::PrivateApp, None) => Actor::PrivateApp {
                app_id,
                app_name,
                token_id: record.id.clone(),
            },
            _ => {
                return Err(Error::Unauthenticated(
                    "the token is unknown or has been deleted".into(),
                ))
            }
        };
        Ok(Principal {
            account_id: record.account_id,
            account_name,
            actor,
            scopes,
            expires_at: record.expires_at,
            session_csrf: None,
        })
    }
}
