//! The store port over SQL, for both backends: the embedded SQLite file
//! (default) and PostgreSQL (`postgres://…`, any number of nodes). One set of
//! queries, written in the SQL both understand, runs through sqlx's `Any`
//! driver; what differs per backend (migrations, connection setup) is chosen
//! once, when the store is opened. Every method that writes more than one row
//! runs in one transaction.

#[macro_use]
mod retry;
mod oauth;
mod records;
mod rows;
#[cfg(feature = "test-support")]
pub mod testing;
mod token_cache;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rows::{ms, AccountRow, AuditRow, PrivateAppViewRow, SessionUserRow, TokenLookupRow, UserRow};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, AnyPool, Executor, Row};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use switchboard_core::account::{Account, User};
use switchboard_core::audit::{AuditEntry, AuditQuery};
use switchboard_core::logo::{Logo, LogoOwner};
use switchboard_core::private_app::PrivateApp;
use switchboard_core::session::Session;
use switchboard_core::store::{
    constraint, OldTokens, PrivateAppView, Store, StoreError, StoreResult, TokenLookup, TokenRecord,
};
use switchboard_core::token::TokenHash;
use token_cache::TokenCache;

/// The tables whose planner statistics SQLite keeps (see `sqlite_statistics`).
const STATISTICS_TABLES: [&str; 3] = ["contacts", "tickets", "calls"];

/// What `sqlite_statistics` does besides pruning useless statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Statistics {
    /// Analyse the large module tables completely (after a bulk load).
    Full,
    /// Analyse them with bounded work (the hourly maintenance).
    Periodic,
    /// Only prune (at start-up).
    Prune,
}

/// Kept in step: the same versions in both folders (checked by a test).
pub static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
pub static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Pool and timeout settings (PostgreSQL; SQLite uses fixed values).
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub statement_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Clone)]
pub struct SqlStore {
    /// Reads.
    pub(crate) pool: AnyPool,
    /// Writes: on SQLite one connection of its own, on PostgreSQL the same pool.
    pub(crate) writer: AnyPool,
    backend: Backend,
    tokens: TokenCache,
    /// PostgreSQL: the task that hears other nodes' token changes.
    _listener: Option<Arc<token_cache::Listener>>,
}

