//! The two backends behind one type, and the macros that run a block of
//! statements on whichever one the store opened. The block is written once
//! and compiled once per backend, each time against that driver's own types.

use crate::sqlite_conns::SqliteConns;
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The read side: on SQLite a fixed set of connections (see `sqlite_conns`),
/// on PostgreSQL the pool, whose ping at release notices a dropped server.
#[derive(Clone)]
pub(crate) enum Readers {
    Sqlite(Arc<SqliteConns>),
    Postgres(PgPool),
}

/// A connection of either backend, lent to statements that run inside the
/// caller's transaction.
pub(crate) enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl<'a> From<&'a mut SqliteConnection> for Conn<'a> {
    fn from(c: &'a mut SqliteConnection) -> Self {
        Conn::Sqlite(c)
    }
}

impl<'a> From<&'a mut PgConnection> for Conn<'a> {
    fn from(c: &'a mut PgConnection) -> Self {
        Conn::Postgres(c)
    }
}

impl<'a> From<&'a mut Transaction<'_, Sqlite>> for Conn<'a> {
    fn from(tx: &'a mut Transaction<'_, Sqlite>) -> Self {
        Conn::Sqlite(tx)
    }
}

impl<'a> From<&'a mut Transaction<'_, Postgres>> for Conn<'a> {
    fn from(tx: &'a mut Transaction<'_, Postgres>) -> Self {
        Conn::Postgres(tx)
    }
}

/// `on_pool!(pool, db => block)`: run the block with `db` bound to the
/// backend's own pool (`&SqlitePool` or `&PgPool`).
macro_rules! on_pool {
    ($pool:expr, $db:ident => $body:expr) => {
        match &$pool {
            $crate::db::Pool::Sqlite($db) => $body,
            $crate::db::Pool::Postgres($db) => $body,
        }
    };
}

/// `on_reader!(readers, db => block)`: the same for reads, with `db` a lent
/// `&mut SqliteConnection` or the `&PgPool`. The block runs in a function
/// returning `StoreResult` (a SQLite connection may time out being lent).
macro_rules! on_reader {
    ($readers:expr, $db:ident => $body:expr) => {
        match &$readers {
            $crate::db::Readers::Sqlite(conns) => {
                let mut lent = conns.acquire().await?;
                let $db = &mut *lent;
                $body
            }
            $crate::db::Readers::Postgres($db) => $body,
        }
    };
}

/// `on_conn!(conn, c => block)`: the same for a borrowed connection
/// (anything that converts into a [`Conn`]); `c` is `&mut SqliteConnection`
/// or `&mut PgConnection`.
macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $crate::db::Conn::from($conn) {
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Postgres($c) => $body,
        }
    };
}

/// The same connection, lent again (the caller keeps it for later statements).
pub(crate) fn reborrow<'b>(c: &'b mut Conn<'_>) -> Conn<'b> {
    match c {
        Conn::Sqlite(x) => Conn::Sqlite(x),
        Conn::Postgres(x) => Conn::Postgres(x),
    }
}
