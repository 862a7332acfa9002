//! Webhook delivery (SPEC S9): an HTTP client that only reaches addresses
//! the SSRF guard allowed, and the worker that drains the outbox.

mod client;
mod worker;

pub use client::{DeliveryClient, SendResult};
pub use worker::{run, Deliverer, DeliverySettings, Step};
