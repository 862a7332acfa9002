//! Accounts, users and console sessions.

use crate::audit::insert_audit_in;
use crate::db::Conn;
use crate::rows::*;
use crate::{db_err, err, SqlStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use switchboard_core::account::{Account, Role, User};
use switchboard_core::audit::AuditEntry;
use switchboard_core::session::Session;
use switchboard_core::store::*;
use switchboard_core::token::TokenHash;

pub(crate) const USER_COLUMNS: &str =
    "u.id, u.account_id, u.email, u.name, u.password_hash, u.role, u.active, u.created_at, u.updated_at";

#[async_trait]
impl AccountStore for SqlStore {
    async fn create_account_with_admin(
        &self,
        account: &Account,
        admin: &User,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
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
                insert_audit_in(&mut tx, audit).await?;
                tx.commit().await.map_err(err)
            })
        })
    }

    async fn get_account(&self, id: &str) -> StoreResult<Option<Account>> {
        let row: Option<AccountRow> =
            on_reader!(self.reader, db => sqlx::query_as("select id, name, created_at from accounts where id = $1")
                .bind(id)
                .fetch_optional(db)
                .await)
                .map_err(err)?;
        row.map(Account::try_from).transpose()
    }

    async fn list_accounts(&self) -> StoreResult<Vec<Account>> {
        let rows: Vec<AccountRow> =
            on_reader!(self.reader, db => sqlx::query_as("select id, name, created_at from accounts order by created_at, id")
                .fetch_all(db)
                .await)
                .map_err(err)?;
        rows.into_iter().map(Account::try_from).collect()
    }

    async fn insert_user(&self, user: &User, audit: &AuditEntry) -> StoreResult<()> {
        with_retry!(async {
            on_pool!(self.writer, db => {
                let mut tx = db.begin().await.map_err(err)?;
                insert_user(&mut tx, user).await?;
                insert_audit_in(&mut tx, audit).await?;
                tx.commit().await.map_err(err)
            })
        })
    }

    async fn find_user_by_email(&self, email_lower: &str) -> StoreResult<Option<User>> {
        let sql = format!("select {USER_COLUMNS} from users u where u.email_key = $1");
        let row: Option<UserRow> = on_reader!(self.reader, db => sqlx::query_as(&sql)
            .bind(email_lower)
            .fetch_optional(db)
            .await)
        .map_err(err)?;
        row.map(User::try_from).transpose()
    }

    async fn get_user(&self, account_id: &str, user_id: &str) -> StoreResult<Option<User>> {
        let sql =
            format!("select {USER_COLUMNS} from users u where u.id = $1 and u.account_id = $2");
        let row: Option<UserRow> = on_reader!(self.reader, db => sqlx::query_as(&sql)
            .bind(user_id)
            .bind(account_id)
            .fetch_optional(db)
            .await)
        .map_err(err)?;
        row.map(User::try_from).transpose()
    }

    async fn list_users(&self, account_id: &str) -> StoreResult<Vec<User>> {
        let sql = format!("select {USER_COLUMNS} from users u where u.account_id = $1 order by u.created_at, u.id");
        let rows: Vec<UserRow> = on_reader!(self.reader, db => sqlx::query_as(&sql)
            .bind(account_id)
            .fetch_all(db)
            .await)
        .map_err(err)?;
        rows.into_iter().map(User::try_from).collect()
    }

    async fn count_active_admins(&self, account_id: &str) -> StoreResult<i64> {
        on_reader!(self.reader, db => sqlx::query_scalar(
            "select count(*) from users where account_id = $1 and role = 'admin' and active = 1",
        )
        .bind(account_id)
        .fetch_one(db)
        .await)
        .map_err(err)
    }

    async fn update_user(
        &self,
        user: &User,
        now: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        self.changing_tokens(async {
        with_retry!(async {
on_pool!(self.writer, db => {
            let mut tx = db.begin().await.map_err(err)?;
            // Lock the account's row first: concurrent changes to its users
            // then run one after the other, so the admin count below is current.
            sqlx::query("update accounts set updated_at = updated_at where id = $1")
                .bind(&user.account_id)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            let was_admin: Option<i64> = sqlx::query_scalar(
                "select count(*) from users where id = $1 and role = 'admin' and active = 1",
            )
            .bind(&user.id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?;
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
                crate::oauth::revoke_user_grants(&mut tx, &user.id, ms(now)).await?;
            }
            let still_admin = user.active && user.role == Role::Admin;
            if was_admin == Some(1) && !still_admin {
                let admins: i64 = sqlx::query_scalar(
                    "select count(*) from users where account_id = $1 and role = 'admin' and active = 1",
                )
                .bind(&user.account_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(err)?;
                if admins == 0 {
                    return Err(StoreError::LastAdmin);
                }
            }
            insert_audit_in(&mut tx, audit).await?;
            tx.commit().await.map_err(err)
        })
})
        })
        .await
    }

    async fn insert_session(&self, s: &Session) -> StoreResult<()> {
        on_pool!(self.writer, db => sqlx::query(
            "insert into sessions (id_hash, user_id, account_id, csrf_token, created_at, updated_at, last_seen_at) \
             values ($1, $2, $3, $4, $5, $5, $6)",
        )
        .bind(s.id_hash.as_str())
        .bind(&s.user_id)
        .bind(&s.account_id)
        .bind(&s.csrf_token)
        .bind(ms(s.created_at))
        .bind(ms(s.last_seen_at))
        .execute(db)
        .await.map(|r| r.rows_affected()))
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
        let row: Option<SessionUserRow> = on_reader!(self.reader, db => sqlx::query_as(&sql)
            .bind(id_hash.as_str())
            .fetch_optional(db)
            .await)
        .map_err(err)?;
        row.map(SessionUserRow::split).transpose()
    }

    async fn touch_session(&self, id_hash: &TokenHash, now: DateTime<Utc>) -> StoreResult<()> {
        on_pool!(self.writer, db => sqlx::query("update sessions set last_seen_at = $1, updated_at = $1 where id_hash = $2")
            .bind(ms(now))
            .bind(id_hash.as_str())
            .execute(db)
            .await.map(|r| r.rows_affected()))
            .map(|_| ())
            .map_err(err)
    }

    async fn delete_session(&self, id_hash: &TokenHash) -> StoreResult<()> {
        on_pool!(self.writer, db => sqlx::query("delete from sessions where id_hash = $1")
            .bind(id_hash.as_str())
            .execute(db)
            .await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(err)
    }
}

async fn insert_user(conn: impl Into<Conn<'_>>, u: &User) -> StoreResult<()> {
    on_conn!(conn.into(), conn => {
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
        .map_err(db_err(Constraint::UserEmail))
    })
}
