//! Database settings shared by every command that opens the database: the
//! PostgreSQL pool and statement timeout, and SQLite's durability.

use super::{ConfigArgs, FileConfig};
use anyhow::bail;
use std::time::Duration;
use switchboard_store_sql::{PoolSettings, SqliteSync};

/// The values `--sqlite-synchronous` takes.
pub const SQLITE_SYNCHRONOUS_VALUES: [&str; 2] = ["normal", "full"];

pub(super) fn pool_settings(
    common: &ConfigArgs,
    file: &FileConfig,
) -> anyhow::Result<PoolSettings> {
    let mut pool = PoolSettings::default();
    if let Some(n) = common.db_max_connections.or(file.db_max_connections) {
        if n == 0 {
            bail!("db_max_connections must be at least 1");
        }
        pool.max_connections = n;
    }
    if let Some(secs) = common.db_statement_timeout.or(file.db_statement_timeout) {
        pool.statement_timeout = Duration::from_secs(secs.max(1));
    }
    let sync = common
        .sqlite_synchronous
        .as_deref()
        .or(file.sqlite_synchronous.as_deref());
    pool.sqlite_sync = match sync {
        None | Some("normal") => SqliteSync::Normal,
        Some("full") => SqliteSync::Full,
        Some(other) => bail!("sqlite_synchronous must be normal or full, got {other:?}"),
    };
    Ok(pool)
}

/// As the start-up line shows it.
pub fn sqlite_sync_name(sync: SqliteSync) -> &'static str {
    match sync {
        SqliteSync::Normal => "normal",
        SqliteSync::Full => "full",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn synchronous_comes_from_the_flag_then_the_file_and_is_checked() {
        let mut args = ConfigArgs::default();
        let mut file = FileConfig::default();
        assert_eq!(
            pool_settings(&args, &file).unwrap().sqlite_sync,
            SqliteSync::Normal
        );
        file.sqlite_synchronous = Some("full".into());
        assert_eq!(
            pool_settings(&args, &file).unwrap().sqlite_sync,
            SqliteSync::Full
        );
        args.sqlite_synchronous = Some("normal".into());
        assert_eq!(
            pool_settings(&args, &file).unwrap().sqlite_sync,
            SqliteSync::Normal
        );
        file.sqlite_synchronous = Some("off".into());
        args.sqlite_synchronous = None;
        let err = pool_settings(&args, &file).unwrap_err().to_string();
        assert!(
            err.contains("sqlite_synchronous must be normal or full"),
            "{err}"
        );
    }
}
