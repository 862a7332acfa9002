//! The storage contract: behaviour every `Store` backend must show. Each
//! backend's tests call [`run_all`] on a fresh, migrated store.
//!
//! This file holds the list of cases [`run_all`] runs; the cases live in
//! one submodule an aggregate, and build their data with `fixtures`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod audit;
mod cache;
mod console;
mod fixtures;
mod issuance;
mod lists;
mod nodes;
mod oauth;
mod private_apps;
mod records;
mod settings;

pub use cache::issuing_tokens_keeps_cached_lookups;
pub use nodes::changes_reach_other_nodes;

use crate::store::Store;

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
    lists::concurrent_writes_keep_list_counts(store).await;
    settings::run(store).await;
    oauth::run(store).await;
    issuance::concurrent_issuance_fails_alone(store).await;
    cache::grant_lookups_follow_grant_writes(store).await;
    console::run(store).await;
    store.ping().await.unwrap();
}
