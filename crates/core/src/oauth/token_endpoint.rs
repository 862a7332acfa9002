//! The token endpoint's grants (SPEC S5.3, S5.4), client authentication,
//! revocation (RFC 7009) and introspection (RFC 7662).

use super::authorize::valid_pkce_string;
use super::grant::{Grant, APP_SUBJECT};
use super::{ClientType, OAuthApp, OAuthError};
use crate::audit::AuditEntry;
use crate::ids::new_id;
use crate::scope::{Scope, ScopeSet};
use crate::services::Services;
use crate::store::{TokenLookup, TokenRecord};
use crate::token::{PlainToken, TokenKind};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The credentials a request presented.
#[derive(Debug, Default)]
pub struct ClientAuth<'a> {
    pub client_id: Option<&'a str>,
    pub secret: Option<&'a str>,
}

/// The parameters of a token request (each at most once; checked by the caller).
#[derive(Debug, Default)]
pub struct TokenRequest<'a> {
    pub grant_type: Option<&'a str>,
    pub code: Option<&'a str>,
    pub redirect_uri: Option<&'a str>,
    pub code_verifier: Option<&'a str>,
    pub refresh_token: Option<&'a str>,
    pub scope: Option<&'a str>,
}

/// A successful token response.
#[derive(Debug)]
pub struct IssuedTokens {
    pub access_token: PlainToken,
    pub scopes: ScopeSet,
    pub expires_in: Option<i64>,
    pub refresh_token: Option<PlainToken>,
}

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

/// Where new tokens belong.
struct Family<'a> {
    app: &'a OAuthApp,
    grant_id: &'a str,
    account_id: &'a str,
    user_id: Option<&'a str>,
    family_id: String,
    started_at: DateTime<Utc>,
}

/// PKCE S256 (RFC 7636 §4.6), compared in constant time.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

fn parse_scope_param(raw: Option<&str>) -> Result<Option<ScopeSet>, OAuthError> {
    match raw {
        None => Ok(None),
        Some(s) => super::parse_requested_scopes(s).map(|set| (!set.is_empty()).then_some(set)),
    }
}

fn narrow(requested: Option<ScopeSet>, allowed: &ScopeSet) -> Result<ScopeSet, OAuthError> {
    match requested {
        None => Ok(allowed.clone()),
        Some(set) => {
            if let Some(extra) = set.iter().find(|s| !allowed.contains(*s)) {
                return Err(OAuthError::invalid_scope(format!(
                    "the {extra} scope was not granted; a scope can only be narrowed"
                )));
            }
            Ok(set)
        }
    }
}

fn intersect(a: &ScopeSet, b: &ScopeSet) -> ScopeSet {
    a.iter().filter(|s| b.contains(*s)).collect()
}

impl Services {
    /// `client_secret_basic`, `client_secret_post`, or `none` for public clients.
    pub async fn authenticate_client(&self, auth: &ClientAuth<'_>) -> Result<OAuthApp, OAuthError> {
        let client_id = auth.client_id.ok_or_else(|| {
            OAuthError::invalid_client(
                "client authentication is missing: send HTTP Basic credentials or client_id (and client_secret)",
            )
        })?;
        let unknown = || OAuthError::invalid_client("unknown client or wrong client secret");
        let (app, _) = self
            .store
            .find_oauth_app_by_client_id(client_id)
            .await?
            .ok_or_else(unknown)?;
        match (app.client_type, auth.secret) {
            (ClientType::Public, None) => Ok(app),
            (ClientType::Public, Some(_)) => Err(OAuthError::invalid_client(
                "this is a public client: it has no secret and must not send one",
            )),
            (ClientType::Confidential, None) => Err(OAuthError::invalid_client(
                "this client must authenticate with its client secret",
            )),
            (ClientType::Confidential, Some(secret)) => {
                let presented = PlainToken::parse(secret).map_err(|_| unknown())?;
                match &app.secret_hash {
                    Some(h)
                        if presented.kind() == TokenKind::ClientSecret
                            && h.ct_eq(&presented.hash()) =>
                    {
                        Ok(app)
                    }
                    _ => Err(unknown()),
                }
            }
        }
    }

    /// Run one grant for an authenticated client.
    pub async fn token(
        &self,
        app: &OAuthApp,
        req: &TokenRequest<'_>,
    ) -> Result<IssuedTokens, OAuthError> {
        match req.grant_type {
            None => Err(OAuthError::invalid_request("the grant_type parameter is missing")),
            Some("authorization_code" | "authorisation_code") => self.exchange_code(app, req).await,
            Some("refresh_token") => self.refresh(app, req).await,
            Some("client_credentials") => self.client_credentials(app, req).await,
            Some(other) => Err(OAuthError::new(
                "unsupported_grant_type",
                format!("grant_type {other:?} is not supported; use authorization_code, refresh_token or client_credentials"),
            )),
        }
    }

