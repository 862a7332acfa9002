//! Webhooks in the admin API (SPEC S8 `webhooks`): every subscription of
//! the account, whichever app made it; the console's Webhooks page calls
//! the same services.

use super::BASE;
use crate::api::webhooks::{deliveries_body, DeliveryBody, WebhookBody};
use crate::error::ApiError;
use crate::extract::{AdminAuth, ApiPath};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use switchboard_core::scope::Scope;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/webhooks"), get(list))
        .route(&format!("{BASE}/webhooks/{{id}}"), get(show).delete(remove))
        .route(
            &format!("{BASE}/webhooks/{{id}}/deliveries"),
            get(deliveries),
        )
        .route(
            &format!("{BASE}/webhooks/{{id}}/deliveries/{{delivery_id}}/redeliver"),
            post(redeliver),
        )
}

/// Every webhook subscription in the account, newest first.
#[utoipa::path(
    get,
    path = "/services/admin/v1/webhooks",
    operation_id = "admin_list_webhooks",
    tag = "admin",
    responses(
        (status = 200, description = "The subscriptions.", body = [WebhookBody]),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.read"]), ("consoleSession" = []))
)]
pub(crate) async fn list(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
) -> Result<Json<Vec<WebhookBody>>, ApiError> {
    p.require(Scope::AdminRead)?;
    let subs = s.services.list_account_webhooks(&p.account_id).await?;
    Ok(Json(subs.iter().map(WebhookBody::from).collect()))
}

/// One subscription of the account.
#[utoipa::path(
    get,
    path = "/services/admin/v1/webhooks/{id}",
    operation_id = "admin_show_webhook",
    tag = "admin",
    params(("id" = String, Path, description = "The object's id.")),
    responses(
        (status = 200, description = "The subscription.", body = WebhookBody),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.read"]), ("consoleSession" = []))
)]
pub(crate) async fn show(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<WebhookBody>, ApiError> {
    p.require(Scope::AdminRead)?;
    let sub = s.services.get_account_webhook(&p.account_id, &id).await?;
    Ok(Json(WebhookBody::from(&sub)))
}

/// Delete a subscription: nothing more is delivered to it.
#[utoipa::path(
    delete,
    path = "/services/admin/v1/webhooks/{id}",
    operation_id = "admin_delete_webhook",
    tag = "admin",
    params(("id" = String, Path, description = "The object's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.write"]), ("consoleSession" = [], "csrfToken" = []))
)]
pub(crate) async fn remove(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    p.require(Scope::AdminWrite)?;
    s.services
        .delete_account_webhook(&p.account_id, &p.actor_ref(), &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A subscription's delivery attempts, newest first.
#[utoipa::path(
    get,
    path = "/services/admin/v1/webhooks/{id}/deliveries",
    operation_id = "admin_list_webhook_deliveries",
    tag = "admin",
    params(("id" = String, Path, description = "The object's id.")),
    responses(
        (status = 200, description = "The attempts.", body = [DeliveryBody]),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.read"]), ("consoleSession" = []))
)]
pub(crate) async fn deliveries(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<DeliveryBody>>, ApiError> {
    p.require(Scope::AdminRead)?;
    s.services.get_account_webhook(&p.account_id, &id).await?;
    let log = s
        .services
        .account_webhook_deliveries(&p.account_id, &id)
        .await?;
    Ok(Json(deliveries_body(log)))
}

/// Send an attempt's event again, now.
#[utoipa::path(
    post,
    path = "/services/admin/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
    operation_id = "admin_redeliver_webhook",
    tag = "admin",
    params(
        ("id" = String, Path, description = "The object's id."),
        ("delivery_id" = String, Path, description = "An attempt's id."),
    ),
    responses(
        (status = 202, description = "Queued."),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.write"]), ("consoleSession" = [], "csrfToken" = []))
)]
pub(crate) async fn redeliver(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath((id, delivery)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    p.require(Scope::AdminWrite)?;
    s.services
        .redeliver_account_webhook(&p.account_id, &id, &delivery)
        .await?;
    Ok(StatusCode::ACCEPTED)
}
