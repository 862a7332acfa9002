//! The storage port for module records, their change feed and idempotency keys.

use super::schema::Module;
use super::values::Record;
use crate::filter::Expr;
use crate::store::error::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// `createdDate` + `condition` of the list endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreatedCondition {
    Eq,
    Lt,
    Gt,
    Gte,
    Lte,
}

impl CreatedCondition {
    pub fn parse(s: &str) -> Option<CreatedCondition> {
        match s {
            "EQ" => Some(CreatedCondition::Eq),
            "LT" => Some(CreatedCondition::Lt),
            "GT" => Some(CreatedCondition::Gt),
            "GTE" => Some(CreatedCondition::Gte),
            "LTE" => Some(CreatedCondition::Lte),
            _ => None,
        }
    }

    pub fn as_sql(self) -> &'static str {
        match self {
            CreatedCondition::Eq => "=",
            CreatedCondition::Lt => "<",
            CreatedCondition::Gt => ">",
            CreatedCondition::Gte => ">=",
            CreatedCondition::Lte => "<=",
        }
    }
}

/// One page of a list, newest first.
#[derive(Debug, Clone)]
pub struct RecordQuery {
    pub skip: i64,
    pub limit: i64,
    pub created: Option<(CreatedCondition, i64)>,
    pub filter: Option<Expr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOp {
    Upsert,
    Delete,
}

impl ChangeOp {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeOp::Upsert => "upsert",
            ChangeOp::Delete => "delete",
        }
    }
}

/// One entry of a module's change feed, in commit order.
#[derive(Debug, Clone)]
pub struct Change {
    pub seq: i64,
    pub op: ChangeOp,
    pub record_id: String,
    /// The record as of this change (JSON), on upserts.
    pub record: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An `Idempotency-Key` to claim together with a create.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    pub key: String,
    /// SHA-256 of the request body: the same key with another body is an error.
    pub request_hash: String,
    /// What a replay answers: the created record's JSON.
    pub response: String,
    pub created_at: DateTime<Utc>,
    /// Keys older than this are forgotten (24 h).
    pub expired_before: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub enum InsertOutcome {
    Created,
    /// The key was used before: its stored answer and request hash.
    Replayed {
        response: String,
        request_hash: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Done,
    NotFound,
    /// The record's version is not the expected one (concurrent write or stale `If-Match`).
    VersionMismatch,
}

#[async_trait]
pub trait RecordStore {
    /// A page of records and the number of records matching in all pages.
    async fn list_records(
        &self,
        module: Module,
        account_id: &str,
        query: &RecordQuery,
    ) -> StoreResult<(Vec<Record>, i64)>;
    async fn get_record(
        &self,
        module: Module,
        account_id: &str,
        id: &str,
    ) -> StoreResult<Option<Record>>;
    /// Insert, append an upsert change, and (with a claim) store the idempotency key, atomically.
    async fn insert_record(
        &self,
        record: &Record,
        claim: Option<&IdempotencyClaim>,
    ) -> StoreResult<InsertOutcome>;
    /// Replace the stored record if its version is `expected_version`; append a change.
    async fn update_record(
        &self,
        record: &Record,
        expected_version: i64,
    ) -> StoreResult<WriteOutcome>;
    /// Delete (if at `expected_version`, when given) and append a delete change.
    async fn delete_record(
        &self,
        module: Module,
        account_id: &str,
        id: &str,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<WriteOutcome>;
    /// Insert many records of one module and account at once, with their
    /// changes, in one transaction (seeding and imports).
    async fn insert_records_bulk(&self, records: &[Record]) -> StoreResult<()>;
    /// Changes after `after_seq`, oldest first.
    async fn list_changes(
        &self,
        module: Module,
        account_id: &str,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<Change>>;
}
