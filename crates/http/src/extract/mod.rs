//! Extractors: our own rejections, so bad input always gets our error shape.

mod auth;
mod json;
mod path;
mod query;
mod session;

pub use auth::{AdminAuth, ClientIp, TokenAuth};
pub use json::{ApiJson, OptionalJson};
pub use path::{ApiBytes, ApiPath};
pub use query::ApiQuery;
pub use session::{
    clear_cookie, csrf_cookie, session_cookie, CsrfCookie, MaybeSession, RequireSession,
    CSRF_COOKIE,
};
