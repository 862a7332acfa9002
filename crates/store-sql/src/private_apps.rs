//! Private Apps, their tokens, and the logos of every kind of app.

use crate::audit::insert_audit_in;
use crate::rows::*;
use crate::tokens::insert_token;
use crate::{err, SqlStore};
use async_trait::async_trait;
use switchboard_core::audit::AuditEntry;
use switchboard_core::logo::{Logo, LogoOwner};
use switchboard_core::private_app::PrivateApp;
use switchboard_core::store::*;

const APP_VIEW_SELECT: &str =
    "select p.id, p.account_id, p.name, p.description, p.scopes, p.logo_id, \
     p.expires_in_days, p.current_token_id, p.created_by, p.created_at, p.updated_at, \
     t.last_used_at as token_last_used_at, t.expires_at as token_expires_at \
     from private_apps p left join tokens t on t.id = p.current_token_id";

impl SqlStore {
    /// Delete a Private App or OAuth app, and its logo, in one transaction.
    /// What hangs off the app goes by `on delete cascade`.
    pub(crate) async fn delete_app(
        &self,
        kind: LogoOwner,
        account_id: &str,
        id: &str,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        let (select, delete) = match kind {
            LogoOwner::PrivateApp => (
                "select logo_id from private_apps where id = $1 and account_id = $2",
                "delete from private_apps where id = $1 and account_id = $2",
            ),
            LogoOwner::OAuthApp => (
                "select logo_id from oauth_apps where id = $1 and account_id = $2",
                "delete from oauth_apps where id = $1 and account_id = $2",
            ),
        };
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                let logo: Option<Option<String>> = sqlx::query_scalar(select)
                    .bind(id)
                    .bind(account_id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(err)?;
                let Some(logo) = logo else { return Ok(false) };
                sqlx::query(delete)
                    .bind(id)
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                if let Some(logo) = logo {
                    sqlx::query("delete from logos where id = $1")
                        .bind(logo)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                }
                insert_audit_in(&mut tx, audit).await?;
                tx.commit().await.map_err(err)?;
                Ok(true)
            })
        })
    }
}

