//! Module data (SPEC S6): contacts, tickets and calls. Records are validated
//! against the field registry here; storage sees only typed values.

pub mod query;
pub mod schema;
mod service;
pub mod store;
mod values;

pub use schema::{Field, FieldType, Module};
pub use service::{CreateOutcome, ListQuery, Page, RecordWrite, IDEMPOTENCY_HOURS};
pub use store::{
    Change, ChangeOp, CreatedCondition, IdempotencyClaim, InsertOutcome, RecordQuery, RecordStore,
    WriteOutcome,
};
pub use values::{parse_body, BodyMode, FieldValue, Record};
