//! What the contract's cases build their data from: times as stores keep
//! them, audit entries, accounts, users, apps, grants and tokens.

use crate::ids::new_id;
use crate::model::account::{Account, Role, User};
use crate::model::audit::AuditEntry;
use crate::model::oauth::{AccessTokenLifetime, AuthCode, ClientType, Grant, OAuthApp, Visibility};
use crate::model::private_app::PrivateApp;
use crate::scope::{Scope, ScopeSet};
use crate::store::{Store, TokenRecord};
use crate::token::{PlainToken, TokenHash, TokenKind};
use chrono::{DateTime, Duration, DurationRound, Utc};

/// Times as the store keeps them: millisecond precision.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(Duration::milliseconds(1))
        .unwrap()
}

/// The audit entry a contract write carries (the store commits it with the write).
pub(crate) fn audited(account_id: &str) -> AuditEntry {
    AuditEntry::new(account_id, "cli", "contract.write", None, now())
}

pub(crate) fn account(name: &str) -> Account {
    Account {
        id: new_id(),
        name: name.into(),
        created_at: now(),
    }
}

pub(crate) fn user(account: &Account, email: &str, role: Role) -> User {
    User {
        id: new_id(),
        account_id: account.id.clone(),
        email: email.into(),
        name: "Someone".into(),
        password_hash: "$argon2id$v=19$not-a-real-hash".into(),
        role,
        active: true,
        created_at: now(),
        updated_at: now(),
    }
}

pub(crate) fn app_with_token(
    account: &Account,
    expires_at: Option<DateTime<Utc>>,
) -> (PrivateApp, TokenRecord, PlainToken) {
    let plain = PlainToken::generate(TokenKind::PrivateApp);
    let app_id = new_id();
    let token = TokenRecord {
        id: new_id(),
        account_id: account.id.clone(),
        kind: TokenKind::PrivateApp,
        hash: plain.hash(),
        private_app_id: Some(app_id.clone()),
        user_id: None,
        created_at: now(),
        last_used_at: None,
        expires_at,
        revoked_at: None,
        grant_id: None,
        family_id: None,
        scopes: None,
        rotated_at: None,
        family_started_at: None,
    };
    let app = PrivateApp {
        id: app_id,
        account_id: account.id.clone(),
        name: "app".into(),
        description: String::new(),
        scopes: [Scope::ContactsRead, Scope::AdminWrite]
            .into_iter()
            .collect(),
        logo_id: None,
        expires_in_days: None,
        current_token_id: token.id.clone(),
        created_by: "test".into(),
        created_at: now(),
        updated_at: now(),
    };
    (app, token, plain)
}

/// A fresh account with an admin of a unique email.
pub(crate) async fn new_account(store: &dyn Store, name: &str) -> Account {
    let a = account(name);
    let admin = user(&a, &format!("{}@contract.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&a, &admin, &audited(&a.id))
        .await
        .unwrap();
    a
}

pub(crate) fn scopes(s: &str) -> ScopeSet {
    ScopeSet::parse_spaced(s).unwrap()
}

pub(crate) fn app(account: &Account) -> OAuthApp {
    OAuthApp {
        id: new_id(),
        account_id: account.id.clone(),
        client_id: new_id(),
        name: "Zap".into(),
        description: "syncs".into(),
        redirect_uris: vec!["https://a.example/cb".into(), "http://127.0.0.1/cb".into()],
        scopes: scopes("contacts.read tickets.read offline_access"),
        visibility: Visibility::Public,
        client_type: ClientType::Confidential,
        require_pkce: false,
        access_token_lifetime: AccessTokenLifetime::OneHour,
        secret_sealed: Some("sealed".into()),
        secret_hash: Some(TokenHash::of("secret")),
        logo_id: None,
        created_by: "cli".into(),
        created_at: now(),
        updated_at: now(),
    }
}

pub(crate) fn grant(app: &OAuthApp, user: &User, scope: &str) -> Grant {
    Grant {
        id: new_id(),
        account_id: user.account_id.clone(),
        app_id: app.id.clone(),
        user_id: Some(user.id.clone()),
        subject: user.id.clone(),
        scopes: scopes(scope),
        created_at: now(),
        updated_at: now(),
        last_used_at: None,
    }
}

pub(crate) fn code(
    app: &OAuthApp,
    user: &User,
    grant: &Grant,
    expires_at: DateTime<Utc>,
) -> AuthCode {
    AuthCode {
        id: new_id(),
        code_hash: TokenHash::of(&new_id()),
        grant_id: grant.id.clone(),
        app_id: app.id.clone(),
        user_id: user.id.clone(),
        account_id: user.account_id.clone(),
        redirect_uri: "https://a.example/cb".into(),
        scopes: grant.scopes.clone(),
        code_challenge: Some("c".repeat(43)),
        created_at: now(),
        expires_at,
        used_at: None,
    }
}

pub(crate) fn oauth_token(
    kind: TokenKind,
    g: &Grant,
    family: &str,
    scope: &str,
) -> (PlainToken, TokenRecord) {
    let plain = PlainToken::generate(kind);
    let rec = TokenRecord {
        id: new_id(),
        account_id: g.account_id.clone(),
        kind,
        hash: plain.hash(),
        private_app_id: None,
        user_id: g.user_id.clone(),
        created_at: now(),
        last_used_at: None,
        expires_at: None,
        revoked_at: None,
        grant_id: Some(g.id.clone()),
        family_id: Some(family.to_owned()),
        scopes: Some(scopes(scope)),
        rotated_at: None,
        family_started_at: Some(now()),
    };
    (plain, rec)
}

/// The OAuth app of the client id, with its account's name.
pub(crate) async fn client(store: &dyn Store, client_id: &str) -> Option<(OAuthApp, String)> {
    store.find_oauth_app_by_client_id(client_id).await.unwrap()
}

/// An account with its admin, an OAuth app it registered, and the admin's
/// grant of `contacts.read` to it: what token issuance needs.
pub(crate) struct GrantedApp {
    pub owner: Account,
    pub admin: User,
    pub app: OAuthApp,
    pub grant: Grant,
}

pub(crate) async fn granted_app(store: &dyn Store, name: &str) -> GrantedApp {
    let owner = account(name);
    let admin = user(&owner, &format!("{}@grant.example", new_id()), Role::Admin);
    store
        .create_account_with_admin(&owner, &admin, &audited(&owner.id))
        .await
        .unwrap();
    let a = app(&owner);
    store
        .insert_oauth_app(&a, &audited(&owner.id))
        .await
        .unwrap();
    let g = store
        .save_grant(&grant(&a, &admin, "contacts.read"), &audited(&owner.id))
        .await
        .unwrap();
    GrantedApp {
        owner,
        admin,
        app: a,
        grant: g,
    }
}
