//! The entities services work on and stores keep, and the value types
//! they are made of (scopes, tokens): plain data with the methods that need
//! nothing else. Nothing here imports from the rest of the crate; the store
//! ports and then the services build on it, never the other way round.

pub mod account;
pub mod audit;
pub mod logo;
pub mod oauth;
pub mod private_app;
pub mod reveal;
pub mod scope;
pub mod session;
pub mod token;
