//! `PUT/DELETE …/{id}/logo` for both kinds of app (SPEC S8.1): the raw image
//! bytes, checked by decoding (SPEC S4.1).

use super::BASE;
use crate::error::ApiError;
use crate::extract::{AdminAuth, ApiBytes, ApiPath};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::put;
use axum::{Json, Router};
use serde_json::{json, Value};
use switchboard_core::logo::LogoOwner;
use switchboard_core::scope::Scope;

/// The logo routes under `/services/admin/v1/<collection>/{id}/logo`.
pub fn routes(collection: &str, owner: LogoOwner) -> Router<AppState> {
    Router::new().route(
        &format!("{BASE}/{collection}/{{id}}/logo"),
        put(
            move |State(s): State<AppState>,
                  AdminAuth(p): AdminAuth,
                  ApiPath(id): ApiPath<String>,
                  ApiBytes(body): ApiBytes| async move {
                p.require(Scope::AdminWrite)?;
                let logo = s
                    .services
                    .set_logo(owner, &p.account_id, &p.actor_ref(), &id, body.to_vec())
                    .await?;
                Ok::<_, ApiError>(Json::<Value>(json!({"logoUrl": format!("/logos/{logo}")})))
            },
        )
        .delete(
            move |State(s): State<AppState>,
                  AdminAuth(p): AdminAuth,
                  ApiPath(id): ApiPath<String>| async move {
                p.require(Scope::AdminWrite)?;
                s.services
                    .remove_logo(owner, &p.account_id, &p.actor_ref(), &id)
                    .await?;
                Ok::<_, ApiError>(StatusCode::NO_CONTENT)
            },
        ),
    )
}
