//! Health, upkeep and start-up repairs: ping, purges, planner statistics,
//! and the removal of admin scopes from OAuth rows.

use crate::db::Pool;
use crate::rows::*;
use crate::{err, Backend, SqlStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use switchboard_core::store::*;

/// The tables whose planner statistics SQLite keeps (see `sqlite_statistics`).
const STATISTICS_TABLES: [&str; 4] = ["contacts", "tickets", "calls", "record_list_items"];

/// What `sqlite_statistics` does besides pruning useless statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Statistics {
    /// Analyse the large module tables completely (after a bulk load).
    Full,
    /// Analyse them with bounded work (the hourly maintenance).
    Periodic,
    /// Only prune (at start-up).
    Prune,
}

impl SqlStore {
    /// SQLite's planner statistics, kept only where they help: the module
    /// tables, whose several indexes need them to choose, once they are big
    /// enough. Statistics taken while a table is tiny ("1 row") would make
    /// the planner scan it later, when it is large; without statistics it
    /// assumes large tables and uses the unique indexes, which is right.
    pub(crate) async fn sqlite_statistics(&self, work: Statistics) -> StoreResult<()> {
        const MIN_ROWS: i64 = 10_000;
        let Pool::Sqlite(db) = &self.writer else {
            return Ok(());
        };
        let mut conn = db.acquire().await.map_err(err)?;
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
}

#[async_trait]
impl MaintenanceStore for SqlStore {
    async fn ping(&self) -> StoreResult<()> {
        on_reader!(self.reader, db => sqlx::query("select 1")
            .execute(db)
            .await.map(|r| r.rows_affected()))
        .map(|_| ())
        .map_err(err)
    }

    async fn refresh_statistics(&self, full: bool) -> StoreResult<()> {
        match (self.backend(), full) {
            (Backend::Sqlite, true) => self.sqlite_statistics(Statistics::Full).await,
            (Backend::Sqlite, false) => self.sqlite_statistics(Statistics::Periodic).await,
            // After a bulk load, vacuum too: it sets the visibility map, so
            // counts over an index (a list membership's `X-Total-Count`) are
            // index-only scans; before it, the planner counts with a scan
            // of the table (40 ms instead of 3 over 200,000 contacts).
            (Backend::Postgres, true) => {
                on_pool!(self.writer, db => sqlx::query("vacuum (analyze)")
                .execute(db)
                .await.map(|r| r.rows_affected()))
                .map(|_| ())
                .map_err(err)
            }
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
                on_pool!(self.writer, db => sqlx::query("delete from sessions where last_seen_at < $1 or created_at < $2")
                    .bind(ms(idle_before))
                    .bind(ms(started_before))
                    .execute(db)
                    .await.map(|r| r.rows_affected()))
                    .map_err(err)?;
            let keys = on_pool!(self.writer, db => sqlx::query("delete from idempotency_keys where created_at < $1")
                .bind(ms(keys_before))
                .execute(db)
                .await.map(|r| r.rows_affected()))
                .map_err(err)?;
            let mut purged = sessions + keys;
            // A used code is kept until it expires: a replay must still find it.
            for sql in [
                "delete from oauth_consents where expires_at < $1",
                "delete from oauth_codes where expires_at < $1",
            ] {
                purged += on_pool!(self.writer, db => sqlx::query(sql)
                    .bind(ms(now))
                    .execute(db)
                    .await.map(|r| r.rows_affected()))
                    .map_err(err)?;
            }
            // Private App tokens stay: their app's list shows them.
            purged += on_pool!(self.writer, db => sqlx::query(
                "delete from tokens where grant_id is not null \
             and (revoked_at < $1 or expires_at < $1)",
            )
            .bind(ms(tokens_before))
            .execute(db)
            .await.map(|r| r.rows_affected()))
            .map_err(err)?;
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
                changed += on_pool!(self.writer, db => sqlx::query(&sql)
                    .execute(db)
                    .await.map(|r| r.rows_affected()))
                .map_err(err)?;
            }
            Ok(changed)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use sqlx::Row;

    /// Statistics taken while `tokens` was tiny made the planner scan it once
    /// it was large (7 ms per token look-up at 58,000 tokens). Start-up prunes
    /// them, and refreshing never records them again.
    #[tokio::test]
    async fn tiny_table_statistics_are_pruned_and_token_lookups_use_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqlStore::open_sqlite_in_dir(dir.path(), &Default::default())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let crate::db::Readers::Sqlite(readers) = store.reader.clone() else {
            unreachable!("a SQLite store")
        };
        for sql in [
            "insert into accounts (id, name, created_at, updated_at) values ('a', 'A', 0, 0)",
            "insert into tokens (id, account_id, kind, token_hash, created_at, updated_at) \
             values ('t', 'a', 'oauth_access', 'h', 0, 0)",
            // What earlier versions did at every start: analyse everything.
            "analyze",
        ] {
            let mut conn = readers.acquire().await.unwrap();
            sqlx::query(sql).execute(&mut *conn).await.unwrap();
        }
        let stats_for = |table: &'static str| {
            let readers = readers.clone();
            async move {
                let mut conn = readers.acquire().await.unwrap();
                sqlx::query_scalar::<_, i64>("select count(*) from sqlite_stat1 where tbl = $1")
                    .bind(table)
                    .fetch_one(&mut *conn)
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
        // On every reader connection, including those that loaded the old
        // statistics before the prune (after their next statement: EXPLAIN
        // alone does not check the schema).
        let mut conns = Vec::new();
        for _ in 0..crate::SQLITE_READERS {
            conns.push(readers.acquire().await.unwrap());
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
