//! The OAuth part of the storage port (see [`crate::store`]): each method is
//! one atomic unit of work.

use crate::model::oauth::{AuthCode, Consent, Grant, GrantView, OAuthApp};
use crate::store::error::StoreResult;
use crate::store::tokens::TokenRecord;
use crate::token::TokenHash;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
pub trait OAuthStore: Send + Sync {
    // OAuth apps
    async fn insert_oauth_app(
        &self,
        app: &OAuthApp,
        audit: &crate::model::audit::AuditEntry,
    ) -> StoreResult<()>;
    async fn list_oauth_apps(&self, account_id: &str) -> StoreResult<Vec<OAuthApp>>;
    async fn get_oauth_app(&self, account_id: &str, id: &str) -> StoreResult<Option<OAuthApp>>;
    async fn get_oauth_app_by_id(&self, id: &str) -> StoreResult<Option<OAuthApp>>;
    /// The app and the name of the account that owns it.
    async fn find_oauth_app_by_client_id(
        &self,
        client_id: &str,
    ) -> StoreResult<Option<(OAuthApp, String)>>;
    /// The app whose current client secret has this hash (leak reports).
    async fn find_oauth_app_by_secret_hash(
        &self,
        hash: &TokenHash,
    ) -> StoreResult<Option<OAuthApp>>;
    /// Save every field but the id, account and client id.
    async fn update_oauth_app(
        &self,
        app: &OAuthApp,
        audit: &crate::model::audit::AuditEntry,
    ) -> StoreResult<()>;
    /// Delete the app with its grants, codes and tokens (and its logo).
    async fn delete_oauth_app(
        &self,
        account_id: &str,
        id: &str,
        audit: &crate::model::audit::AuditEntry,
    ) -> StoreResult<bool>;

    // the authorization flow
    async fn insert_consent(&self, consent: &Consent) -> StoreResult<()>;
    /// Remove and return the consent, if it belongs to this session.
    async fn take_consent(
        &self,
        id_hash: &TokenHash,
        session_hash: &TokenHash,
    ) -> StoreResult<Option<Consent>>;
    async fn find_live_grant(&self, app_id: &str, subject: &str) -> StoreResult<Option<Grant>>;
    /// Insert the grant, or bring the (app, subject) grant back to life with
    /// these scopes. Returns the stored grant (its id may be the older one).
    async fn save_grant(
        &self,
        grant: &Grant,
        audit: &crate::model::audit::AuditEntry,
    ) -> StoreResult<Grant>;
    /// Live grants of the account (only `user_id`'s when given).
    async fn list_grants(
        &self,
        account_id: &str,
        user_id: Option<&str>,
    ) -> StoreResult<Vec<GrantView>>;
    /// Revoke the grant and every token issued under it.
    async fn revoke_grant(
        &self,
        grant_id: &str,
        now: DateTime<Utc>,
        audit: &crate::model::audit::AuditEntry,
    ) -> StoreResult<()>;
    async fn insert_code(&self, code: &AuthCode) -> StoreResult<()>;
    async fn find_code(&self, code_hash: &TokenHash) -> StoreResult<Option<AuthCode>>;
    /// Mark the code used and store its tokens, atomically. `false`: it was
    /// already used (exactly one of several concurrent redemptions wins).
    async fn redeem_code(
        &self,
        code_id: &str,
        grant_id: &str,
        now: DateTime<Utc>,
        tokens: &[TokenRecord],
    ) -> StoreResult<bool>;
    /// Mark a refresh token rotated and store its successors, atomically.
    /// `false`: it was rotated or revoked meanwhile.
    async fn rotate_refresh_token(
        &self,
        token_id: &str,
        grant_id: &str,
        now: DateTime<Utc>,
        tokens: &[TokenRecord],
    ) -> StoreResult<bool>;
    /// Store tokens issued under a grant, noting the grant's use.
    async fn insert_tokens(
        &self,
        grant_id: &str,
        now: DateTime<Utc>,
        tokens: &[TokenRecord],
    ) -> StoreResult<()>;
    /// Revoke every token of one family (a replayed authorization code).
    async fn revoke_token_family(
        &self,
        family_id: &str,
        now: DateTime<Utc>,
        audit: &crate::model::audit::AuditEntry,
    ) -> StoreResult<()>;
}
