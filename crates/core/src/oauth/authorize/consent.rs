//! Consent: for a signed-in user, a remembered grant's code or a consent
//! transaction bound to the session; then the user's answer to it.

use super::{AuthorizationRequest, AuthorizeFailure, AuthorizeStep, Prompt};
use crate::ids::new_id;
use crate::model::account::Role;
use crate::model::oauth::Visibility;
use crate::model::oauth::{Consent, Grant};
use crate::oauth::error::OAuthError;
use crate::oauth::redirect;
use crate::oauth::settings::CODE_TTL_MINUTES;
use crate::scope::Scope;
use crate::services::Services;
use crate::session::ActiveSession;
use crate::token::{random_secret, TokenHash};
use chrono::Duration;

impl Services {
    /// The next step for a signed-in user: a remembered grant's code, or consent.
    pub async fn authorize_signed_in(
        &self,
        req: AuthorizationRequest,
        session: &ActiveSession,
    ) -> Result<AuthorizeStep, AuthorizeFailure> {
        let user = &session.user;
        let fail = |error: OAuthError| AuthorizeFailure::Redirect {
            app: Box::new(req.app.clone()),
            redirect_uri: req.redirect_uri.clone(),
            state: req.state.clone(),
            error,
        };
        if req.app.visibility == Visibility::Private && user.account_id != req.app.account_id {
            return Err(fail(OAuthError::access_denied(
                "this app is private to the account that registered it",
            )));
        }
        if user.role != Role::Admin
            && (req.scopes.contains(Scope::AdminRead) || req.scopes.contains(Scope::AdminWrite))
        {
            return Err(fail(OAuthError::access_denied(
                "only account admins can grant the admin scopes",
            )));
        }
        let remembered = if req.app.is_confidential() && req.prompt != Prompt::Consent {
            self.store
                .find_live_grant(&req.app.id, &user.id)
                .await?
                .filter(|g| req.scopes.iter().all(|s| g.scopes.contains(s)))
        } else {
            None
        };
        if let Some(grant) = remembered {
            let url = self
                .issue_code(
                    &req.app,
                    user,
                    grant,
                    &req.redirect_uri,
                    &req.scopes,
                    req.code_challenge.clone(),
                    req.state.as_deref(),
                    false,
                )
                .await?;
            return Ok(AuthorizeStep::Redirect(url));
        }
        if req.prompt == Prompt::None {
            return Err(fail(OAuthError::new(
                "consent_required",
                "the user has not yet authorized this app (prompt=none)",
            )));
        }
        let now = self.clock.now();
        let consent_id = random_secret();
        self.store
            .insert_consent(&Consent {
                id_hash: TokenHash::of(&consent_id),
                session_hash: session.session.id_hash.clone(),
                user_id: user.id.clone(),
                app_id: req.app.id.clone(),
                redirect_uri: req.redirect_uri.clone(),
                scopes: req.scopes.clone(),
                state: req.state.clone(),
                code_challenge: req.code_challenge.clone(),
                created_at: now,
                expires_at: now + Duration::minutes(CODE_TTL_MINUTES),
            })
            .await?;
        Ok(AuthorizeStep::Consent {
            consent_id,
            request: Box::new(req),
        })
    }

    /// The user's answer on the consent page. Returns where to send them.
    pub async fn decide_consent(
        &self,
        consent_id: &str,
        session: &ActiveSession,
        allow: bool,
    ) -> Result<String, AuthorizeFailure> {
        let gone = || {
            AuthorizeFailure::Page(
                "This authorization request has expired or was already answered. Start again from the app."
                    .into(),
            )
        };
        let consent = self
            .store
            .take_consent(&TokenHash::of(consent_id), &session.session.id_hash)
            .await?
            .ok_or_else(gone)?;
        let now = self.clock.now();
        if consent.expires_at <= now || consent.user_id != session.user.id {
            return Err(gone());
        }
        let app = self
            .store
            .get_oauth_app_by_id(&consent.app_id)
            .await?
            .ok_or_else(gone)?;
        // The app may have changed its redirect URIs or scopes meanwhile.
        if redirect::resolve(
            &app.redirect_uris,
            Some(&consent.redirect_uri),
            app.client_type,
        )
        .is_none()
        {
            return Err(AuthorizeFailure::Page(
                "the app no longer has this redirect URI".into(),
            ));
        }
        let private_elsewhere =
            app.visibility == Visibility::Private && session.user.account_id != app.account_id;
        if !allow || private_elsewhere {
            let why = if allow {
                "this app is private to the account that registered it"
            } else {
                "the user denied the request"
            };
            return Ok(self.error_redirect(
                &consent.redirect_uri,
                consent.state.as_deref(),
                &OAuthError::access_denied(why),
            ));
        }
        if consent.scopes.iter().any(|s| !app.scopes.contains(s)) {
            return Ok(self.error_redirect(
                &consent.redirect_uri,
                consent.state.as_deref(),
                &OAuthError::invalid_scope("the app's registered scopes changed; start again"),
            ));
        }
        let user = &session.user;
        let previous = self.store.find_live_grant(&app.id, &user.id).await?;
        let mut scopes: Vec<Scope> = consent.scopes.iter().collect();
        if let Some(p) = &previous {
            scopes.extend(p.scopes.iter().filter(|s| app.scopes.contains(*s)));
        }
        let grant = Grant {
            id: previous.as_ref().map_or_else(new_id, |g| g.id.clone()),
            account_id: user.account_id.clone(),
            app_id: app.id.clone(),
            user_id: Some(user.id.clone()),
            subject: user.id.clone(),
            scopes: scopes.into_iter().collect(),
            created_at: now,
            updated_at: now,
            last_used_at: None,
        };
        Ok(self
            .issue_code(
                &app,
                user,
                grant,
                &consent.redirect_uri,
                &consent.scopes,
                consent.code_challenge,
                consent.state.as_deref(),
                true,
            )
            .await?)
    }
}
