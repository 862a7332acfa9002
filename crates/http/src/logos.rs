//! `GET /logos/{id}`: uploaded logos, served with their checked content type,
//! `nosniff`, and a CSP under which nothing in them can run.

use crate::error::PageError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new().route("/logos/{id}", get(logo))
}

async fn logo(State(s): State<AppState>, Path(id): Path<String>) -> Result<Response, PageError> {
    let logo = s.services.get_logo(&id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, logo.content_type),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox",
            ),
            // A logo's id changes whenever it is replaced.
            (header::CACHE_CONTROL, "public, max-age=86400, immutable"),
        ],
        logo.bytes,
    )
        .into_response())
}
