//! Error types at the edge. `ApiError` is S7's JSON envelope with RFC 6750
//! headers; `PageError` is an HTML page for the console.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use switchboard_core::Error;
use utoipa::ToSchema;

/// Every `error` code the data and admin APIs answer with (SPEC S7). Closed:
/// a new code is a change to the contract, and shows in `docs/openapi.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: a parameter, header or body field is missing or wrong (`field` names it).
    InvalidRequest,
    /// 400: the body is not one JSON value.
    InvalidJson,
    /// 400: the `filter` parameter does not parse (`position` points at the problem).
    InvalidFilter,
    /// 401: no credentials were sent.
    Unauthorized,
    /// 401: the token is malformed, unknown, revoked or expired.
    InvalidToken,
    /// 403: the token is valid but lacks the scope named in `WWW-Authenticate`.
    InsufficientScope,
    /// 403: a console-session write without a valid `X-CSRF-Token`.
    CsrfFailed,
    /// 403: the credentials may not do this at all.
    Forbidden,
    /// 404: no such endpoint, or no such object in this account.
    NotFound,
    /// 405: the path exists but does not take this method.
    MethodNotAllowed,
    /// 408: the request, its body included, took longer than the server's request timeout.
    RequestTimeout,
    /// 409: the email address belongs to another user.
    EmailTaken,
    /// 409: the change would leave the account without an active admin.
    LastAdmin,
    /// 409: the `Idempotency-Key` was used before with a different body.
    IdempotencyKeyReused,
    /// 409: a concurrent write to the same record won; retry.
    WriteConflict,
    /// 409: public OAuth clients have no client secret.
    PublicClient,
    /// 409: another conflict with the current state.
    Conflict,
    /// 412: `If-Match` does not name the record's current version.
    PreconditionFailed,
    /// 413: the body is larger than the endpoint takes.
    PayloadTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 429: the token's (or address's) rate limit is spent; see `Retry-After`.
    RateLimited,
    /// 500: a bug; the `X-Request-Id` identifies it in the logs.
    InternalError,
    /// 503: the database is unreachable; retry after `Retry-After` seconds.
    TemporarilyUnavailable,
}

impl ErrorCode {
    /// The 409 codes the core services use, by name.
    fn conflict(code: &str) -> ErrorCode {
        match code {
            "email_taken" => ErrorCode::EmailTaken,
            "last_admin" => ErrorCode::LastAdmin,
            "idempotency_key_reused" => ErrorCode::IdempotencyKeyReused,
            "write_conflict" => ErrorCode::WriteConflict,
            "public_client" => ErrorCode::PublicClient,
            _ => ErrorCode::Conflict,
        }
    }
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
    pub www_authenticate: Option<String>,
    pub retry_after: Option<u64>,
    /// `(limit, reset seconds)` for the RateLimit-* headers of a 429.
    pub rate_limit: Option<(u32, u64)>,
    /// Where in a filter the problem is (`invalid_filter`).
    pub position: Option<usize>,
}

/// The body of every error of the data and admin APIs (SPEC S7).
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct Envelope {
    pub error: ErrorCode,
    /// For people: what went wrong and how to fix it. Never a stack trace or SQL.
    pub message: String,
    /// The offending parameter, header or body field (`redirectUris[1]`), when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// `invalid_filter` only: the character offset in `filter` where the problem is.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub position: Option<usize>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            www_authenticate: None,
            retry_after: None,
            rate_limit: None,
            position: None,
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        let field = field.into();
        let message = message.into();
        ApiError {
            message: if field.is_empty() {
                message
            } else {
                format!("{field}: {message}")
            },
            field: (!field.is_empty()).then_some(field),
            ..ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, "")
        }
    }

    /// 401 for a request that sent no credentials at all: no `error` attribute.
    pub fn no_token() -> ApiError {
        ApiError {
            www_authenticate: Some(r#"Bearer realm="switchboard""#.into()),
            ..ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                "this endpoint needs an access token: send Authorization: Bearer <token>",
            )
        }
    }

    pub fn invalid_token(message: impl Into<String>) -> ApiError {
        ApiError {
            www_authenticate: Some(r#"Bearer realm="switchboard", error="invalid_token""#.into()),
            ..ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidToken, message)
        }
    }

    pub fn csrf() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::CsrfFailed,
            "a console session must send its CSRF token in the X-CSRF-Token header on writes",
        )
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        match e {
            Error::NotFound(what) => ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                format!("{what} not found"),
            ),
            Error::Conflict { code, message } => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::conflict(code), message)
            }
            Error::Invalid { field, message } => ApiError::invalid(field, message),
            Error::Unauthenticated(m) => ApiError::invalid_token(m),
            Error::InsufficientScope(scope) => ApiError {
                www_authenticate: Some(format!(
                    r#"Bearer error="insufficient_scope", scope="{scope}""#
                )),
                ..ApiError::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::InsufficientScope,
                    format!("the token lacks the {scope} scope needed here"),
                )
            },
            Error::PreconditionFailed(m) => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                ErrorCode::PreconditionFailed,
                m,
            ),
            Error::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, m),
            Error::RateLimited { retry_after_secs } => ApiError {
                retry_after: Some(retry_after_secs),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    ErrorCode::RateLimited,
                    format!("too many requests; retry in {retry_after_secs} s"),
                )
            },
            Error::Unavailable(why) => {
                tracing::error!(error = %why, "storage unavailable");
                ApiError {
                    retry_after: Some(1),
                    ..ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        ErrorCode::TemporarilyUnavailable,
                        "the database is unreachable right now; retry shortly",
                    )
                }
            }
            Error::Internal(cause) => internal(&*cause),
        }
    }
}

