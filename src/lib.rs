//! The `switchboard` binary's library: configuration, CLI, telemetry and the
//! `Application` that main and the integration tests both start.

pub mod app;
pub mod cli;
pub mod config;
pub mod seed;
pub mod telemetry;

pub use app::Application;
pub use config::Config;