impl SqlStore {
    /// Open (creating if needed) the database file `<data_dir>/switchboard.db`.
    pub async fn open_sqlite_in_dir(data_dir: &Path) -> StoreResult<SqlStore> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Other(format!(
                "cannot create data dir {}: {e}",
                data_dir.display()
            ))
        })?;
        let path = data_dir.join("switchboard.db");
        let path = path
            .to_str()
            .ok_or_else(|| StoreError::Other("the data dir path is not valid UTF-8".into()))?;
        Self::open(
            &format!("sqlite://{path}?mode=rwc"),
            &PoolSettings::default(),
        )
        .await
    }

    /// Open a `sqlite:` or `postgres:` URL.
    pub async fn open(url: &str, settings: &PoolSettings) -> StoreResult<SqlStore> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Other(
                "database URL must start with sqlite: or postgres://".into(),
            ));
        };
        let options = AnyConnectOptions::from_str(url).map_err(other)?;
        let statement_timeout_ms = settings.statement_timeout.as_millis();
        let pool_options = AnyPoolOptions::new()
            .acquire_timeout(settings.acquire_timeout)
            // A connection the server dropped is noticed here and replaced
            // (PostgreSQL). An SQLite file cannot drop one: no ping, which
            // would cost a worker-thread round trip per acquire.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => {
                            conn.execute(
                                "pragma journal_mode = wal; pragma synchronous = normal; \
                                 pragma foreign_keys = on; pragma busy_timeout = 5000; \
                                 pragma case_sensitive_like = on;",
                            )
                            .await?;
                        }
                        Backend::Postgres => {
                            conn.execute(
                                format!("set statement_timeout = {statement_timeout_ms}").as_str(),
                            )
                            .await?;
                        }
                    }
                    Ok(())
                })
            });
        let (pool, writer) = match backend {
            // SQLite takes one writer at a time: writes queue here, in order,
            // on one connection, instead of contending for the file lock and
            // sleeping in its busy handler. A few readers are plenty.
            Backend::Sqlite => {
                let writer = pool_options
                    .clone()
                    .max_connections(1)
                    .connect_with(options.clone())
                    .await
                    .map_err(err)?;
                let readers = pool_options
                    .max_connections(8)
                    .connect_with(options)
                    .await
                    .map_err(err)?;
                (readers, writer)
            }
            Backend::Postgres => {
                let pool = pool_options
                    .max_connections(settings.max_connections)
                    .connect_with(options)
                    .await
                    .map_err(err)?;
                (pool.clone(), pool)
            }
        };
        let tokens = TokenCache::default();
        let listener = (backend == Backend::Postgres).then(|| Arc::new(tokens.listen(url)));
        Ok(SqlStore {
            pool,
            writer,
            backend,
            tokens,
            _listener: listener,
        })
    }

    /// The token and its owner: one query, and one more for a user's token.
    async fn find_token_uncached(&self, hash: &TokenHash) -> StoreResult<Option<TokenLookup>> {
        let row: Option<TokenLookupRow> = sqlx::query_as(
            // A token belongs to a Private App, or to an OAuth app through its grant.
            "select t.id, t.account_id, t.kind, t.token_hash, t.private_app_id, t.user_id, t.created_at, \
             t.last_used_at, t.expires_at, t.revoked_at, t.grant_id, t.family_id, t.scopes, t.rotated_at, \
             t.family_started_at, a.name as account_name, \
             coalesce(p.id, o.id) as app_id, coalesce(p.name, o.name) as app_name, \
             coalesce(p.scopes, o.scopes) as app_scopes, o.client_id \
             from tokens t join accounts a on a.id = t.account_id \
             left join private_apps p on p.id = t.private_app_id \
             left join oauth_grants g on g.id = t.grant_id \
             left join oauth_apps o on o.id = g.app_id \
             where t.token_hash = $1 and (p.id is not null or o.id is not null)",
        )
        .bind(hash.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        let Some(row) = row else { return Ok(None) };
        let user = match &row.user_id {
            Some(uid) => self.get_user(&row.account_id, uid).await?,
            None => None,
        };
        row.into_lookup(user).map(Some)
    }

    /// Run a write that can change what `find_token` returns; once it has
    /// succeeded, invalidate the cached look-ups.
    pub(crate) async fn changing_tokens<T>(
        &self,
        write: impl std::future::Future<Output = StoreResult<T>>,
    ) -> StoreResult<T> {
        let out = write.await;
        if out.is_ok() {
            self.tokens_changed().await;
        }
        out
    }

    /// After a write that can change what `find_token` returns: forget the
    /// cached look-ups here, and tell the other nodes (PostgreSQL).
    async fn tokens_changed(&self) {
        self.tokens.invalidate();
        if self.backend == Backend::Postgres {
            let notify = sqlx::query("select pg_notify($1, '')")
                .bind(token_cache::TOKENS_CHANNEL)
                .execute(&self.writer)
                .await;
            if let Err(e) = notify {
                // The others' caches still expire within TOKEN_CACHE_TTL.
                tracing::warn!(error = %e, "could not notify other nodes of a token change");
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.writer)
            .await
            .map_err(|e| StoreError::Other(format!("migration failed: {e}")))?;
        if self.backend == Backend::Sqlite {
            // Earlier versions analysed every table, small ones included.
            self.sqlite_statistics(Statistics::Prune).await?;
        }
        Ok(())
    }

    /// SQLite's planner statistics, kept only where they help: the module
    /// tables, whose several indexes need them to choose, once they are big
    /// enough. Statistics taken while a table is tiny ("1 row") would make
    /// the planner scan it later, when it is large; without statistics it
    /// assumes large tables and uses the unique indexes, which is right.
    async fn sqlite_statistics(&self, work: Statistics) -> StoreResult<()> {
        const MIN_ROWS: i64 = 10_000;
        let mut conn = self.writer.acquire().await.map_err(err)?;
        if work != Statistics::Prune {
            // Periodically, bounded work per index: an estimate will do.
            let limit = if work == Statistics::Full { 0 } else { 1000 };
            sqlx::query(&format!("pragma analysis_limit = {limit}"))
                .execute(&mut *conn)
                .await
                .map_err(err)?;
            for table in STATISTICS_TABLES {
                let rows: i64 = sqlx::query_scalar(&format!("select count(*) from {table}"))
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(err)?;
                if rows >= MIN_ROWS {
                    sqlx::query(&format!("analyze {table}"))
                        .execute(&mut *conn)
                        .await
                        .map_err(err)?;
                }
            }
        }
        let has_stats: Option<String> = sqlx::query_scalar(
            "select name from sqlite_master where type = 'table' and name = 'sqlite_stat1'",
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(err)?;
        if has_stats.is_none() {
            return Ok(());
        }
        // Drop what must not guide the planner: other tables, small tables.
        let keep = STATISTICS_TABLES.map(|t| format!("'{t}'")).join(", ");
        sqlx::query(&format!(
            "delete from sqlite_stat1 where tbl not in ({keep}) or tbl in \
             (select tbl from sqlite_stat1 where idx is not null \
              and cast(substr(stat, 1, instr(stat || ' ', ' ') - 1) as integer) < {MIN_ROWS})"
        ))
        .execute(&mut *conn)
        .await
        .map_err(err)?;
        // Statistics are loaded per connection, with the schema: `analyze
        // sqlite_schema` reloads them on this one only. A schema change makes
        // every other pooled connection reload its schema, and so the
        // statistics, before its next statement.
        sqlx::query(
            "analyze sqlite_schema; \
             create table switchboard_statistics_reload (x); \
             drop table switchboard_statistics_reload",
        )
        .execute(&mut *conn)
        .await
        .map(|_| ())
        .map_err(err)
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    /// Delete a Private App or OAuth app, and its logo, in one transaction.
    /// What hangs off the app goes by `on delete cascade`.
    pub(crate) async fn delete_app(
        &self,
        kind: LogoOwner,
        account_id: &str,
        id: &str,
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
            let mut tx = self.writer.begin().await.map_err(err)?;
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
            tx.commit().await.map_err(err)?;
            Ok(true)
        })
    }
}

fn other(e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(e.to_string())
}

/// Map a driver error; a unique violation becomes `Unique(name)` where the
/// caller knows which constraint the statement can violate (SQLite does not
/// report constraint names).
pub(crate) fn db_err(unique: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Unique(unique),
        // PostgreSQL rolled the transaction back: serialization failure, deadlock.
        sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("40001" | "40P01")) => {
            StoreError::Unavailable(e.to_string())
        }
        // SQLite: another writer holds the lock (SQLITE_BUSY and its extended codes).
        sqlx::Error::Database(d)
            if matches!(d.code().as_deref(), Some("5" | "261" | "517" | "6")) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Other(e.to_string()),
    }
}

