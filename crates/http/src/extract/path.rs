//! `ApiPath<T>` and `ApiBytes`: axum's `Path` and `Bytes` with S7's envelope
//! for their rejections (see the `From` impls in `error.rs`).

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};

/// Path parameters; a parameter that is not UTF-8 once decoded is a 400
/// `invalid_request`, never axum's text/plain answer.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// The raw body (logo uploads); over the body limit is a 413 `payload_too_large`.
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Bytes::from_request(req, state)
            .await
            .map(ApiBytes)
            .map_err(ApiError::from)
    }
}
