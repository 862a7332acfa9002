//! The schemas and responses that the handlers' `#[utoipa::path]`
//! annotations and the OpenAPI document (`crate::openapi`) name: shared
//! enums, field schemas, the per-module record schemas and the error
//! responses. A leaf of the crate: it imports no handler, so handlers can
//! name it while `openapi` lists them.

mod enums;
mod field_schemas;
pub(crate) mod modules;
mod responses;

pub use enums::{
    AccessTokenLifetime, Bearer, ClientType, Condition, GrantType, IntrospectedType,
    OAuthErrorCode, Role, Visibility,
};
pub(crate) use field_schemas::{
    app_name, app_name_or_null, description, expires_in_days, oauth_app_scopes,
    oauth_app_scopes_or_null, private_app_scopes, private_app_scopes_or_null, redirect_uris,
    redirect_uris_or_null, user_name,
};
pub use modules::ModuleFields;
pub use responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, RequestTimeout,
    TooManyRequests, Unauthorized, UnsupportedMediaType,
};
