//! Throwaway PostgreSQL databases for tests. The server comes from
//! `SWITCHBOARD_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
//! With `SWITCHBOARD_TEST_POSTGRES=require` (as CI sets it) an unreachable
//! server fails the Postgres tests; without it they report a skip on stderr,
//! with the reason, and return.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sqlx::{Connection, Executor, PgConnection};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

pub fn admin_url() -> String {
    std::env::var("SWITCHBOARD_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Whether the Postgres variant of a test should run (checked once per process).
pub async fn postgres_available() -> bool {
    static RESULT: OnceLock<Result<(), String>> = OnceLock::new();
    if RESULT.get().is_none() {
        let probe =
            tokio::time::timeout(Duration::from_secs(3), PgConnection::connect(&admin_url())).await;
        let result = match probe {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
                Ok(())
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("no answer within 3 s".into()),
        };
        let _ = RESULT.set(result);
    }
    match RESULT.get() {
        Some(Ok(())) => true,
        Some(Err(why)) => {
            if std::env::var("SWITCHBOARD_TEST_POSTGRES").as_deref() == Ok("require") {
                panic!("PostgreSQL is required (SWITCHBOARD_TEST_POSTGRES=require) but unreachable: {why}");
            }
            static SAID: AtomicBool = AtomicBool::new(false);
            if !SAID.swap(true, Ordering::Relaxed) {
                // Straight to the process's stderr: test output capture would hide it.
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED: the PostgreSQL variants of these tests did not run: {} unreachable ({why})",
                    admin_url()
                );
            }
            false
        }
        None => false,
    }
}

/// A database of its own for one test, dropped (with its connections) on drop.
pub struct TestDb {
    pub url: String,
    name: String,
}

impl TestDb {
    pub async fn create() -> TestDb {
        static N: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "swb_t_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = PgConnection::connect(&admin_url()).await.unwrap();
        admin
            .execute(format!("drop database if exists {name} with (force)").as_str())
            .await
            .unwrap();
        admin
            .execute(format!("create database {name}").as_str())
            .await
            .unwrap();
        let _ = admin.close().await;
        let url = match admin_url().rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("SWITCHBOARD_TEST_DATABASE_URL must name a database"),
        };
        TestDb { url, name }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime: do the async work on a thread of its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&admin_url()).await {
                    let _ = admin
                        .execute(format!("drop database if exists {name} with (force)").as_str())
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}
