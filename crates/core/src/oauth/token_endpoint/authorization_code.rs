//! The `authorization_code` grant (SPEC S5.3): redeem a code once, for the
//! client and redirect URI it was issued to, with its PKCE verifier; a
//! replayed code revokes what it issued.

use super::mint::Family;
use super::{client_audit, intersect, IssuedTokens, TokenRequest};
use crate::model::oauth::OAuthApp;
use crate::oauth::authorize::valid_pkce_string;
use crate::oauth::error::OAuthError;
use crate::services::Services;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// PKCE S256 (RFC 7636 §4.6), compared in constant time.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

impl Services {
    pub(super) async fn exchange_code(
        &self,
        app: &OAuthApp,
        req: &TokenRequest<'_>,
    ) -> Result<IssuedTokens, OAuthError> {
        let code_text = req
            .code
            .ok_or_else(|| OAuthError::invalid_request("the code parameter is missing"))?;
        let bad = || {
            OAuthError::invalid_grant(
                "the code is unknown, expired, already used or was issued to another client",
            )
        };
        let code = self
            .store
            .find_code(&crate::token::TokenHash::of(code_text))
            .await?
            .ok_or_else(bad)?;
        if code.app_id != app.id {
            return Err(bad());
        }
        let now = self.clock.now();
        if code.used_at.is_some() {
            // RFC 6749 §4.1.2: a replayed code revokes what it issued.
            let audit = client_audit(
                app,
                &code.account_id,
                "oauth_code.replayed_revoked",
                &code.id,
                now,
            );
            self.store
                .revoke_token_family(&code.id, now, &audit)
                .await?;
            return Err(OAuthError::invalid_grant(
                "the code was already used; the tokens issued for it have been revoked",
            ));
        }
        if code.expires_at <= now {
            return Err(bad());
        }
        let redirect_ok = match req.redirect_uri {
            Some(r) => r == code.redirect_uri,
            None => app.redirect_uris.len() == 1 && app.redirect_uris[0] == code.redirect_uri,
        };
        if !redirect_ok {
            return Err(OAuthError::invalid_grant(
                "redirect_uri does not match the one used in the authorization request",
            ));
        }
        match (&code.code_challenge, req.code_verifier) {
            (Some(_), None) => {
                return Err(OAuthError::invalid_grant(
                    "code_verifier is missing: the code was issued with a PKCE challenge",
                ))
            }
            (Some(challenge), Some(v)) => {
                if !valid_pkce_string(v) || !pkce_matches(v, challenge) {
                    return Err(OAuthError::invalid_grant(
                        "code_verifier does not match the code_challenge",
                    ));
                }
            }
            (None, Some(_)) => {
                return Err(OAuthError::invalid_grant(
                    "a code_verifier was sent but the code was issued without a PKCE challenge",
                ))
            }
            (None, None) => {}
        }
        let grant = self
            .store
            .find_live_grant(&app.id, &code.user_id)
            .await?
            .filter(|g| g.id == code.grant_id)
            .ok_or_else(|| OAuthError::invalid_grant("the authorization was revoked"))?;
        let user_active = self
            .store
            .get_user(&code.account_id, &code.user_id)
            .await?
            .is_some_and(|u| u.active);
        if !user_active {
            return Err(OAuthError::invalid_grant(
                "the user who authorized this code is deactivated",
            ));
        }
        let family = Family {
            app,
            grant_id: &grant.id,
            account_id: &code.account_id,
            user_id: Some(&code.user_id),
            family_id: code.id.clone(),
            started_at: now,
        };
        let scopes = intersect(&code.scopes, &app.scopes);
        let refresh = Self::wants_refresh(app, &scopes).then(|| scopes.clone());
        let (issued, records) = self.mint(&family, scopes, refresh, now);
        if !self
            .store
            .redeem_code(&code.id, &grant.id, now, &records)
            .await?
        {
            // Lost a race with another redemption of the same code: a replay.
            let audit = client_audit(
                app,
                &code.account_id,
                "oauth_code.replayed_revoked",
                &code.id,
                now,
            );
            self.store
                .revoke_token_family(&code.id, now, &audit)
                .await?;
            return Err(OAuthError::invalid_grant(
                "the code was already used; the tokens issued for it have been revoked",
            ));
        }
        Ok(issued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_the_rfc_example() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj",
            challenge
        ));
    }
}