#[async_trait]
impl PrivateAppStore for SqlStore {
    async fn insert_private_app(
        &self,
        app: &PrivateApp,
        token: &TokenRecord,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                sqlx::query(
                    "insert into private_apps (id, account_id, name, description, scopes, logo_id, expires_in_days, \
                     current_token_id, created_by, created_at, updated_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(&app.id)
                .bind(&app.account_id)
                .bind(&app.name)
                .bind(&app.description)
                .bind(app.scopes.to_spaced())
                .bind(&app.logo_id)
                .bind(app.expires_in_days.map(i64::from))
                .bind(&app.current_token_id)
                .bind(&app.created_by)
                .bind(ms(app.created_at))
                .bind(ms(app.updated_at))
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                insert_token(&mut tx, token).await?;
                insert_audit_in(&mut tx, audit).await?;
                tx.commit().await.map_err(err)
            })
        })
    }

    async fn list_private_apps(&self, account_id: &str) -> StoreResult<Vec<PrivateAppView>> {
        let sql = format!(
            "{APP_VIEW_SELECT} where p.account_id = $1 order by p.created_at desc, p.id desc"
        );
        let rows: Vec<PrivateAppViewRow> = on_reader!(self.reader, db => sqlx::query_as(&sql)
            .bind(account_id)
            .fetch_all(db)
            .await)
        .map_err(err)?;
        rows.into_iter().map(PrivateAppView::try_from).collect()
    }

    async fn get_private_app(
        &self,
        account_id: &str,
        id: &str,
    ) -> StoreResult<Option<PrivateAppView>> {
        let sql = format!("{APP_VIEW_SELECT} where p.id = $1 and p.account_id = $2");
        let row: Option<PrivateAppViewRow> = on_reader!(self.reader, db => sqlx::query_as(&sql)
            .bind(id)
            .bind(account_id)
            .fetch_optional(db)
            .await)
        .map_err(err)?;
        row.map(PrivateAppView::try_from).transpose()
    }

    async fn update_private_app(&self, app: &PrivateApp, audit: &AuditEntry) -> StoreResult<()> {
        self.changing_tokens(async {
            with_retry!(async {
on_pool!(self.writer, db => {
            let mut tx = db.begin().await.map_err(err)?;
            sqlx::query(
                "update private_apps set name = $1, description = $2, scopes = $3, logo_id = $4, updated_at = $5 \
                 where id = $6 and account_id = $7",
            )
            .bind(&app.name)
            .bind(&app.description)
            .bind(app.scopes.to_spaced())
            .bind(&app.logo_id)
            .bind(ms(app.updated_at))
            .bind(&app.id)
            .bind(&app.account_id)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            insert_audit_in(&mut tx, audit).await?;
            tx.commit().await.map_err(err)
            })
})
        })
        .await
    }

    async fn rotate_private_app(
        &self,
        app: &PrivateApp,
        new_token: &TokenRecord,
        old: OldTokens,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        self.changing_tokens(async {
        with_retry!(async {
on_pool!(self.writer, db => {
            let mut tx = db.begin().await.map_err(err)?;
            let now = ms(app.updated_at);
            match old {
                OldTokens::RevokeNow => {
                    sqlx::query(
                        "update tokens set revoked_at = $1, updated_at = $1 \
                         where private_app_id = $2 and revoked_at is null",
                    )
                    .bind(now)
                    .bind(&app.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                }
                OldTokens::ExpireAt(at) => {
                    // Never extend a token's life: keep an earlier expiry if it has one.
                    sqlx::query(
                        "update tokens set expires_at = case when expires_at is not null and expires_at < $1 \
                         then expires_at else $1 end, updated_at = $2 \
                         where private_app_id = $3 and revoked_at is null",
                    )
                    .bind(ms(at))
                    .bind(now)
                    .bind(&app.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                }
            }
            insert_token(&mut tx, new_token).await?;
            sqlx::query(
                "update private_apps set current_token_id = $1, updated_at = $2 where id = $3",
            )
            .bind(&new_token.id)
            .bind(now)
            .bind(&app.id)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            insert_audit_in(&mut tx, audit).await?;
            tx.commit().await.map_err(err)
        })
})
        })
        .await
    }

    async fn delete_private_app(
        &self,
        account_id: &str,
        id: &str,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        self.changing_tokens(async {
            // Tokens go with the app (on delete cascade).
            self.delete_app(LogoOwner::PrivateApp, account_id, id, audit)
                .await
        })
        .await
    }

    async fn replace_logo(
        &self,
        owner: LogoOwner,
        account_id: &str,
        app_id: &str,
        new: Option<&Logo>,
        old_id: Option<&str>,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let now = audit.created_at;
        // Client look-ups carry an OAuth app's logo.
        self.changing_tokens(async {
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                if let Some(logo) = new {
                    sqlx::query(
                        "insert into logos (id, account_id, content_type, bytes, created_at, updated_at) \
                         values ($1, $2, $3, $4, $5, $5)",
                    )
                    .bind(&logo.id)
                    .bind(&logo.account_id)
                    .bind(logo.content_type)
                    .bind(&logo.bytes)
                    .bind(ms(logo.created_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                }
                let sql = match owner {
                    LogoOwner::PrivateApp => "update private_apps set logo_id = $1, updated_at = $2 where id = $3 and account_id = $4",
                    LogoOwner::OAuthApp => "update oauth_apps set logo_id = $1, updated_at = $2 where id = $3 and account_id = $4",
                };
                let updated = sqlx::query(sql)
                    .bind(new.map(|l| l.id.clone()))
                    .bind(ms(now))
                    .bind(app_id)
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                if updated.rows_affected() == 0 {
                    tx.rollback().await.map_err(err)?;
                    return Err(StoreError::NotFound);
                }
                if let Some(old) = old_id {
                    sqlx::query("delete from logos where id = $1 and account_id = $2")
                        .bind(old)
                        .bind(account_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(err)?;
                }
                insert_audit_in(&mut tx, audit).await?;
                tx.commit().await.map_err(err)
            })
        })
        })
        .await
    }

    async fn get_logo(&self, id: &str) -> StoreResult<Option<Logo>> {
        let row: Option<(String, String, String, Vec<u8>, i64)> =
            on_reader!(self.reader, db => sqlx::query_as(
            "select id, account_id, content_type, bytes, created_at from logos where id = $1",
        )
        .bind(id)
        .fetch_optional(db)
        .await)
            .map_err(err)?;
        let Some((id, account_id, content_type, bytes, created_at)) = row else {
            return Ok(None);
        };
        Ok(Some(Logo {
            id,
            account_id,
            // Only types that passed validation are ever stored.
            content_type: ["image/png", "image/jpeg", "image/webp"]
                .into_iter()
                .find(|t| *t == content_type)
                .ok_or_else(|| StoreError::Corrupt(format!("logo type {content_type}")))?,
            bytes,
            created_at: crate::rows::time(created_at)?,
        }))
    }
}
