//! The OAuth part of the store: apps, grants, consent transactions, codes,
//! and the OAuth side of the `tokens` table. This file holds the
//! `OAuthStore` port, each method handed to the module of its part:
//! `apps` (and their client secrets), `authorize` (consents and codes),
//! `grants`, and `grant_tokens` (issuance, refresh rotation, family
//! revocation).

mod apps;
mod authorize;
mod grant_tokens;
mod grants;

pub(crate) use grants::revoke_user_grants;

use crate::SqlStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use switchboard_core::audit::AuditEntry;
use switchboard_core::oauth::authorize::{AuthCode, Consent};
use switchboard_core::oauth::grant::{Grant, GrantView};
use switchboard_core::oauth::store::OAuthStore;
use switchboard_core::oauth::OAuthApp;
use switchboard_core::store::{StoreResult, TokenRecord};
use switchboard_core::token::TokenHash;

#[async_trait]
impl OAuthStore for SqlStore {
    async fn insert_oauth_app(&self, a: &OAuthApp, audit: &AuditEntry) -> StoreResult<()> {
        apps::insert(self, a, audit).await
    }

    async fn list_oauth_apps(&self, account_id: &str) -> StoreResult<Vec<OAuthApp>> {
        apps::list(self, account_id).await
    }

    async fn get_oauth_app(&self, account_id: &str, id: &str) -> StoreResult<Option<OAuthApp>> {
        apps::get(self, account_id, id).await
    }

    async fn get_oauth_app_by_id(&self, id: &str) -> StoreResult<Option<OAuthApp>> {
        apps::get_by_id(self, id).await
    }

    async fn find_oauth_app_by_secret_hash(
        &self,
        hash: &TokenHash,
    ) -> StoreResult<Option<OAuthApp>> {
        apps::find_by_secret_hash(self, hash).await
    }

    async fn find_oauth_app_by_client_id(
        &self,
        client_id: &str,
    ) -> StoreResult<Option<(OAuthApp, String)>> {
        apps::find_by_client_id(self, client_id).await
    }

    async fn update_oauth_app(&self, a: &OAuthApp, audit: &AuditEntry) -> StoreResult<()> {
        apps::update(self, a, audit).await
    }

    async fn delete_oauth_app(
        &self,
        account_id: &str,
        id: &str,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        apps::delete(self, account_id, id, audit).await
    }

    async fn insert_consent(&self, c: &Consent) -> StoreResult<()> {
        authorize::insert_consent(self, c).await
    }

    async fn take_consent(
        &self,
        id_hash: &TokenHash,
        session_hash: &TokenHash,
    ) -> StoreResult<Option<Consent>> {
        authorize::take_consent(self, id_hash, session_hash).await
    }

    async fn find_live_grant(&self, app_id: &str, subject: &str) -> StoreResult<Option<Grant>> {
        grants::find_live(self, app_id, subject).await
    }

    async fn save_grant(&self, g: &Grant, audit: &AuditEntry) -> StoreResult<Grant> {
        grants::save(self, g, audit).await
    }

    async fn list_grants(
        &self,
        account_id: &str,
        user_id: Option<&str>,
    ) -> StoreResult<Vec<GrantView>> {
        grants::list(self, account_id, user_id).await
    }

    async fn revoke_grant(
        &self,
        grant_id: &str,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        grants::revoke(self, grant_id, now, audit).await
    }

    async fn insert_code(&self, c: &AuthCode) -> StoreResult<()> {
        authorize::insert_code(self, c).await
    }

    async fn find_code(&self, code_hash: &TokenHash) -> StoreResult<Option<AuthCode>> {
        authorize::find_code(self, code_hash).await
    }

    async fn redeem_code(
        &self,
        code_id: &str,
        grant_id: &str,
        now: DateTime<Utc>,
        tokens: &[TokenRecord],
    ) -> StoreResult<bool> {
        grant_tokens::redeem_code(self, code_id, grant_id, now, tokens).await
    }

    async fn rotate_refresh_token(
        &self,
        token_id: &str,
        grant_id: &str,
        now: DateTime<Utc>,
        tokens: &[TokenRecord],
    ) -> StoreResult<bool> {
        grant_tokens::rotate_refresh_token(self, token_id, grant_id, now, tokens).await
    }

    async fn insert_tokens(
        &self,
        grant_id: &str,
        now: DateTime<Utc>,
        tokens: &[TokenRecord],
    ) -> StoreResult<()> {
        grant_tokens::insert(self, grant_id, now, tokens).await
    }

    async fn revoke_token_family(
        &self,
        family_id: &str,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        grant_tokens::revoke_family(self, family_id, now, audit).await
    }
}
