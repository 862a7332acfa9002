//! `/services/ccaas/v1/webhooks` (SPEC S9): REST-hook subscriptions of the
//! token's app (and grant), their delivery log, and redelivery.

use crate::api::rfc3339;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, TokenAuth};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use switchboard_core::webhooks::{DeliveryLogEntry, EventPattern, Owner, Subscription};
use utoipa::ToSchema;

pub const BASE: &str = "/services/ccaas/v1/webhooks";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route(&format!("{BASE}/{{id}}"), get(show).delete(remove))
        .route(&format!("{BASE}/{{id}}/deliveries"), get(deliveries))
        .route(
            &format!("{BASE}/{{id}}/deliveries/{{delivery_id}}/redeliver"),
            post(redeliver),
        )
}

/// A subscription: which events go to which URL.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct WebhookInput {
    /// Absolute http(s) URL; private and loopback addresses are refused
    /// unless the server runs with `--webhook-allow-private`.
    #[schema(max_length = 2048, pattern = "^https?://[^/?#\\s]+")]
    target_url: String,
    /// `<module>.created|updated|deleted`, `<module>.*`, `security.<event>`, `security.*`.
    #[schema(value_type = Vec<WebhookEvent>, min_items = 1, max_items = 50)]
    events: Vec<String>,
}

/// An entry of `events`, schema only: the enum is every pattern core accepts.
pub(crate) struct WebhookEvent;

impl utoipa::PartialSchema for WebhookEvent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(EventPattern::all()))
            .into()
    }
}

impl ToSchema for WebhookEvent {
    fn name() -> std::borrow::Cow<'static, str> {
        "WebhookEvent".into()
    }
}

/// A subscription as listed.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebhookBody {
    pub(crate) id: String,
    pub(crate) target_url: String,
    pub(crate) events: Vec<String>,
    /// The Private App or OAuth app it belongs to.
    pub(crate) app_id: String,
    /// OAuth subscriptions: the grant; revoking it deletes the subscription.
    pub(crate) grant_id: Option<String>,
    pub(crate) created_at: String,
}

impl From<&Subscription> for WebhookBody {
    fn from(s: &Subscription) -> Self {
        WebhookBody {
            id: s.id.clone(),
            target_url: s.target.as_str().to_owned(),
            events: s.events.to_strings(),
            app_id: s.owner.app_id().to_owned(),
            grant_id: match &s.owner {
                Owner::OAuthGrant { grant_id, .. } => Some(grant_id.clone()),
                Owner::PrivateApp(_) => None,
            },
            created_at: rfc3339(s.created_at),
        }
    }
}

/// The answer to a subscription: the secret deliveries are signed with, shown once.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreatedWebhook {
    id: String,
    /// HMAC-SHA256 key (its UTF-8 bytes) of `Switchboard-Signature`.
    secret: String,
    #[serde(flatten)]
    subscription: WebhookBody,
}

/// One delivery attempt.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryBody {
    id: String,
    event_id: String,
    #[serde(rename = "type")]
    event_type: String,
    attempt: u32,
    /// The target's HTTP status; null when it did not answer.
    status: Option<u16>,
    latency_ms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    created_at: String,
    /// When the event is tried again, if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_attempt_at: Option<String>,
}

impl From<DeliveryLogEntry> for DeliveryBody {
    fn from(d: DeliveryLogEntry) -> Self {
        DeliveryBody {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            attempt: d.attempt,
            status: d.status,
            latency_ms: d.latency_ms,
            error: d.error,
            created_at: rfc3339(d.created_at),
            next_attempt_at: d.next_attempt_at.map(rfc3339),
        }
    }
}

pub(crate) fn deliveries_body(log: Vec<DeliveryLogEntry>) -> Vec<DeliveryBody> {
    log.into_iter().map(DeliveryBody::from).collect()
}

/// Subscribe the token's app to events (REST hooks). Each module named needs its
/// read scope (`contacts.read` …), security events need `admin.read`.
#[utoipa::path(
    post,
    path = "/services/ccaas/v1/webhooks",
    operation_id = "create_webhook",
    tag = "webhooks",
    request_body = WebhookInput,
    responses(
        (status = 201, description = "Subscribed; `secret` is shown only here.", body = CreatedWebhook,
            headers(("Location" = String, description = "The subscription's URL."))),
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 415, response = crate::schemas::UnsupportedMediaType),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn create(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiJson(input): ApiJson<WebhookInput>,
) -> Result<Response, ApiError> {
    let (sub, secret) = s
        .services
        .create_webhook(&p, &input.target_url, &input.events)
        .await?;
    let location = format!("{BASE}/{}", sub.id);
    let body = CreatedWebhook {
        id: sub.id.clone(),
        secret,
        subscription: WebhookBody::from(&sub),
    };
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response())
}

/// The subscriptions of the token's app (and grant), newest first.
#[utoipa::path(
    get,
    path = "/services/ccaas/v1/webhooks",
    operation_id = "list_webhooks",
    tag = "webhooks",
    responses(
        (status = 200, description = "The subscriptions.", body = [WebhookBody]),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
) -> Result<Json<Vec<WebhookBody>>, ApiError> {
    let subs = s.services.list_webhooks(&p).await?;
    Ok(Json(subs.iter().map(WebhookBody::from).collect()))
}

/// One subscription of the token's app.
#[utoipa::path(
    get,
    path = "/services/ccaas/v1/webhooks/{id}",
    operation_id = "show_webhook",
    tag = "webhooks",
    params(("id" = String, Path, description = "The subscription's id.")),
    responses(
        (status = 200, description = "The subscription.", body = WebhookBody),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 404, response = crate::schemas::NotFound),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn show(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<WebhookBody>, ApiError> {
    let sub = s.services.get_webhook(&p, &id).await?;
    Ok(Json(WebhookBody::from(&sub)))
}

/// Unsubscribe: nothing more is delivered.
#[utoipa::path(
    delete,
    path = "/services/ccaas/v1/webhooks/{id}",
    operation_id = "delete_webhook",
    tag = "webhooks",
    params(("id" = String, Path, description = "The subscription's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 404, response = crate::schemas::NotFound),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn remove(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    s.services.delete_webhook(&p, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The subscription's delivery attempts, newest first (the last 100).
#[utoipa::path(
    get,
    path = "/services/ccaas/v1/webhooks/{id}/deliveries",
    operation_id = "list_webhook_deliveries",
    tag = "webhooks",
    params(("id" = String, Path, description = "The subscription's id.")),
    responses(
        (status = 200, description = "The attempts.", body = [DeliveryBody]),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 404, response = crate::schemas::NotFound),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn deliveries(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<DeliveryBody>>, ApiError> {
    let log = s.services.webhook_deliveries(&p, &id).await?;
    Ok(Json(deliveries_body(log)))
}

/// Send the event of an attempt again, now (same event `id`).
#[utoipa::path(
    post,
    path = "/services/ccaas/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
    operation_id = "redeliver_webhook",
    tag = "webhooks",
    params(
        ("id" = String, Path, description = "The subscription's id."),
        ("delivery_id" = String, Path, description = "An attempt's id from the delivery log."),
    ),
    responses(
        (status = 202, description = "Queued."),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 404, response = crate::schemas::NotFound),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn redeliver(
    State(s): State<AppState>,
    TokenAuth(p): TokenAuth,
    ApiPath((id, delivery)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    s.services.redeliver_webhook(&p, &id, &delivery).await?;
    Ok(StatusCode::ACCEPTED)
}
