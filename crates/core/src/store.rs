//! The storage port. Each method is one atomic unit of work: a backend runs it
//! in a single transaction, so services never see half a write. Backends map
//! the unique-constraint violations a caller expects to `StoreError::Unique`
//! with a [`Constraint`], never by message text; driver errors keep their
//! source.
//!
//! One trait per aggregate, each in its own file (the OAuth, records and
//! webhook ports live beside their features); [`Store`] is all of them.
//! Ports build on [`crate::model`] only, never on the services.

pub mod account_settings;
pub mod accounts;
pub mod audit;
pub mod console;
pub mod error;
pub mod maintenance;
pub mod private_apps;
pub mod tokens;

pub use account_settings::AccountSettingsStore;
pub use accounts::AccountStore;
pub use audit::AuditStore;
pub use console::ConsoleStore;
pub use error::{Constraint, DriverError, StoreError, StoreResult};
pub use maintenance::MaintenanceStore;
pub use private_apps::{PrivateAppStore, PrivateAppView};
pub use tokens::{OldTokens, TokenLookup, TokenRecord, TokenStore};

use crate::oauth::store::OAuthStore;
use crate::records::store::RecordStore;
use crate::webhooks::store::WebhookStore;

/// Everything a backend provides.
pub trait Store:
    RecordStore
    + ConsoleStore
    + OAuthStore
    + MaintenanceStore
    + AccountStore
    + PrivateAppStore
    + TokenStore
    + AuditStore
    + AccountSettingsStore
    + WebhookStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: RecordStore
        + ConsoleStore
        + OAuthStore
        + MaintenanceStore
        + AccountStore
        + PrivateAppStore
        + TokenStore
        + AuditStore
        + AccountSettingsStore
        + WebhookStore
        + Send
        + Sync
        + 'static
{
}