    /// Build an access token (and a refresh token) and their records.
    fn mint(
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
    fn wants_refresh(app: &OAuthApp, granted: &ScopeSet) -> bool {
        app.access_token_lifetime.duration().is_some() || granted.contains(Scope::OfflineAccess)
    }

    async fn exchange_code(
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

    async fn refresh(
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

    async fn client_credentials(
        &self,
        app: &OAuthApp,
        req: &TokenRequest<'_>,
    ) -> Result<IssuedTokens, OAuthError> {
        if app.client_type != ClientType::Confidential {
            return Err(OAuthError::unauthorized_client(
                "client_credentials is for confidential clients only",
            ));
        }
        let registered: ScopeSet = app
            .scopes
            .iter()
            .filter(|s| *s != Scope::OfflineAccess && s.grantable_to_oauth_app())
            .collect();
        let scopes = narrow(parse_scope_param(req.scope)?, &registered).map_err(|_| {
            OAuthError::invalid_scope(
                "a requested scope is not registered for this app (or is offline_access)",
            )
        })?;
        let now = self.clock.now();
        // The app's own grant: created once, refreshed when its scopes change.
        let grant = match self.store.find_live_grant(&app.id, APP_SUBJECT).await? {
            Some(g) if g.scopes == registered => g,
            _ => {
                // Target: the app (an existing grant row may be reused).
                let audit = client_audit(
                    app,
                    &app.account_id,
                    "oauth_grant.app_grant_saved",
                    &app.id,
                    now,
                );
                self.store
                    .save_grant(
                        &Grant {
                            id: new_id(),
                            account_id: app.account_id.clone(),
                            app_id: app.id.clone(),
                            user_id: None,
                            subject: APP_SUBJECT.into(),
                            scopes: registered,
                            created_at: now,
                            updated_at: now,
                            last_used_at: None,
                        },
                        &audit,
                    )
                    .await?
            }
        };
        let family = Family {
            app,
            grant_id: &grant.id,
            account_id: &app.account_id,
            user_id: None,
            family_id: new_id(),
            started_at: now,
        };
        let (issued, records) = self.mint(&family, scopes, None, now);
        self.store.insert_tokens(&grant.id, now, &records).await?;
        Ok(issued)
    }

    /// RFC 7009. Unknown tokens and other clients' tokens are left alone.
    pub async fn revoke_oauth_token(&self, app: &OAuthApp, text: &str) -> Result<(), OAuthError> {
        let Ok(token) = PlainToken::parse(text.trim()) else {
            return Ok(());
        };
        let Some(found) = self.store.find_token(&token.hash()).await? else {
            return Ok(());
        };
        if found.client_id.as_deref() != Some(app.client_id.as_str()) {
            return Ok(());
        }
        let now = self.clock.now();
        let account = &found.token.account_id;
        match (found.token.kind, &found.token.grant_id) {
            (TokenKind::OAuthRefresh, Some(grant)) => {
                let audit = client_audit(app, account, "oauth_grant.revoked_by_client", grant, now);
                self.store.revoke_grant(grant, now, &audit).await?
            }
            _ => {
                let id = &found.token.id;
                let audit = client_audit(app, account, "oauth_token.revoked_by_client", id, now);
                self.store.revoke_token(id, now, &audit).await?
            }
        }
        Ok(())
    }

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

/// An audit entry for what a client's own request changed.
fn client_audit(
    app: &OAuthApp,
    account_id: &str,
    action: &str,
    target: &str,
    now: DateTime<Utc>,
) -> AuditEntry {
    let actor = format!("oauth_app:{}", app.id);
    AuditEntry::new(account_id, &actor, action, Some(target), now)
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

    #[test]
    fn scopes_only_narrow() {
        let granted = ScopeSet::parse_spaced("contacts.read tickets.read").unwrap();
        assert_eq!(narrow(None, &granted).unwrap(), granted);
        let narrower = ScopeSet::parse_spaced("contacts.read").unwrap();
        assert_eq!(narrow(Some(narrower.clone()), &granted).unwrap(), narrower);
        let wider = ScopeSet::parse_spaced("contacts.read contacts.write").unwrap();
        assert_eq!(
            narrow(Some(wider), &granted).unwrap_err().code,
            "invalid_scope"
        );
    }
}
