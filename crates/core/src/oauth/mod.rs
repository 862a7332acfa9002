//! The OAuth 2.0 authorization server (SPEC S5): apps an admin registers,
//! the authorization-code flow with consent, the token endpoint's grants,
//! refresh-token rotation, revocation and introspection.

pub mod app;
pub mod authorize;
pub mod error;
pub mod grant;
pub mod redirect;
mod scope_param;
pub mod settings;
pub mod store;
pub mod token_endpoint;

pub use app::{AccessTokenLifetime, ClientType, OAuthApp, Visibility};
pub use error::OAuthError;
pub use grant::Grant;
pub use scope_param::parse_requested_scopes;
pub use settings::{OAuthSettings, CODE_TTL_MINUTES};
