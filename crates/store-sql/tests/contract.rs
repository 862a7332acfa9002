//! The storage contract suite on both backends, and the migration folders in step.
#![allow(clippy::unwrap_used)]

use switchboard_core::store_contract::{
    changes_reach_other_nodes, issuing_tokens_keeps_cached_lookups, run_all,
};
use switchboard_store_sql::testing::{postgres_available, TestDb};
use switchboard_store_sql::{PoolSettings, SqlStore, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

#[tokio::test]
async fn sqlite_passes_the_store_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open_sqlite_in_dir(dir.path(), &Default::default())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    run_all(&store).await;
    // Migrations are idempotent: a second run is a no-op.
    store.migrate().await.unwrap();
}

#[tokio::test]
async fn postgres_passes_the_store_contract() {
    if !postgres_available().await {
        return;
    }
    let db = TestDb::create().await;
    let store = SqlStore::open(&db.url, &PoolSettings::default())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    run_all(&store).await;
    store.migrate().await.unwrap();
    store.close().await;
}

/// Each node caches token look-ups; a change on one reaches the others'
/// caches through LISTEN/NOTIFY well within a second.
#[tokio::test]
async fn postgres_nodes_see_each_others_token_changes() {
    if !postgres_available().await {
        return;
    }
    let db = TestDb::create().await;
    let settings = PoolSettings::default();
    let open = || SqlStore::open(&db.url, &settings);
    let (writer, reader) = (open().await.unwrap(), open().await.unwrap());
    writer.migrate().await.unwrap();
    changes_reach_other_nodes(&writer, &reader).await;
    writer.close().await;
    reader.close().await;
}

/// Two SQLite stores on one file (the server and an operator command):
/// without notifications, the cache's lifetime alone bounds the delay.
#[tokio::test]
async fn sqlite_stores_on_one_file_see_each_others_token_changes() {
    let dir = tempfile::tempdir().unwrap();
    let writer = SqlStore::open_sqlite_in_dir(dir.path(), &Default::default())
        .await
        .unwrap();
    writer.migrate().await.unwrap();
    let reader = SqlStore::open_sqlite_in_dir(dir.path(), &Default::default())
        .await
        .unwrap();
    changes_reach_other_nodes(&writer, &reader).await;
}

/// The same two stores: what one issues leaves its cached look-ups alone.
#[tokio::test]
async fn sqlite_issuing_tokens_keeps_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let settings = PoolSettings::default();
    let open = || SqlStore::open_sqlite_in_dir(dir.path(), &settings);
    let writer = open().await.unwrap();
    writer.migrate().await.unwrap();
    let node = open().await.unwrap();
    issuing_tokens_keeps_cached_lookups(&writer, &node).await;
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let versions = |m: &sqlx::migrate::Migrator| {
        m.iter()
            .map(|m| (m.version, m.description.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(versions(&SQLITE_MIGRATIONS), versions(&POSTGRES_MIGRATIONS));
    assert!(!versions(&SQLITE_MIGRATIONS).is_empty());
}
