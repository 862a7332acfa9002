//! `POST /services/oauth2/v1/leaked-tokens` (SPEC S3), like GitHub's
//! credential-revocation API: no auth, rate-limited per address, always 202.

use crate::error::ApiError;
use crate::extract::{ApiJson, ClientIp};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

const MAX_TOKENS: usize = 100;

pub fn router() -> Router<AppState> {
    Router::new().route("/services/oauth2/v1/leaked-tokens", post(report))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Report {
    tokens: Vec<String>,
}

async fn report(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<Report>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    state.leak_report_limiter.check(&ip)?;
    if body.tokens.len() > MAX_TOKENS {
        return Err(ApiError::invalid(
            "tokens",
            format!("at most {MAX_TOKENS} tokens per report"),
        ));
    }
    state.services.report_leaked_tokens(&body.tokens).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"status": "accepted"}))))
}
