//! Record operations as the API calls them. Authorization (the module's
//! read/write scope) is checked by the caller; every operation is confined to
//! the caller's account.

use super::schema::Module;
use super::store::{
    Change, CreatedCondition, IdempotencyClaim, InsertOutcome, RecordQuery, WriteOutcome,
};
use super::values::{parse_body, BodyMode, Record};
use crate::error::{Error, Result};
use crate::filter::Expr;
use crate::ids::new_id;
use crate::services::Services;
use chrono::Duration;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A list request, already parsed.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// Page index: records skipped = page × limit (the Worktual definition).
    pub page: i64,
    pub limit: i64,
    pub created: Option<(CreatedCondition, i64)>,
    pub filter: Option<Expr>,
}

pub struct Page {
    pub records: Vec<Record>,
    pub total: i64,
}

pub enum CreateOutcome {
    Created(Record),
    /// An `Idempotency-Key` replay: the first answer's body.
    Replayed(Value),
}

/// A PUT or PATCH.
pub struct RecordWrite<'a> {
    pub id: &'a str,
    pub body: &'a Value,
    pub mode: BodyMode,
    /// From `If-Match`: the version the client last saw.
    pub if_match: Option<i64>,
}

/// How long an `Idempotency-Key` is remembered.
pub const IDEMPOTENCY_HOURS: i64 = 24;
/// Retries of a read-merge-write that lost a race (no `If-Match` given).
const WRITE_ATTEMPTS: usize = 3;

impl Services {
    pub async fn list_records(
        &self,
        module: Module,
        account_id: &str,
        q: ListQuery,
    ) -> Result<Page> {
        let skip = q
            .page
            .checked_mul(q.limit)
            .ok_or_else(|| Error::invalid("offset", "is too large"))?;
        let query = RecordQuery {
            skip,
            limit: q.limit,
            created: q.created,
            filter: q.filter,
        };
        let (records, total) = self.store.list_records(module, account_id, &query).await?;
        Ok(Page { records, total })
    }

    pub async fn get_record(&self, module: Module, account_id: &str, id: &str) -> Result<Record> {
        self.store
            .get_record(module, account_id, id)
            .await?
            .ok_or(Error::NotFound(module.singular()))
    }

    pub async fn create_record(
        &self,
        module: Module,
        account_id: &str,
        body: &Value,
        idempotency_key: Option<&str>,
    ) -> Result<CreateOutcome> {
        let values = parse_body(module, body, BodyMode::Create)?;
        let now = self.clock.now();
        let record = Record {
            id: new_id(),
            account_id: account_id.to_owned(),
            module,
            version: 1,
            created_at: now,
            updated_at: now,
            values: values
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .collect(),
        };
        let claim = idempotency_key.map(|key| IdempotencyClaim {
            key: key.to_owned(),
            request_hash: format!("{:x}", Sha256::digest(body.to_string().as_bytes())),
            response: record.to_json(None).to_string(),
            created_at: now,
            expired_before: now - Duration::hours(IDEMPOTENCY_HOURS),
        });
        match self.store.insert_record(&record, claim.as_ref()).await? {
            InsertOutcome::Created => Ok(CreateOutcome::Created(record)),
            InsertOutcome::Replayed {
                response,
                request_hash,
            } => {
                if claim.is_some_and(|c| c.request_hash != request_hash) {
                    return Err(Error::Conflict {
                        code: "idempotency_key_reused",
                        message: "this Idempotency-Key was used with a different request body"
                            .into(),
                    });
                }
                let body =
                    serde_json::from_str(&response).map_err(|e| Error::internal(e.to_string()))?;
                Ok(CreateOutcome::Replayed(body))
            }
        }
    }

    /// PUT (replace) or PATCH (merge), with optimistic concurrency: the write
    /// applies only to the version it was computed from.
    pub async fn write_record(
        &self,
        module: Module,
        account_id: &str,
        w: RecordWrite<'_>,
    ) -> Result<Record> {
        let changes = parse_body(module, w.body, w.mode)?;
        for _ in 0..WRITE_ATTEMPTS {
            let current = self.get_record(module, account_id, w.id).await?;
            if w.if_match.is_some_and(|v| v != current.version) {
                return Err(precondition_failed(&current));
            }
            let mut next = current.clone();
            if w.mode != BodyMode::Merge {
                next.values.clear();
            }
            for (name, value) in &changes {
                match value {
                    Some(v) => next.values.insert(name, v.clone()),
                    None => next.values.remove(name),
                };
            }
            next.version = current.version + 1;
            next.updated_at = self.clock.now().max(current.updated_at);
            match self.store.update_record(&next, current.version).await? {
                WriteOutcome::Done => return Ok(next),
                WriteOutcome::NotFound => return Err(Error::NotFound(module.singular())),
                // Someone wrote in between: with If-Match that is the client's
                // conflict; without, merge again onto the new version.
                WriteOutcome::VersionMismatch if w.if_match.is_some() => {
                    return Err(precondition_failed(&current))
                }
                WriteOutcome::VersionMismatch => continue,
            }
        }
        Err(Error::Conflict {
            code: "write_conflict",
            message: "the record kept changing; retry the request".into(),
        })
    }

    pub async fn delete_record(
        &self,
        module: Module,
        account_id: &str,
        id: &str,
        if_match: Option<i64>,
    ) -> Result<()> {
        let now = self.clock.now();
        match self
            .store
            .delete_record(module, account_id, id, if_match, now)
            .await?
        {
            WriteOutcome::Done => Ok(()),
            WriteOutcome::NotFound => Err(Error::NotFound(module.singular())),
            WriteOutcome::VersionMismatch => Err(Error::PreconditionFailed(
                "the record has changed since the version in If-Match; fetch it again".into(),
            )),
        }
    }

    pub async fn list_changes(
        &self,
        module: Module,
        account_id: &str,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<Change>> {
        Ok(self
            .store
            .list_changes(module, account_id, after_seq, limit)
            .await?)
    }
}

fn precondition_failed(current: &Record) -> Error {
    Error::PreconditionFailed(format!(
        "the record has changed since the version in If-Match; its current ETag is {}",
        current.etag()
    ))
}
