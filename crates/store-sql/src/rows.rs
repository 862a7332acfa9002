//! Row shapes as SQLite returns them, and their conversion to domain types.

use chrono::{DateTime, Utc};
use switchboard_core::account::{Account, Role, User};
use switchboard_core::audit::AuditEntry;
use switchboard_core::private_app::PrivateApp;
use switchboard_core::scope::ScopeSet;
use switchboard_core::session::Session;
use switchboard_core::store::{PrivateAppView, StoreError, StoreResult, TokenLookup, TokenRecord};
use switchboard_core::token::{TokenHash, TokenKind};

pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn time(ms: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| corrupt("timestamp out of range"))
}

pub fn opt_time(ms: Option<i64>) -> StoreResult<Option<DateTime<Utc>>> {
    ms.map(time).transpose()
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

pub fn scopes(s: &str) -> StoreResult<ScopeSet> {
    ScopeSet::parse_spaced(s).map_err(|bad| corrupt(&format!("scope {bad}")))
}

#[derive(sqlx::FromRow)]
pub struct AccountRow {
    id: String,
    name: String,
    created_at: i64,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;
    fn try_from(r: AccountRow) -> StoreResult<Account> {
        Ok(Account {
            id: r.id,
            name: r.name,
            created_at: time(r.created_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct UserRow {
    id: String,
    account_id: String,
    email: String,
    name: String,
    password_hash: String,
    role: String,
    active: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> StoreResult<User> {
        Ok(User {
            id: r.id,
            account_id: r.account_id,
            email: r.email,
            name: r.name,
            password_hash: r.password_hash,
            role: Role::parse(&r.role).ok_or_else(|| corrupt("role"))?,
            active: r.active != 0,
            created_at: time(r.created_at)?,
            updated_at: time(r.updated_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct SessionUserRow {
    id_hash: String,
    csrf_token: String,
    s_created_at: i64,
    last_seen_at: i64,
    account_name: String,
    account_created_at: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

impl SessionUserRow {
    pub fn split(self) -> StoreResult<(Session, User, Account)> {
        let user = User::try_from(self.user)?;
        let account = Account {
            id: user.account_id.clone(),
            name: self.account_name,
            created_at: time(self.account_created_at)?,
        };
        let session = Session {
            id_hash: TokenHash::from_stored(self.id_hash),
            user_id: user.id.clone(),
            account_id: user.account_id.clone(),
            csrf_token: self.csrf_token,
            created_at: time(self.s_created_at)?,
            last_seen_at: time(self.last_seen_at)?,
        };
        Ok((session, user, account))
    }
}

#[derive(sqlx::FromRow)]
pub struct PrivateAppViewRow {
    id: String,
    account_id: String,
    name: String,
    description: String,
    scopes: String,
    logo_id: Option<String>,
    expires_in_days: Option<i64>,
    current_token_id: String,
    created_by: String,
    created_at: i64,
    updated_at: i64,
    token_last_used_at: Option<i64>,
    token_expires_at: Option<i64>,
}

impl TryFrom<PrivateAppViewRow> for PrivateAppView {
    type Error = StoreError;
    fn try_from(r: PrivateAppViewRow) -> StoreResult<PrivateAppView> {
        Ok(PrivateAppView {
            app: PrivateApp {
                id: r.id,
                account_id: r.account_id,
                name: r.name,
                description: r.description,
                scopes: scopes(&r.scopes)?,
                logo_id: r.logo_id,
                expires_in_days: r.expires_in_days.map(|d| d as u32),
                current_token_id: r.current_token_id,
                created_by: r.created_by,
                created_at: time(r.created_at)?,
                updated_at: time(r.updated_at)?,
            },
            last_used_at: opt_time(r.token_last_used_at)?,
            expires_at: opt_time(r.token_expires_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct TokenLookupRow {
    id: String,
    pub account_id: String,
    kind: String,
    token_hash: String,
    private_app_id: Option<String>,
    pub user_id: Option<String>,
    created_at: i64,
    last_used_at: Option<i64>,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    grant_id: Option<String>,
    family_id: Option<String>,
    scopes: Option<String>,
    rotated_at: Option<i64>,
    family_started_at: Option<i64>,
    account_name: String,
    app_id: String,
    app_name: String,
    app_scopes: String,
    client_id: Option<String>,
}

impl TokenLookupRow {
    pub fn into_lookup(self, user: Option<User>) -> StoreResult<TokenLookup> {
        let app_scopes = scopes(&self.app_scopes)?;
        let token_scopes = self.scopes.as_deref().map(scopes).transpose()?;
        Ok(TokenLookup {
            token: TokenRecord {
                id: self.id,
                account_id: self.account_id,
                kind: TokenKind::from_db(&self.kind).ok_or_else(|| corrupt("token kind"))?,
                hash: TokenHash::from_stored(self.token_hash),
                private_app_id: self.private_app_id,
                user_id: self.user_id,
                created_at: time(self.created_at)?,
                last_used_at: opt_time(self.last_used_at)?,
                expires_at: opt_time(self.expires_at)?,
                revoked_at: opt_time(self.revoked_at)?,
                grant_id: self.grant_id,
                family_id: self.family_id,
                scopes: token_scopes.clone(),
                rotated_at: opt_time(self.rotated_at)?,
                family_started_at: opt_time(self.family_started_at)?,
            },
            account_name: self.account_name,
            app_id: self.app_id,
            app_name: self.app_name,
            // An OAuth token keeps only what its app may still ask for.
            scopes: match token_scopes {
                Some(own) => own.iter().filter(|s| app_scopes.contains(*s)).collect(),
                None => app_scopes,
            },
            user,
            client_id: self.client_id,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct AuditRow {
    id: String,
    account_id: String,
    actor: String,
    action: String,
    target: Option<String>,
    ip: Option<String>,
    created_at: i64,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;
    fn try_from(r: AuditRow) -> StoreResult<AuditEntry> {
        Ok(AuditEntry {
            id: r.id,
            account_id: r.account_id,
            actor: r.actor,
            action: r.action,
            target: r.target,
            ip: r.ip,
            created_at: time(r.created_at)?,
        })
    }
}
