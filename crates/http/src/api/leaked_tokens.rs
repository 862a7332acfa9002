//! `POST /services/oauth2/v1/leaked-tokens` (SPEC S3), like GitHub's
//! credential-revocation API: no auth, rate-limited per address, always 202.

use crate::error::ApiError;
use crate::extract::{ApiJson, ClientIp};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const MAX_TOKENS: usize = 100;

pub fn router() -> Router<AppState> {
    Router::new().route("/services/oauth2/v1/leaked-tokens", post(report))
}

/// Tokens found where they should not be (a public repository, a paste).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Report {
    /// Up to 100 tokens of any kind (`swb_pat_`, `swb_at_`, `swb_rt_`, `swb_cs_`).
    #[schema(max_items = 100)]
    tokens: Vec<String>,
}

/// Always the same answer: it never says which tokens were valid.
#[derive(Serialize, ToSchema)]
pub(crate) struct Accepted {
    status: AcceptedStatus,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AcceptedStatus {
    Accepted,
}

/// Report leaked tokens: every valid one is revoked and recorded in its
/// account's audit log. No authentication; rate-limited per address.
#[utoipa::path(
    post,
    path = "/services/oauth2/v1/leaked-tokens",
    operation_id = "report_leaked_tokens",
    tag = "tokens",
    request_body = Report,
    responses(
        (status = 202, description = "Accepted.", body = Accepted),
        (status = 400, response = crate::schemas::BadRequest),
        (status = 413, response = crate::schemas::PayloadTooLarge),
        (status = 415, response = crate::schemas::UnsupportedMediaType),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(())
)]
pub(crate) async fn report(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<Report>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    state.leak_report_limiter.check(&ip)?;
    if body.tokens.len() > MAX_TOKENS {
        return Err(ApiError::invalid(
            "tokens",
            format!("at most {MAX_TOKENS} tokens per report"),
        ));
    }
    state.services.report_leaked_tokens(&body.tokens).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            status: AcceptedStatus::Accepted,
        }),
    ))
}
