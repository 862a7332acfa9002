//! Minting: the access token (and refresh token) a grant issues, and the
//! token records that go into the store with them. Every grant ends here.

use super::IssuedTokens;
use crate::ids::new_id;
use crate::model::oauth::OAuthApp;
use crate::scope::{Scope, ScopeSet};
use crate::services::Services;
use crate::store::TokenRecord;
use crate::token::{PlainToken, TokenKind};
use chrono::{DateTime, Utc};

/// Where new tokens belong.
pub(super) struct Family<'a> {
    pub(super) app: &'a OAuthApp,
    pub(super) grant_id: &'a str,
    pub(super) account_id: &'a str,
    pub(super) user_id: Option<&'a str>,
    pub(super) family_id: String,
    pub(super) started_at: DateTime<Utc>,
}

impl Services {
    /// Build an access token (and a refresh token) and their records.
    pub(super) fn mint(
        &self,
        f: &Family<'_>,
        scopes: ScopeSet,
        refresh_scopes: Option<ScopeSet>,
        now: DateTime<Utc>,
    ) -> (IssuedTokens, Vec<TokenRecord>) {
        // Tokens that act as the app itself (no user: client_credentials)
        // always expire (SPEC S5.3); the app's setting is for user tokens.
        let lifetime = match f.user_id {
            None => Some(self.oauth.app_token_lifetime),
            Some(_) => f.app.access_token_lifetime.duration(),
        };
        let record = |kind: TokenKind, scopes: ScopeSet, expires_at| {
            let plain = PlainToken::generate(kind);
            let rec = TokenRecord {
                id: new_id(),
                account_id: f.account_id.to_owned(),
                kind,
                hash: plain.hash(),
                private_app_id: None,
                user_id: f.user_id.map(str::to_owned),
                created_at: now,
                last_used_at: None,
                expires_at,
                revoked_at: None,
                grant_id: Some(f.grant_id.to_owned()),
                family_id: Some(f.family_id.clone()),
                scopes: Some(scopes),
                rotated_at: None,
                family_started_at: Some(f.started_at),
            };
            (plain, rec)
        };
        let (access, access_rec) = record(
            TokenKind::OAuthAccess,
            scopes.clone(),
            lifetime.map(|d| now + d),
        );
        let mut records = vec![access_rec];
        let refresh_token = refresh_scopes.map(|rs| {
            let expires =
                (now + self.oauth.refresh_idle).min(f.started_at + self.oauth.refresh_absolute);
            let (plain, rec) = record(TokenKind::OAuthRefresh, rs, Some(expires));
            records.push(rec);
            plain
        });
        let issued = IssuedTokens {
            access_token: access,
            scopes,
            expires_in: lifetime.map(|d| d.num_seconds()),
            refresh_token,
        };
        (issued, records)
    }

    /// Refresh tokens come with expiring access tokens, or with `offline_access`.
    pub(super) fn wants_refresh(app: &OAuthApp, granted: &ScopeSet) -> bool {
        app.access_token_lifetime.duration().is_some() || granted.contains(Scope::OfflineAccess)
    }
}
