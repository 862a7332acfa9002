//! The OAuth part of the store: apps, grants, consent transactions, codes,
//! and the OAuth side of the `tokens` table.

use crate::audit::insert_audit_in;
use crate::db::Conn;
use crate::issuance::Issue;
use crate::rows::{ms, opt_time, scopes, time};
use crate::{db_err, err, SqlStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use switchboard_core::audit::AuditEntry;
use switchboard_core::logo::LogoOwner;
use switchboard_core::oauth::authorize::{AuthCode, Consent};
use switchboard_core::oauth::grant::{Grant, GrantView};
use switchboard_core::oauth::store::OAuthStore;
use switchboard_core::oauth::{AccessTokenLifetime, ClientType, OAuthApp, Visibility};
use switchboard_core::store::{Constraint, StoreError, StoreResult, TokenRecord};
use switchboard_core::token::TokenHash;

const APP_COLUMNS: &str = "o.id, o.account_id, o.client_id, o.name, o.description, o.redirect_uris, \
     o.scopes, o.visibility, o.client_type, o.require_pkce, o.access_token_lifetime, o.secret_sealed, \
     o.secret_hash, o.logo_id, o.created_by, o.created_at, o.updated_at";

const GRANT_COLUMNS: &str = "g.id, g.account_id, g.app_id, g.user_id, g.subject, g.scopes, \
     g.created_at, g.updated_at, g.last_used_at";

#[derive(sqlx::FromRow)]
struct AppRow {
    id: String,
    account_id: String,
    client_id: String,
    name: String,
    description: String,
    redirect_uris: String,
    scopes: String,
    visibility: String,
    client_type: String,
    require_pkce: i64,
    access_token_lifetime: String,
    secret_sealed: Option<String>,
    secret_hash: Option<String>,
    logo_id: Option<String>,
    created_by: String,
    created_at: i64,
    updated_at: i64,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl TryFrom<AppRow> for OAuthApp {
    type Error = StoreError;
    fn try_from(r: AppRow) -> StoreResult<OAuthApp> {
        Ok(OAuthApp {
            id: r.id,
            account_id: r.account_id,
            client_id: r.client_id,
            name: r.name,
            description: r.description,
            redirect_uris: r.redirect_uris.lines().map(str::to_owned).collect(),
            scopes: scopes(&r.scopes)?,
            visibility: Visibility::parse(&r.visibility).map_err(corrupt)?,
            client_type: ClientType::parse(&r.client_type).map_err(corrupt)?,
            require_pkce: r.require_pkce != 0,
            access_token_lifetime: AccessTokenLifetime::parse(&r.access_token_lifetime)
                .map_err(corrupt)?,
            secret_sealed: r.secret_sealed,
            secret_hash: r.secret_hash.map(TokenHash::from_stored),
            logo_id: r.logo_id,
            created_by: r.created_by,
            created_at: time(r.created_at)?,
            updated_at: time(r.updated_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct AppWithOwnerRow {
    #[sqlx(flatten)]
    app: AppRow,
    owner_name: String,
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: String,
    account_id: String,
    app_id: String,
    user_id: Option<String>,
    subject: String,
    scopes: String,
    created_at: i64,
    updated_at: i64,
    last_used_at: Option<i64>,
}

impl TryFrom<GrantRow> for Grant {
    type Error = StoreError;
    fn try_from(r: GrantRow) -> StoreResult<Grant> {
        Ok(Grant {
            id: r.id,
            account_id: r.account_id,
            app_id: r.app_id,
            user_id: r.user_id,
            subject: r.subject,
            scopes: scopes(&r.scopes)?,
            created_at: time(r.created_at)?,
            updated_at: time(r.updated_at)?,
            last_used_at: opt_time(r.last_used_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct GrantViewRow {
    #[sqlx(flatten)]
    grant: GrantRow,
    app_name: String,
    client_id: String,
    user_email: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ConsentRow {
    id_hash: String,
    session_hash: String,
    user_id: String,
    app_id: String,
    redirect_uri: String,
    scopes: String,
    state: Option<String>,
    code_challenge: Option<String>,
    created_at: i64,
    expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct CodeRow {
    id: String,
    code_hash: String,
    grant_id: String,
    app_id: String,
    user_id: String,
    account_id: String,
    redirect_uri: String,
    scopes: String,
    code_challenge: Option<String>,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

async fn revoke_grant_in(conn: impl Into<Conn<'_>>, grant_id: &str, now: i64) -> StoreResult<()> {
    on_conn!(conn.into(), conn => {
        sqlx::query("update tokens set revoked_at = $1, updated_at = $1 where grant_id = $2 and revoked_at is null")
            .bind(now)
            .bind(grant_id)
            .execute(&mut *conn)
            .await
            .map_err(err)?;
        sqlx::query("update oauth_grants set revoked_at = $1, updated_at = $1 where id = $2 and revoked_at is null")
            .bind(now)
            .bind(grant_id)
            .execute(&mut *conn)
            .await
            .map(|_| ())
            .map_err(err)
    })
}

/// Revoke the grants of a user and their tokens (a deactivated user).
pub(crate) async fn revoke_user_grants(
    conn: impl Into<Conn<'_>>,
    user_id: &str,
    now: i64,
) -> StoreResult<()> {
    on_conn!(conn.into(), conn => {
        sqlx::query("update oauth_grants set revoked_at = $1, updated_at = $1 where user_id = $2 and revoked_at is null")
            .bind(now)
            .bind(user_id)
            .execute(&mut *conn)
            .await
            .map(|_| ())
            .map_err(err)
    })
}

impl SqlStore {
    async fn find_oauth_app_by_client_id_uncached(
        &self,
        client_id: &str,
    ) -> StoreResult<Option<(OAuthApp, String)>> {
        let sql = format!(
            "select {APP_COLUMNS}, a.name as owner_name from oauth_apps o \
             join accounts a on a.id = o.account_id where o.client_id = $1"
        );
        let row: Option<AppWithOwnerRow> = on_pool!(self.reader, db => sqlx::query_as(&sql)
            .bind(client_id)
            .fetch_optional(db)
            .await)
        .map_err(err)?;
        row.map(|r| Ok((OAuthApp::try_from(r.app)?, r.owner_name)))
            .transpose()
    }

    async fn one_app(&self, where_clause: &str, binds: &[&str]) -> StoreResult<Option<OAuthApp>> {
        let sql = format!("select {APP_COLUMNS} from oauth_apps o where {where_clause}");
        on_pool!(self.reader, db => {
            let mut q = sqlx::query_as::<_, AppRow>(&sql);
            for b in binds {
                q = q.bind(*b);
            }
            q.fetch_optional(db).await
        })
        .map_err(err)?
        .map(OAuthApp::try_from)
        .transpose()
    }
}

#[async_trait]
impl OAuthStore for SqlStore {
    async fn insert_oauth_app(&self, a: &OAuthApp, audit: &AuditEntry) -> StoreResult<()> {
        // Client look-ups cache "no such client" too.
        self.changing_tokens(async {
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                sqlx::query(
                "insert into oauth_apps (id, account_id, client_id, name, description, redirect_uris, scopes, \
                 visibility, client_type, require_pkce, access_token_lifetime, secret_sealed, secret_hash, logo_id, \
                 created_by, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            )
            .bind(&a.id)
            .bind(&a.account_id)
            .bind(&a.client_id)
            .bind(&a.name)
            .bind(&a.description)
            .bind(a.redirect_uris.join("\n"))
            .bind(a.scopes.to_spaced())
            .bind(a.visibility.as_str())
            .bind(a.client_type.as_str())
            .bind(i64::from(a.require_pkce))
            .bind(a.access_token_lifetime.as_str())
            .bind(&a.secret_sealed)
            .bind(a.secret_hash.as_ref().map(|h| h.as_str().to_owned()))
            .bind(&a.logo_id)
            .bind(&a.created_by)
            .bind(ms(a.created_at))
            .bind(ms(a.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(db_err(Constraint::OAuthClientId))?;
                insert_audit_in(&mut tx, audit).await?;
                tx.commit().await.map_err(err)
            })
        })
        })
        .await
    }

    async fn list_oauth_apps(&self, account_id: &str) -> StoreResult<Vec<OAuthApp>> {
        let sql = format!(
            "select {APP_COLUMNS} from oauth_apps o where o.account_id = $1 order by o.created_at desc, o.id desc"
        );
        let rows: Vec<AppRow> = on_pool!(self.reader, db => sqlx::query_as(&sql)
            .bind(account_id)
            .fetch_all(db)
            .await)
        .map_err(err)?;
        rows.into_iter().map(OAuthApp::try_from).collect()
    }

    async fn get_oauth_app(&self, account_id: &str, id: &str) -> StoreResult<Option<OAuthApp>> {
        self.one_app("o.id = $1 and o.account_id = $2", &[id, account_id])
            .await
    }

    async fn get_oauth_app_by_id(&self, id: &str) -> StoreResult<Option<OAuthApp>> {
        self.one_app("o.id = $1", &[id]).await
    }

    async fn find_oauth_app_by_secret_hash(
        &self,
        hash: &TokenHash,
    ) -> StoreResult<Option<OAuthApp>> {
        self.one_app("o.secret_hash = $1", &[hash.as_str()]).await
    }

    /// Cached per node, like token look-ups: every write that changes an app
    /// or its owner's name goes through `changing_tokens`.
    async fn find_oauth_app_by_client_id(
        &self,
        client_id: &str,
    ) -> StoreResult<Option<(OAuthApp, String)>> {
        let ticket = match self.caches.clients.get(client_id) {
            Ok(hit) => return Ok(hit),
            Err(ticket) => ticket,
        };
        let found = self.find_oauth_app_by_client_id_uncached(client_id).await?;
        self.caches.clients.put(client_id, None, &found, ticket);
        Ok(found)
    }

    async fn update_oauth_app(&self, a: &OAuthApp, audit: &AuditEntry) -> StoreResult<()> {
        self.changing_tokens(async {
        with_retry!(async {
on_pool!(self.writer, db => {
            let mut tx = db.begin().await.map_err(err)?;
        sqlx::query(
            "update oauth_apps set name = $1, description = $2, redirect_uris = $3, scopes = $4, visibility = $5, \
             require_pkce = $6, access_token_lifetime = $7, secret_sealed = $8, secret_hash = $9, logo_id = $10, \
             updated_at = $11 where id = $12 and account_id = $13",
        )
        .bind(&a.name)
        .bind(&a.description)
        .bind(a.redirect_uris.join("\n"))
        .bind(a.scopes.to_spaced())
        .bind(a.visibility.as_str())
        .bind(i64::from(a.require_pkce))
        .bind(a.access_token_lifetime.as_str())
        .bind(&a.secret_sealed)
        .bind(a.secret_hash.as_ref().map(|h| h.as_str().to_owned()))
        .bind(&a.logo_id)
        .bind(ms(a.updated_at))
        .bind(&a.id)
        .bind(&a.account_id)
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

    async fn delete_oauth_app(
        &self,
        account_id: &str,
        id: &str,
        audit: &AuditEntry,
    ) -> StoreResult<bool> {
        self.changing_tokens(async {
            // Grants, consents and codes cascade; tokens cascade from grants.
            self.delete_app(LogoOwner::OAuthApp, account_id, id, audit)
                .await
        })
        .await
    }

    async fn insert_consent(&self, c: &Consent) -> StoreResult<()> {
        on_pool!(self.writer, db => sqlx::query(
            "insert into oauth_consents (id_hash, session_hash, user_id, app_id, redirect_uri, scopes, state, \
             code_challenge, created_at, updated_at, expires_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
        )
        .bind(c.id_hash.as_str())
        .bind(c.session_hash.as_str())
        .bind(&c.user_id)
        .bind(&c.app_id)
        .bind(&c.redirect_uri)
        .bind(c.scopes.to_spaced())
        .bind(&c.state)
        .bind(&c.code_challenge)
        .bind(ms(c.created_at))
        .bind(ms(c.expires_at))
        .execute(db)
        .await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(err)
    }

    async fn take_consent(
        &self,
        id_hash: &TokenHash,
        session_hash: &TokenHash,
    ) -> StoreResult<Option<Consent>> {
        // `delete … returning`: of two concurrent answers, one gets the row.
        let row: Option<ConsentRow> = on_pool!(self.writer, db => sqlx::query_as(
            "delete from oauth_consents where id_hash = $1 and session_hash = $2 \
             returning id_hash, session_hash, user_id, app_id, redirect_uri, scopes, state, code_challenge, \
             created_at, expires_at",
        )
        .bind(id_hash.as_str())
        .bind(session_hash.as_str())
        .fetch_optional(db)
        .await)
        .map_err(err)?;
        row.map(|r| {
            Ok(Consent {
                id_hash: TokenHash::from_stored(r.id_hash),
                session_hash: TokenHash::from_stored(r.session_hash),
                user_id: r.user_id,
                app_id: r.app_id,
                redirect_uri: r.redirect_uri,
                scopes: scopes(&r.scopes)?,
                state: r.state,
                code_challenge: r.code_challenge,
                created_at: time(r.created_at)?,
                expires_at: time(r.expires_at)?,
            })
        })
        .transpose()
    }

    async fn find_live_grant(&self, app_id: &str, subject: &str) -> StoreResult<Option<Grant>> {
        let sql = format!(
            "select {GRANT_COLUMNS} from oauth_grants g where g.app_id = $1 and g.subject = $2 and g.revoked_at is null"
        );
        let row: Option<GrantRow> = on_pool!(self.reader, db => sqlx::query_as(&sql)
            .bind(app_id)
            .bind(subject)
            .fetch_optional(db)
            .await)
        .map_err(err)?;
        row.map(Grant::try_from).transpose()
    }

    async fn save_grant(&self, g: &Grant, audit: &AuditEntry) -> StoreResult<Grant> {
        self.changing_tokens(async {
        with_retry!(async {
on_pool!(self.writer, db => {
            let mut tx = db.begin().await.map_err(err)?;
            let sql = format!(
                "insert into oauth_grants (id, account_id, app_id, user_id, subject, scopes, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $7) \
                 on conflict (app_id, subject) do update set scopes = excluded.scopes, \
                 updated_at = excluded.updated_at, revoked_at = null, \
                 created_at = case when oauth_grants.revoked_at is null then oauth_grants.created_at \
                 else excluded.created_at end \
                 returning {}",
                GRANT_COLUMNS.replace("g.", "")
            );
            let row: GrantRow = sqlx::query_as(&sql)
                .bind(&g.id)
                .bind(&g.account_id)
                .bind(&g.app_id)
                .bind(&g.user_id)
                .bind(&g.subject)
                .bind(g.scopes.to_spaced())
                .bind(ms(g.created_at))
                .fetch_one(&mut *tx)
                .await
                .map_err(err)?;
            insert_audit_in(&mut tx, audit).await?;
            tx.commit().await.map_err(err)?;
            Grant::try_from(row)
        })
})
        })
        .await
    }

    async fn list_grants(
        &self,
        account_id: &str,
        user_id: Option<&str>,
    ) -> StoreResult<Vec<GrantView>> {
        let sql = format!(
            "select {GRANT_COLUMNS}, o.name as app_name, o.client_id, u.email as user_email \
             from oauth_grants g join oauth_apps o on o.id = g.app_id left join users u on u.id = g.user_id \
             where g.account_id = $1 and g.revoked_at is null and (cast($2 as text) is null or g.user_id = $2) \
             order by g.created_at desc, g.id desc"
        );
        let rows: Vec<GrantViewRow> = on_pool!(self.reader, db => sqlx::query_as(&sql)
            .bind(account_id)
            .bind(user_id)
            .fetch_all(db)
            .await)
        .map_err(err)?;
        rows.into_iter()
            .map(|r| {
                Ok(GrantView {
                    grant: Grant::try_from(r.grant)?,
                    app_name: r.app_name,
                    client_id: r.client_id,
                    user_email: r.user_email,
                })
            })
            .collect()
    }

    async fn revoke_grant(
        &self,
        grant_id: &str,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        self.changing_tokens(async {
            with_retry!(async {
                on_pool!(self.writer, db => {
                    let mut tx = db.begin().await.map_err(err)?;
                    revoke_grant_in(&mut tx, grant_id, ms(now)).await?;
                    insert_audit_in(&mut tx, audit).await?;
                    tx.commit().await.map_err(err)
                })
            })
        })
        .await
    }

    async fn insert_code(&self, c: &AuthCode) -> StoreResult<()> {
        on_pool!(self.writer, db => sqlx::query(
            "insert into oauth_codes (id, code_hash, grant_id, app_id, user_id, account_id, redirect_uri, scopes, \
             code_challenge, created_at, updated_at, expires_at, used_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12)",
        )
        .bind(&c.id)
        .bind(c.code_hash.as_str())
        .bind(&c.grant_id)
        .bind(&c.app_id)
        .bind(&c.user_id)
        .bind(&c.account_id)
        .bind(&c.redirect_uri)
        .bind(c.scopes.to_spaced())
        .bind(&c.code_challenge)
        .bind(ms(c.created_at))
        .bind(ms(c.expires_at))
        .bind(c.used_at.map(ms))
        .execute(db)
        .await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(err)
    }

    async fn find_code(&self, code_hash: &TokenHash) -> StoreResult<Option<AuthCode>> {
        let row: Option<CodeRow> = on_pool!(self.reader, db => sqlx::query_as(
            "select id, code_hash, grant_id, app_id, user_id, account_id, redirect_uri, scopes, code_challenge, \
             created_at, expires_at, used_at from oauth_codes where code_hash = $1",
        )
        .bind(code_hash.as_str())
        .fetch_optional(db)
        .await)
        .map_err(err)?;
        row.map(|r| {
            Ok(AuthCode {
                id: r.id,
                code_hash: TokenHash::from_stored(r.code_hash),
                grant_id: r.grant_id,
                app_id: r.app_id,
                user_id: r.user_id,
                account_id: r.account_id,
                redirect_uri: r.redirect_uri,
                scopes: scopes(&r.scopes)?,
                code_challenge: r.code_challenge,
                created_at: time(r.created_at)?,
                expires_at: time(r.expires_at)?,
                used_at: opt_time(r.used_at)?,
            })
        })
        .transpose()
    }

    async fn redeem_code(
        &self,
        code_id: &str,
        grant_id: &str,
        now: DateTime<Utc>,
        tokens: &[TokenRecord],
    ) -> StoreResult<bool> {
        // Issuing changes no cached look-up (see `insert_tokens`); codes are
        // not cached.
        self.issue(Issue {
            claim: Some((
                "update oauth_codes set used_at = $1, updated_at = $1 where id = $2 and used_at is null",
                code_id.to_owned(),
            )),
            grant_id: grant_id.to_owned(),
            now,
            tokens: tokens.to_vec(),
        })
        .await
    }

    async fn rotate_refresh_token(
        &self,
        token_id: &str,
        grant_id: &str,
        now: DateTime<Utc>,
        tokens: &[TokenRecord],
    ) -> StoreResult<bool> {
        self.changing_tokens(async {
            self.issue(Issue {
                claim: Some((
                    "update tokens set rotated_at = $1, updated_at = $1 \
                     where id = $2 and rotated_at is null and revoked_at is null",
                    token_id.to_owned(),
                )),
                grant_id: grant_id.to_owned(),
                now,
                tokens: tokens.to_vec(),
            })
            .await
        })
        .await
    }

    async fn insert_tokens(
        &self,
        grant_id: &str,
        now: DateTime<Utc>,
        tokens: &[TokenRecord],
    ) -> StoreResult<()> {
        // No invalidation: a new token's hash is random, so no cached
        // look-up can be of it (a token not found is never cached), and a
        // grant's last use is not part of a look-up. Invalidating here would
        // flush every node's caches (and cost a NOTIFY) at every grant.
        self.issue(Issue {
            claim: None,
            grant_id: grant_id.to_owned(),
            now,
            tokens: tokens.to_vec(),
        })
        .await
        .map(|_| ())
    }

    async fn revoke_token_family(
        &self,
        family_id: &str,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        self.changing_tokens(async {
        with_retry!(async {
on_pool!(self.writer, db => {
            let mut tx = db.begin().await.map_err(err)?;
        sqlx::query(
            "update tokens set revoked_at = $1, updated_at = $1 where family_id = $2 and revoked_at is null",
        )
        .bind(ms(now))
        .bind(family_id)
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
}