pub(crate) fn err(e: sqlx::Error) -> StoreError {
    db_err("unknown")(e)
}

const USER_COLUMNS: &str =
    "u.id, u.account_id, u.email, u.name, u.password_hash, u.role, u.active, u.created_at, u.updated_at";

const APP_VIEW_SELECT: &str =
    "select p.id, p.account_id, p.name, p.description, p.scopes, p.logo_id, \
     p.expires_in_days, p.current_token_id, p.created_by, p.created_at, p.updated_at, \
     t.last_used_at as token_last_used_at, t.expires_at as token_expires_at \
     from private_apps p left join tokens t on t.id = p.current_token_id";

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("select 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(err)
    }

    async fn refresh_statistics(&self, full: bool) -> StoreResult<()> {
        match (self.backend, full) {
            (Backend::Sqlite, true) => self.sqlite_statistics(Statistics::Full).await,
            (Backend::Sqlite, false) => self.sqlite_statistics(Statistics::Periodic).await,
            (Backend::Postgres, true) => sqlx::query("analyze")
                .execute(&self.writer)
                .await
                .map(|_| ())
                .map_err(err),
            // PostgreSQL's autovacuum keeps statistics current by itself.
            (Backend::Postgres, false) => Ok(()),
        }
    }

    async fn purge_expired(
        &self,
        idle_before: DateTime<Utc>,
        started_before: DateTime<Utc>,
        keys_before: DateTime<Utc>,
        tokens_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        self.changing_tokens(async {
            let sessions =
                sqlx::query("delete from sessions where last_seen_at < $1 or created_at < $2")
                    .bind(ms(idle_before))
                    .bind(ms(started_before))
                    .execute(&self.writer)
                    .await
                    .map_err(err)?;
            let keys = sqlx::query("delete from idempotency_keys where created_at < $1")
                .bind(ms(keys_before))
                .execute(&self.writer)
                .await
                .map_err(err)?;
            let mut purged = sessions.rows_affected() + keys.rows_affected();
            // A used code is kept until it expires: a replay must still find it.
            for sql in [
                "delete from oauth_consents where expires_at < $1",
                "delete from oauth_codes where expires_at < $1",
            ] {
                purged += sqlx::query(sql)
                    .bind(ms(now))
                    .execute(&self.writer)
                    .await
                    .map_err(err)?
                    .rows_affected();
            }
            // Private App tokens stay: their app's list shows them.
            purged += sqlx::query(
                "delete from tokens where grant_id is not null \
             and (revoked_at < $1 or expires_at < $1)",
            )
            .bind(ms(tokens_before))
            .execute(&self.writer)
            .await
            .map_err(err)?
            .rows_affected();
            Ok(purged)
        })
        .await
    }

    async fn strip_admin_scopes_from_oauth(&self) -> StoreResult<u64> {
        self.changing_tokens(async {
            // Scopes are stored space-separated: pad, drop each admin scope, trim.
            let mut changed = 0;
            // `tokens`: only OAuth tokens; a Private App token's scopes are its app's.
            for (table, only) in [
                ("oauth_apps", ""),
                ("oauth_grants", ""),
                ("oauth_consents", ""),
                ("oauth_codes", ""),
                ("tokens", "and grant_id is not null"),
            ] {
                let sql = format!(
                    "update {table} set scopes = trim(replace(replace(' ' || scopes || ' ', \
                 ' admin.read ', ' '), ' admin.write ', ' ')) \
                 where scopes like '%admin.%' {only}"
                );
                changed += sqlx::query(&sql)
                    .execute(&self.writer)
                    .await
                    .map_err(err)?
                    .rows_affected();
            }
            Ok(changed)
        })
        .await
    }

    async fn create_account_with_admin(&self, account: &Account, admin: &User) -> StoreResult<()> {
        with_retry!(async {
            let mut tx = self.writer.begin().await.map_err(err)?;
            sqlx::query(
                "insert into accounts (id, name, created_at, updated_at) values ($1, $2, $3, $3)",
            )
            .bind(&account.id)
            .bind(&account.name)
            .bind(ms(account.created_at))
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            insert_user(&mut tx, admin).await?;
            tx.commit().await.map_err(err)
        })
    }

    async fn get_account(&self, id: &str) -> StoreResult<Option<Account>> {
        let row: Option<AccountRow> =
            sqlx::query_as("select id, name, created_at from accounts where id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(err)?;
        row.map(Account::try_from).transpose()
    }

    async fn list_accounts(&self) -> StoreResult<Vec<Account>> {
        let rows: Vec<AccountRow> =
            sqlx::query_as("select id, name, created_at from accounts order by created_at, id")
                .fetch_all(&self.pool)
                .await
                .map_err(err)?;
        rows.into_iter().map(Account::try_from).collect()
    }

    async fn insert_user(&self, user: &User) -> StoreResult<()> {
        let mut conn = self.writer.acquire().await.map_err(err)?;
        insert_user(&mut conn, user).await
    }

    async fn find_user_by_email(&self, email_lower: &str) -> StoreResult<Option<User>> {
        let sql = format!("select {USER_COLUMNS} from users u where u.email_key = $1");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(email_lower)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.map(User::try_from).transpose()
    }

    async fn get_user(&self, account_id: &str, user_id: &str) -> StoreResult<Option<User>> {
        let sql =
            format!("select {USER_COLUMNS} from users u where u.id = $1 and u.account_id = $2");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(user_id)
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.map(User::try_from).transpose()
    }

    async fn list_users(&self, account_id: &str) -> StoreResult<Vec<User>> {
        let sql = format!("select {USER_COLUMNS} from users u where u.account_id = $1 order by u.created_at, u.id");
        let rows: Vec<UserRow> = sqlx::query_as(&sql)
            .bind(account_id)
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.into_iter().map(User::try_from).collect()
    }

    async fn count_active_admins(&self, account_id: &str) -> StoreResult<i64> {
        sqlx::query_scalar(
            "select count(*) from users where account_id = $1 and role = 'admin' and active = 1",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await
        .map_err(err)
    }

    async fn update_user(&self, user: &User, now: DateTime<Utc>) -> StoreResult<()> {
        self.changing_tokens(async {
        with_retry!(async {
            let mut tx = self.writer.begin().await.map_err(err)?;
            sqlx::query("update users set role = $1, active = $2, updated_at = $3 where id = $4 and account_id = $5")
                .bind(user.role.as_str())
                .bind(i64::from(user.active))
                .bind(ms(user.updated_at))
                .bind(&user.id)
                .bind(&user.account_id)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            if !user.active {
                sqlx::query("delete from sessions where user_id = $1")
                    .bind(&user.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                sqlx::query(
                    "update tokens set revoked_at = $1, updated_at = $1 where user_id = $2 and revoked_at is null",
                )
                .bind(ms(now))
                .bind(&user.id)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                oauth::revoke_user_grants(&mut tx, &user.id, ms(now)).await?;
            }
            tx.commit().await.map_err(err)
        })
        })
        .await
    }

    async fn insert_session(&self, s: &Session) -> StoreResult<()> {
        sqlx::query(
            "insert into sessions (id_hash, user_id, account_id, csrf_token, created_at, updated_at, last_seen_at) \
             values ($1, $2, $3, $4, $5, $5, $6)",
        )
        .bind(s.id_hash.as_str())
        .bind(&s.user_id)
        .bind(&s.account_id)
        .bind(&s.csrf_token)
        .bind(ms(s.created_at))
        .bind(ms(s.last_seen_at))
        .execute(&self.writer)
        .await
        .map(|_| ())
        .map_err(err)
    }

    async fn find_session(
        &self,
        id_hash: &TokenHash,
    ) -> StoreResult<Option<(Session, User, Account)>> {
        let sql = format!(
            "select s.id_hash, s.csrf_token, s.created_at as s_created_at, s.last_seen_at, \
             a.name as account_name, a.created_at as account_created_at, {USER_COLUMNS} \
             from sessions s join users u on u.id = s.user_id join accounts a on a.id = s.account_id \
             where s.id_hash = $1"
        );
        let row: Option<SessionUserRow> = sqlx::query_as(&sql)
            .bind(id_hash.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.map(SessionUserRow::split).transpose()
    }

    async fn touch_session(&self, id_hash: &TokenHash, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("update sessions set last_seen_at = $1, updated_at = $1 where id_hash = $2")
            .bind(ms(now))
            .bind(id_hash.as_str())
            .execute(&self.writer)
            .await
            .map(|_| ())
            .map_err(err)
    }

    async fn delete_session(&self, id_hash: &TokenHash) -> StoreResult<()> {
        sqlx::query("delete from sessions where id_hash = $1")
            .bind(id_hash.as_str())
            .execute(&self.writer)
            .await
            .map(|_| ())
            .map_err(err)
    }

    async fn insert_private_app(&self, app: &PrivateApp, token: &TokenRecord) -> StoreResult<()> {
        with_retry!(async {
            let mut tx = self.writer.begin().await.map_err(err)?;
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
            tx.commit().await.map_err(err)
        })
    }

    async fn list_private_apps(&self, account_id: &str) -> StoreResult<Vec<PrivateAppView>> {
        let sql = format!(
            "{APP_VIEW_SELECT} where p.account_id = $1 order by p.created_at desc, p.id desc"
        );
        let rows: Vec<PrivateAppViewRow> = sqlx::query_as(&sql)
            .bind(account_id)
            .fetch_all(&self.pool)
            .await
            .map_err(err)?;
        rows.into_iter().map(PrivateAppView::try_from).collect()
    }

    async fn get_private_app(
        &self,
        account_id: &str,
        id: &str,
    ) -> StoreResult<Option<PrivateAppView>> {
        let sql = format!("{APP_VIEW_SELECT} where p.id = $1 and p.account_id = $2");
        let row: Option<PrivateAppViewRow> = sqlx::query_as(&sql)
            .bind(id)
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.map(PrivateAppView::try_from).transpose()
    }

    async fn update_private_app(&self, app: &PrivateApp) -> StoreResult<()> {
        self.changing_tokens(async {
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
        .execute(&self.writer)
        .await
        .map(|_| ())
        .map_err(err)
        })
        .await
    }

    async fn rotate_private_app(
        &self,
        app: &PrivateApp,
        new_token: &TokenRecord,
        old: OldTokens,
    ) -> StoreResult<()> {
        self.changing_tokens(async {
        with_retry!(async {
            let mut tx = self.writer.begin().await.map_err(err)?;
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
            tx.commit().await.map_err(err)
        })
        })
        .await
    }

    async fn delete_private_app(&self, account_id: &str, id: &str) -> StoreResult<bool> {
        self.changing_tokens(async {
            // Tokens go with the app (on delete cascade).
            self.delete_app(LogoOwner::PrivateApp, account_id, id).await
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
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        with_retry!(async {
            let mut tx = self.writer.begin().await.map_err(err)?;
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
            tx.commit().await.map_err(err)
        })
    }

    async fn get_logo(&self, id: &str) -> StoreResult<Option<Logo>> {
        let row = sqlx::query(
            "select id, account_id, content_type, bytes, created_at from logos where id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        let Some(row) = row else { return Ok(None) };
        let content_type: String = row.try_get("content_type").map_err(err)?;
        Ok(Some(Logo {
            id: row.try_get("id").map_err(err)?,
            account_id: row.try_get("account_id").map_err(err)?,
            // Only types that passed validation are ever stored.
            content_type: ["image/png", "image/jpeg", "image/webp"]
                .into_iter()
                .find(|t| *t == content_type)
                .ok_or_else(|| StoreError::Other(format!("unexpected logo type {content_type}")))?,
            bytes: row.try_get("bytes").map_err(err)?,
            created_at: rows::time(row.try_get("created_at").map_err(err)?)?,
        }))
    }

    async fn find_token(&self, hash: &TokenHash) -> StoreResult<Option<TokenLookup>> {
        let ticket = match self.tokens.get(hash) {
            Ok(hit) => return Ok(Some(hit)),
            Err(ticket) => ticket,
        };
        let found = self.find_token_uncached(hash).await?;
        if let Some(f) = &found {
            self.tokens.put(hash, &f.token.id, f, ticket);
        }
        Ok(found)
    }

    async fn touch_token(
        &self,
        token_id: &str,
        now: DateTime<Utc>,
        min_interval_ms: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "update tokens set last_used_at = $1 where id = $2 and (last_used_at is null or last_used_at <= $3)",
        )
        .bind(ms(now))
        .bind(token_id)
        .bind(ms(now) - min_interval_ms)
        .execute(&self.writer)
        .await
        .map_err(err)?;
        // Only this node's copy: other nodes' last_used_at may lag by the TTL.
        self.tokens.forget(token_id);
        Ok(())
    }

    async fn revoke_token(&self, token_id: &str, now: DateTime<Utc>) -> StoreResult<()> {
        self.changing_tokens(async {
        sqlx::query("update tokens set revoked_at = $1, updated_at = $1 where id = $2 and revoked_at is null")
            .bind(ms(now))
            .bind(token_id)
            .execute(&self.writer)
            .await
            .map(|_| ())
            .map_err(err)
        })
        .await
    }

    async fn insert_audit(&self, e: &AuditEntry) -> StoreResult<()> {
        sqlx::query(
            "insert into audit_log (id, account_id, actor, action, target, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(&e.id)
        .bind(&e.account_id)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.target)
        .bind(ms(e.created_at))
        .execute(&self.writer)
        .await
        .map(|_| ())
        .map_err(err)
    }

    async fn list_audit(&self, account_id: &str, q: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
        // Optional filters as bound parameters: `cast($n as type) is null or column = $n`
        // (the cast tells PostgreSQL the parameter's type).
        let rows: Vec<AuditRow> = sqlx::query_as(
            "select id, account_id, actor, action, target, created_at from audit_log \
             where account_id = $1 and (cast($2 as text) is null or actor = $2) \
             and (cast($3 as text) is null or action = $3) \
             and (cast($4 as bigint) is null or created_at >= $4) and (cast($5 as bigint) is null or created_at < $5) \
             order by created_at desc, id desc limit $6",
        )
        .bind(account_id)
        .bind(&q.actor)
        .bind(&q.action)
        .bind(q.since.map(ms))
        .bind(q.until.map(ms))
        .bind(q.limit)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.into_iter().map(AuditEntry::try_from).collect()
    }
}

async fn insert_user(conn: &mut AnyConnection, u: &User) -> StoreResult<()> {
    sqlx::query(
        "insert into users (id, account_id, email, email_key, name, password_hash, role, active, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&u.id)
    .bind(&u.account_id)
    .bind(&u.email)
    .bind(u.email.to_lowercase())
    .bind(&u.name)
    .bind(&u.password_hash)
    .bind(u.role.as_str())
    .bind(i64::from(u.active))
    .bind(ms(u.created_at))
    .bind(ms(u.updated_at))
    .execute(conn)
    .await
    .map(|_| ())
    .map_err(db_err(constraint::USER_EMAIL))
}

pub(crate) async fn insert_token(conn: &mut AnyConnection, t: &TokenRecord) -> StoreResult<()> {
    sqlx::query(
        "insert into tokens (id, account_id, kind, token_hash, private_app_id, user_id, created_at, updated_at, \
         last_used_at, expires_at, revoked_at, grant_id, family_id, scopes, rotated_at, family_started_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&t.id)
    .bind(&t.account_id)
    .bind(t.kind.as_str())
    .bind(t.hash.as_str())
    .bind(&t.private_app_id)
    .bind(&t.user_id)
    .bind(ms(t.created_at))
    .bind(t.last_used_at.map(ms))
    .bind(t.expires_at.map(ms))
    .bind(t.revoked_at.map(ms))
    .bind(&t.grant_id)
    .bind(&t.family_id)
    .bind(t.scopes.as_ref().map(|s| s.to_spaced()))
    .bind(t.rotated_at.map(ms))
    .bind(t.family_started_at.map(ms))
    .execute(conn)
    .await
    .map(|_| ())
    .map_err(err)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Statistics taken while `tokens` was tiny made the planner scan it once
    /// it was large (7 ms per token look-up at 58,000 tokens). Start-up prunes
    /// them, and refreshing never records them again.
    #[tokio::test]
    async fn tiny_table_statistics_are_pruned_and_token_lookups_use_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqlStore::open_sqlite_in_dir(dir.path()).await.unwrap();
        store.migrate().await.unwrap();
        for sql in [
            "insert into accounts (id, name, created_at, updated_at) values ('a', 'A', 0, 0)",
            "insert into tokens (id, account_id, kind, token_hash, created_at, updated_at) \
             values ('t', 'a', 'oauth_access', 'h', 0, 0)",
            // What earlier versions did at every start: analyse everything.
            "analyze",
        ] {
            sqlx::query(sql).execute(&store.pool).await.unwrap();
        }
        let stats_for = |table: &'static str| {
            let pool = store.pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>("select count(*) from sqlite_stat1 where tbl = $1")
                    .bind(table)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        assert!(
            stats_for("tokens").await > 0,
            "the old behaviour, as a baseline"
        );
        store.migrate().await.unwrap();
        assert_eq!(stats_for("tokens").await, 0);
        store.refresh_statistics(true).await.unwrap();
        store.refresh_statistics(false).await.unwrap();
        assert_eq!(stats_for("tokens").await, 0);
        assert_eq!(
            stats_for("contacts").await,
            0,
            "small module tables neither"
        );
        // On every pooled connection, including those that loaded the old
        // statistics before the prune (after their next statement: EXPLAIN
        // alone does not check the schema).
        let mut conns = Vec::new();
        for _ in 0..4 {
            conns.push(store.pool.acquire().await.unwrap());
        }
        for conn in &mut conns {
            sqlx::query("select 1 from tokens limit 1")
                .execute(&mut **conn)
                .await
                .unwrap();
            let plan: Vec<String> = sqlx::query(
                "explain query plan select t.id from tokens t \
                 left join oauth_grants g on g.id = t.grant_id where t.token_hash = 'h'",
            )
            .fetch_all(&mut **conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String, _>(3).unwrap())
            .collect();
            assert!(
                plan.iter().any(|d| d.starts_with("SEARCH t USING")),
                "{plan:?}"
            );
        }
    }
}
