//! The `refresh_token` grant (SPEC S5.4): rotate a refresh token into a new
//! pair, with a short grace for retries; reuse of a rotated token revokes
//! the whole grant.

use super::mint::Family;
use super::{client_audit, intersect, narrow, parse_scope_param, IssuedTokens, TokenRequest};
use crate::model::oauth::OAuthApp;
use crate::oauth::error::OAuthError;
use crate::scope::ScopeSet;
use crate::services::Services;
use crate::token::{PlainToken, TokenKind};

impl Services {
    pub(super) async fn refresh(
        &self,
        app: &OAuthApp,
        req: &TokenRequest<'_>,
    ) -> Result<IssuedTokens, OAuthError> {
        let text = req
            .refresh_token
            .ok_or_else(|| OAuthError::invalid_request("the refresh_token parameter is missing"))?;
        let bad = || {
            OAuthError::invalid_grant(
                "the refresh token is unknown, expired, revoked or was issued to another client",
            )
        };
        let token = PlainToken::parse(text).map_err(|_| bad())?;
        if token.kind() != TokenKind::OAuthRefresh {
            return Err(bad());
        }
        let requested = parse_scope_param(req.scope)?;
        let now = self.clock.now();
        let mut lookup = self
            .store
            .find_token(&token.hash())
            .await?
            .ok_or_else(bad)?;
        if lookup.client_id.as_deref() != Some(app.client_id.as_str())
            || !lookup.token.hash.ct_eq(&token.hash())
        {
            return Err(bad());
        }
        loop {
            let rec = &lookup.token;
            if !rec.is_live(now) || lookup.user.as_ref().is_some_and(|u| !u.active) {
                return Err(bad());
            }
            let (Some(grant_id), Some(family_id), Some(started_at)) = (
                rec.grant_id.clone(),
                rec.family_id.clone(),
                rec.family_started_at,
            ) else {
                return Err(bad());
            };
            let granted = intersect(
                rec.scopes.as_ref().unwrap_or(&ScopeSet::default()),
                &app.scopes,
            );
            let scopes = narrow(requested.clone(), &granted)?;
            let family = Family {
                app,
                grant_id: &grant_id,
                account_id: &rec.account_id,
                user_id: rec.user_id.as_deref(),
                family_id,
                started_at,
            };
            let (issued, records) = self.mint(&family, scopes, Some(granted.clone()), now);
            match rec.rotated_at {
                None => {
                    if self
                        .store
                        .rotate_refresh_token(&rec.id, &grant_id, now, &records)
                        .await?
                    {
                        return Ok(issued);
                    }
                    // Rotated by a concurrent request just now: look again.
                    lookup = self
                        .store
                        .find_token(&token.hash())
                        .await?
                        .ok_or_else(bad)?;
                    if lookup.token.rotated_at.is_none() {
                        return Err(bad());
                    }
                }
                Some(rotated)
                    if now - rotated <= self.oauth.refresh_grace
                        && self.oauth.refresh_grace > chrono::Duration::zero() =>
                {
                    // A retried or racing request: a valid pair, no revocation.
                    self.store.insert_tokens(&grant_id, now, &records).await?;
                    return Ok(issued);
                }
                Some(_) => {
                    // Reuse of a rotated token: the family may be stolen.
                    let audit = client_audit(
                        app,
                        &lookup.token.account_id,
                        "oauth_grant.refresh_reuse_revoked",
                        &grant_id,
                        now,
                    );
                    self.store.revoke_grant(&grant_id, now, &audit).await?;
                    tracing::warn!(grant_id = %grant_id, "refresh token reused after rotation; grant revoked");
                    return Err(OAuthError::invalid_grant(
                        "the refresh token was already used; the authorization has been revoked",
                    ));
                }
            }
        }
    }
}