/// A path parameter axum could not decode (`/contacts/%FF%FE`): S7's 400, not
/// axum's text/plain. The kinds axum answers with 500 are our own mistakes
/// (a route and its handler disagree), so they are logged as such.
impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> ApiError {
        if rejection.status().is_server_error() {
            return internal(&rejection);
        }
        let message = match &rejection {
            PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                ErrorKind::InvalidUtf8InPathParam { key } => {
                    format!("the URL path is not valid: `{key}` is not UTF-8 once percent-decoded")
                }
                _ => format!(
                    "the URL path is not valid: {}",
                    e.body_text().trim_start_matches("Invalid URL: ")
                ),
            },
            other => format!("the URL path is not valid: {}", other.body_text()),
        };
        ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, message)
    }
}

/// A body that could not be read: too large (the 1 MiB limit) or cut off.
impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> ApiError {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                status,
                ErrorCode::PayloadTooLarge,
                "the request body is larger than 1 MiB",
            )
        } else if status.is_server_error() {
            internal(&rejection)
        } else {
            ApiError::new(
                status,
                ErrorCode::InvalidRequest,
                format!(
                    "the request body could not be read: {}",
                    rejection.body_text()
                ),
            )
        }
    }
}

/// Log the cause once, server-side (inside the request's span, so with its
/// request id); the client sees only that something failed.
pub fn internal(cause: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(error = %cause, "internal error");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::InternalError,
        "the server failed to handle this request; the X-Request-Id header identifies it in the logs",
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Envelope {
            error: self.code,
            message: self.message,
            field: self.field,
            position: self.position,
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        let h = res.headers_mut();
        if let Some(v) = self
            .www_authenticate
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            h.insert(header::WWW_AUTHENTICATE, v);
        }
        if let Some(secs) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some((limit, reset)) = self.rate_limit {
            h.insert("ratelimit-limit", HeaderValue::from(limit));
            h.insert("ratelimit-remaining", HeaderValue::from(0));
            h.insert("ratelimit-reset", HeaderValue::from(reset));
        }
        res
    }
}

/// The fallback for unknown paths: JSON for API paths, never a redirect.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/services/") {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("no endpoint at {}", uri.path()),
        )
        .into_response()
    } else {
        PageError::new(StatusCode::NOT_FOUND, "This page does not exist.").into_response()
    }
}

/// A known path with a method it does not take: JSON on API paths.
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let message = format!("{method} is not allowed on {}", uri.path());
    if uri.path().starts_with("/services/") {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            message,
        )
        .into_response()
    } else {
        PageError::new(StatusCode::METHOD_NOT_ALLOWED, message).into_response()
    }
}

/// An HTML error page for the console.
#[derive(Debug, Clone)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> PageError {
        PageError {
            status,
            message: message.into(),
        }
    }
}

impl From<Error> for PageError {
    fn from(e: Error) -> PageError {
        let api = ApiError::from(e);
        PageError::new(api.status, api.message)
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> PageError {
        let api = internal(&e);
        PageError::new(api.status, api.message)
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            status: self.status.as_u16(),
            message: &self.message,
        };
        let mut res = match askama::Template::render(&page) {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, self.message.clone()).into_response(),
        };
        // The console's middleware re-renders it inside the settings layout.
        res.extensions_mut().insert(self);
        res
    }
}
