//! The layers every response passes through: request id, tracing, security
//! headers, body limit, panic catching, and the per-token rate limiter.

use crate::error::{internal, ApiError, ErrorCode, PageError};
use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub const MAX_BODY_BYTES: usize = 1024 * 1024;
static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Console pages: no scripts from elsewhere, no framing, no referrer. Forms
/// post to this site, plus `extra_form_targets` where a page's form answer
/// redirects elsewhere (browsers hold those redirects to `form-action`).
pub fn console_csp(extra_form_targets: &str) -> HeaderValue {
    let policy = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         form-action 'self'{}{extra_form_targets}; frame-ancestors 'none'; base-uri 'none'",
        if extra_form_targets.is_empty() {
            ""
        } else {
            " "
        }
    );
    // Only our own origins and scheme names go in; fall back to the strict policy.
    HeaderValue::from_str(&policy).unwrap_or_else(|_| {
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        )
    })
}

pub fn apply(router: Router, timeout: Duration) -> Router {
    router.layer(
    ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(X_REQUEST_ID.clone(), MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req.headers().get(&X_REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                // Path only: query strings can carry codes and tokens.
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID.clone()))
        .layer(CatchPanicLayer::custom(|_| internal(&"handler panicked").into_response()))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, console_csp("")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // A request (its body included) that takes longer is answered 408.
        .layer(axum::middleware::from_fn_with_state(timeout, time_limit)),
    )
}

/// tower-http's `TimeoutLayer` answers 408 with an empty body; the APIs owe
/// S7's envelope (and console pages an HTML page), so the deadline is ours.
/// The handler's future reads the body, so a trickled body is covered too.
async fn time_limit(
    State(limit): State<Duration>,
    req: axum::extract::Request,
    next: Next,
) -> Response {
    // As for unknown paths: JSON on the APIs, an HTML page elsewhere (console).
    let api = req.uri().path().starts_with("/services/");
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            let message = format!(
                "the request took longer than {} s (the server's request timeout); \
                 send the whole request promptly and retry",
                limit.as_secs()
            );
            let mut res = if api {
                ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    ErrorCode::RequestTimeout,
                    message,
                )
                .into_response()
            } else {
                PageError::new(StatusCode::REQUEST_TIMEOUT, message).into_response()
            };
            // The rest of the body may still be on its way: do not reuse the connection.
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            res
        }
    }
}

/// A keyed GCRA limiter: `n` requests per 10 s per key, in bursts of up to `n`.
/// In memory, so per node (documented in the README).
pub struct RateLimiter {
    inner: DefaultKeyedRateLimiter<String>,
    limit: u32,
}

impl RateLimiter {
    pub fn per_10s(n: u32) -> RateLimiter {
        let n = NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
        let period =
            Duration::from_millis(10_000 / u64::from(n.get())).max(Duration::from_nanos(1));
        let quota =
            Quota::with_period(period).map_or_else(|| Quota::per_second(n), |q| q.allow_burst(n));
        RateLimiter {
            inner: DefaultKeyedRateLimiter::keyed(quota),
            limit: n.get(),
        }
    }

    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        if self.inner.len() > 100_000 {
            self.inner.retain_recent();
        }
        match self.inner.check_key(&key.to_owned()) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                Err(ApiError {
                    rate_limit: Some((self.limit, secs)),
                    retry_after: Some(secs),
                    ..ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        ErrorCode::RateLimited,
                        format!(
                            "rate limit of {} requests per 10 s exceeded; retry in {secs} s",
                            self.limit
                        ),
                    )
                })
            }
        }
    }
}
