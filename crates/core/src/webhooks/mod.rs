//! Webhooks (SPEC S9, S9.1): subscriptions, the events a change makes, the
//! signature, the retry plan and the SSRF guard. Delivery over HTTP lives in
//! its own crate; here is everything that needs no HTTP client.

pub mod events;
pub mod model;
pub mod payload;
pub mod retry;
mod service;
pub mod settings;
pub mod signature;
pub mod ssrf;
pub mod store;
pub mod target;

pub use events::{EventPattern, EventSet, RecordAction};
pub use model::*;
pub use retry::RetryPolicy;
pub use service::{DELIVERY_LOG_LIMIT, HISTORY_DAYS, SECRET_PREFIX};
pub use settings::WebhookSettings;
pub use store::WebhookStore;
pub use target::TargetUrl;
