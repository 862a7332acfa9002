//! The one end-to-end test binary: every test starts the real server on a
//! random port and talks HTTP to it, as a client would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod backends;
mod helpers;

mod admin_api;
mod admin_parity;
mod binary;
mod browser;
mod browser_admin;
mod browser_support;
mod browser_webhooks;
mod cli;
mod cli_messages;
mod cli_serve;
mod console;
mod console_admin;
mod console_admin_account;
mod console_admin_audit;
mod console_admin_last_admin;
mod console_admin_webhooks;
mod console_guards;
mod console_private_apps;
mod envelope;
mod envelope_garbage;
mod limits;
mod multi_node;
mod mutation_guards;
mod oauth_admin;
mod oauth_admin_grants;
mod oauth_admin_nodes;
mod oauth_browser;
mod oauth_flow;
mod oauth_flow_accounts;
mod oauth_flow_consent;
mod oauth_flow_errors;
mod oauth_flow_metadata;
mod oauth_privileges;
mod oauth_token;
mod oauth_token_codes;
mod oauth_token_refresh;
mod oauth_token_revocation;
mod openapi;
mod private_apps;
mod readme;
mod records;
mod records_access;
mod records_crash;
mod records_feed;
mod records_filters;
mod records_lists;
mod records_safe_writes;
mod server;
mod tokens;
mod tokens_crash;
mod upgrade;
mod webhook_receiver;
mod webhooks;
mod webhooks_crash;
mod webhooks_delivery;
mod webhooks_security;
mod webhooks_ssrf;
