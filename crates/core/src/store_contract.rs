//! The storage contract: behaviour every `Store` backend must show. Each
//! backend's tests call [`run_all`] on a fresh, migrated store.
//!
//! This file holds the fixtures the cases share and the list of cases
//! [`run_all`] runs; the cases themselves live in one submodule an
//! aggregate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod audit;
mod cache;
mod issuance;
mod lists;
mod nodes;
mod private_apps;
mod records;

pub use cache::issuing_tokens_keeps_cached_lookups;
pub use nodes::changes_reach_other_nodes;

use crate::account::{Account, Role, User};
use crate::audit::AuditEntry;
use crate::ids::new_id;
use crate::private_app::PrivateApp;
use crate::scope::Scope;
use crate::store::{Store, TokenRecord};
use crate::token::{PlainToken, TokenKind};
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

pub async fn run_all(store: &dyn Store) {
    accounts::accounts_and_unique_emails(store).await;
    accounts::users_are_scoped_to_their_account(store).await;
    accounts::deactivation_ends_sessions(store).await;
    private_apps::private_app_lifecycle(store).await;
    private_apps::rotation_never_extends_a_token(store).await;
    private_apps::token_touch_is_throttled(store).await;
    audit::audit_log_filters(store).await;
    audit::audit_entries_commit_with_their_change(store).await;
    records::records_and_their_feed(store).await;
    lists::list_membership_follows_every_write(store).await;
    crate::store_contract_settings::run(store).await;
    crate::oauth::store_contract::run(store).await;
    issuance::concurrent_issuance_fails_alone(store).await;
    crate::console_reveal::contract(store).await;
    store.ping().await.unwrap();
}
