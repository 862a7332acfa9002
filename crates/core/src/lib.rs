//! Switchboard's domain: accounts, users, sessions, tokens, Private Apps,
//! the OAuth 2.0 authorization server and the data modules.
//!
//! Nothing here knows about HTTP or a database driver. Services take their
//! inputs already parsed, read the time from a [`clock::Clock`], and talk to
//! storage through the [`store::Store`] port.

pub mod account;
pub mod audit;
pub mod clock;
pub mod console_reveal;
pub mod error;
pub mod filter;
pub mod ids;
pub mod logo;
pub mod maintenance;
pub mod model;
pub mod oauth;
pub mod password;
pub mod password_reset;
pub mod principal;
pub mod private_app;
pub mod records;
pub mod secret_box;
pub mod services;
pub mod session;
pub mod store;
#[cfg(feature = "test-support")]
pub mod store_contract;
pub mod throttle;
pub mod webhooks;

pub use error::{Error, Result};
pub use model::{scope, token};
pub use services::Services;
