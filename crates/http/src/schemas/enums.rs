//! Enums that exist only for the document: the values a string field or
//! parameter takes (list conditions, app and user settings, the OAuth
//! endpoints' parameters and codes), named as schemas.

/// `condition` of a list: how `createdDate` is compared.
#[derive(utoipa::ToSchema)]
#[allow(clippy::upper_case_acronyms, dead_code)]
pub enum Condition {
    EQ,
    LT,
    GT,
    GTE,
    LTE,
}

/// Who may authorize an OAuth app: users of its account only, or anyone.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum Visibility {
    Private,
    Public,
}

/// `confidential` clients have a secret; `public` ones (native apps, SPAs) use PKCE.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ClientType {
    Confidential,
    Public,
}

/// How long the app's access tokens live; with `1h` or `24h`, refresh tokens are issued.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub enum AccessTokenLifetime {
    #[schema(rename = "never")]
    Never,
    #[schema(rename = "1h")]
    OneHour,
    #[schema(rename = "24h")]
    OneDay,
}

/// A user's role.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum Role {
    Admin,
    Member,
}

/// `token_type` of a token response.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub enum Bearer {
    Bearer,
}

/// What introspection says a token is.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub enum IntrospectedType {
    Bearer,
    #[schema(rename = "refresh_token")]
    RefreshToken,
}

/// `grant_type` at the token endpoint (`authorisation_code` is an alias of
/// `authorization_code`).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum GrantType {
    AuthorizationCode,
    AuthorisationCode,
    RefreshToken,
    ClientCredentials,
}

/// RFC 6749 §5.2 and §4.1.2.1 error codes, as this server uses them.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    ServerError,
    TemporarilyUnavailable,
}
