//! OAuth apps: their rows, creation, update and deletion, and the look-ups
//! by id, by client id (cached per node) and by client secret hash.

use crate::audit::insert_audit_in;
use crate::rows::{ms, scopes, time};
use crate::{db_err, err, SqlStore};
use switchboard_core::audit::AuditEntry;
use switchboard_core::logo::LogoOwner;
use switchboard_core::oauth::{AccessTokenLifetime, ClientType, OAuthApp, Visibility};
use switchboard_core::store::{Constraint, StoreError, StoreResult};
use switchboard_core::token::TokenHash;

const APP_COLUMNS: &str = "o.id, o.account_id, o.client_id, o.name, o.description, o.redirect_uris, \
     o.scopes, o.visibility, o.client_type, o.require_pkce, o.access_token_lifetime, o.secret_sealed, \
     o.secret_hash, o.logo_id, o.created_by, o.created_at, o.updated_at";

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

impl SqlStore {
    async fn find_oauth_app_by_client_id_uncached(
        &self,
        client_id: &str,
    ) -> StoreResult<Option<(OAuthApp, String)>> {
        let sql = format!(
            "select {APP_COLUMNS}, a.name as owner_name from oauth_apps o \
             join accounts a on a.id = o.account_id where o.client_id = $1"
        );
        let row: Option<AppWithOwnerRow> = on_reader!(self.reader, db => sqlx::query_as(&sql)
            .bind(client_id)
            .fetch_optional(db)
            .await)
        .map_err(err)?;
        row.map(|r| Ok((OAuthApp::try_from(r.app)?, r.owner_name)))
            .transpose()
    }

    async fn one_app(&self, where_clause: &str, binds: &[&str]) -> StoreResult<Option<OAuthApp>> {
        let sql = format!("select {APP_COLUMNS} from oauth_apps o where {where_clause}");
        on_reader!(self.reader, db => {
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

pub(super) async fn insert(store: &SqlStore, a: &OAuthApp, audit: &AuditEntry) -> StoreResult<()> {
    // Client look-ups cache "no such client" too.
    store
        .changing_tokens(async {
            with_retry!(async {
                on_pool!(store.writer, db => {
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

pub(super) async fn list(store: &SqlStore, account_id: &str) -> StoreResult<Vec<OAuthApp>> {
    let sql = format!(
        "select {APP_COLUMNS} from oauth_apps o where o.account_id = $1 order by o.created_at desc, o.id desc"
    );
    let rows: Vec<AppRow> = on_reader!(store.reader, db => sqlx::query_as(&sql)
        .bind(account_id)
        .fetch_all(db)
        .await)
    .map_err(err)?;
    rows.into_iter().map(OAuthApp::try_from).collect()
}

pub(super) async fn get(
    store: &SqlStore,
    account_id: &str,
    id: &str,
) -> StoreResult<Option<OAuthApp>> {
    store
        .one_app("o.id = $1 and o.account_id = $2", &[id, account_id])
        .await
}

pub(super) async fn get_by_id(store: &SqlStore, id: &str) -> StoreResult<Option<OAuthApp>> {
    store.one_app("o.id = $1", &[id]).await
}

pub(super) async fn find_by_secret_hash(
    store: &SqlStore,
    hash: &TokenHash,
) -> StoreResult<Option<OAuthApp>> {
    store.one_app("o.secret_hash = $1", &[hash.as_str()]).await
}

/// Cached per node, like token look-ups: every write that changes an app
/// or its owner's name goes through `changing_tokens`.
pub(super) async fn find_by_client_id(
    store: &SqlStore,
    client_id: &str,
) -> StoreResult<Option<(OAuthApp, String)>> {
    let ticket = match store.caches.clients.get(client_id) {
        Ok(hit) => return Ok(hit),
        Err(ticket) => ticket,
    };
    let found = store
        .find_oauth_app_by_client_id_uncached(client_id)
        .await?;
    store.caches.clients.put(client_id, None, &found, ticket);
    Ok(found)
}

pub(super) async fn update(store: &SqlStore, a: &OAuthApp, audit: &AuditEntry) -> StoreResult<()> {
    store
        .changing_tokens(async {
            with_retry!(async {
                on_pool!(store.writer, db => {
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

pub(super) async fn delete(
    store: &SqlStore,
    account_id: &str,
    id: &str,
    audit: &AuditEntry,
) -> StoreResult<bool> {
    store
        .changing_tokens(async {
            // Grants, consents and codes cascade; tokens cascade from grants.
            store
                .delete_app(LogoOwner::OAuthApp, account_id, id, audit)
                .await
        })
        .await
}
