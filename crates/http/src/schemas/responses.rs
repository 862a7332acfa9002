//! The error responses the document's operations refer to: each a
//! `components.responses` entry with the S7 error envelope, the codes a
//! status stands for, and the headers that come with it.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::ToResponse;

/// A response component: the S7 envelope, with these headers.
fn error_response(description: &str, headers: &[(&str, &str)]) -> RefOr<utoipa::openapi::Response> {
    let mut b = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Error")))
            .build(),
    );
    for (name, desc) in headers {
        b = b.header(*name, HeaderBuilder::new().description(Some(*desc)).build());
    }
    b.build().into()
}

const WWW_AUTH_401: &str = "RFC 6750 §3: `Bearer realm=\"switchboard\"` when no token was sent; \
    `Bearer realm=\"switchboard\", error=\"invalid_token\"` for a malformed, unknown, revoked or \
    expired one.";
const WWW_AUTH_403: &str = "RFC 6750 §3.1, with `error=\"insufficient_scope\"`: \
    `Bearer error=\"insufficient_scope\", scope=\"<the scope needed>\"`. Absent for `csrf_failed` \
    and `forbidden`.";

macro_rules! error_responses {
    ($($name:ident => $description:expr, [$(($h:expr, $d:expr)),*];)*) => {$(
        pub struct $name;
        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
                (stringify!($name), error_response($description, &[$(($h, $d)),*]))
            }
        }
    )*};
}

error_responses! {
    BadRequest => "`invalid_request` (with `field` naming the parameter, header or body field), \
        `invalid_json`, or `invalid_filter` (with `position`).", [];
    Unauthorized => "`unauthorized` (no credentials) or `invalid_token`.",
        [("WWW-Authenticate", WWW_AUTH_401)];
    Forbidden => "`insufficient_scope`; on the admin API also `csrf_failed` (a console-session \
        write without a valid `X-CSRF-Token`) and `forbidden`.",
        [("WWW-Authenticate", WWW_AUTH_403)];
    NotFound => "`not_found`: no such object in this account (another account's id is also 404).", [];
    Conflict => "`email_taken`, `last_admin`, `idempotency_key_reused`, `write_conflict` or \
        `public_client`.", [];
    PreconditionFailed => "`precondition_failed`: `If-Match` does not name the current version.", [];
    PayloadTooLarge => "`payload_too_large`: the body is over the endpoint's limit \
        (1 MiB; 256 KiB for logos).", [];
    RequestTimeout => "`request_timeout`: the request, its body included, took longer than the \
        server's request timeout (default 30 s); the connection is closed.", [];
    UnsupportedMediaType => "`unsupported_media_type`: send `Content-Type: application/json`.", [];
    TooManyRequests => "`rate_limited`: the token's rate limit (default 100 requests per 10 s) \
        is spent.", [
            ("Retry-After", "Seconds until a request may succeed."),
            ("RateLimit-Limit", "Requests allowed per window."),
            ("RateLimit-Remaining", "Requests left in this window (0)."),
            ("RateLimit-Reset", "Seconds until the window resets.")
        ];
}
