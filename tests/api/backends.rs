//! Running one test body on both backends: SQLite always, PostgreSQL when one
//! answers (see `switchboard_store_sql::testing`), each test in a database of
//! its own that is dropped afterwards.

pub use switchboard_store_sql::testing::{postgres_available, TestDb};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Defines, for each named `async fn name(backend: Backend)`, a module `name`
/// with two tests: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name($crate::backends::Backend::Sqlite).await
                }

                #[tokio::test]
                async fn postgres() {
                    if $crate::backends::postgres_available().await {
                        super::$name($crate::backends::Backend::Postgres).await
                    }
                }
            }
        )*
    };
}
