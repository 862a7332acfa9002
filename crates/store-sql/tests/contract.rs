//! The storage contract suite on both backends, and the migration folders in step.
#![allow(clippy::unwrap_used)]

use switchboard_core::store_contract::run_all;
use switchboard_store_sql::testing::{postgres_available, TestDb};
use switchboard_store_sql::{PoolSettings, SqlStore, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

#[tokio::test]
async fn sqlite_passes_the_store_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open_sqlite_in_dir(dir.path()).await.unwrap();
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
