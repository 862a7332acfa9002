//! Users in the admin API: list, create, change role or active flag.

use super::BASE;
use crate::api::rfc3339;
use crate::error::ApiError;
use crate::extract::{AdminAuth, ApiJson, ApiPath};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use switchboard_core::account::{parse_name, Email, NewPassword, NewUser, Role, User};
use switchboard_core::scope::Scope;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/users"), get(list).post(create))
        .route(&format!("{BASE}/users/{{id}}"), get(show).patch(update))
}

/// A user of the account.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserBody {
    id: String,
    email: String,
    name: String,
    #[schema(value_type = crate::schemas::Role)]
    role: &'static str,
    active: bool,
    created_at: String,
}

impl From<User> for UserBody {
    fn from(u: User) -> Self {
        UserBody {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role.as_str(),
            active: u.active,
            created_at: rfc3339(u.created_at),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewUser)]
pub(crate) struct CreateBody {
    #[schema(
        max_length = 254,
        pattern = "^[^@\\s\\x00-\\x1f\\x7f-\\x9f]+@[^@.\\s\\x00-\\x1f\\x7f-\\x9f]([^@\\s\\x00-\\x1f\\x7f-\\x9f]*[^@.\\s\\x00-\\x1f\\x7f-\\x9f])?$"
    )]
    email: String,
    #[schema(schema_with = crate::schemas::user_name)]
    name: String,
    /// At least 10 characters, at most 1024 bytes.
    #[schema(min_length = 10, max_length = 1024)]
    password: String,
    #[schema(value_type = crate::schemas::Role)]
    role: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = UserPatch)]
pub(crate) struct PatchBody {
    #[schema(value_type = Option<crate::schemas::Role>)]
    role: Option<String>,
    /// false deactivates the user and revokes their OAuth grants and tokens.
    active: Option<bool>,
}

fn parse_role(raw: &str) -> Result<Role, ApiError> {
    Role::parse(raw).ok_or_else(|| ApiError::invalid("role", "must be \"admin\" or \"member\""))
}

/// The account's users.
#[utoipa::path(
    get,
    path = "/services/admin/v1/users",
    operation_id = "list_users",
    tag = "admin",
    responses(
        (status = 200, description = "Every user.", body = [UserBody]),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.read"]), ("consoleSession" = []))
)]
pub(crate) async fn list(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
) -> Result<Json<Vec<UserBody>>, ApiError> {
    p.require(Scope::AdminRead)?;
    Ok(Json(
        s.services
            .list_users(&p.account_id)
            .await?
            .into_iter()
            .map(UserBody::from)
            .collect(),
    ))
}

/// One user.
#[utoipa::path(
    get,
    path = "/services/admin/v1/users/{id}",
    operation_id = "get_user",
    tag = "admin",
    params(("id" = String, Path, description = "The object's id.")),
    responses(
        (status = 200, description = "The user.", body = UserBody),
        (status = 400, response = crate::schemas::BadRequest),
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
) -> Result<Json<UserBody>, ApiError> {
    p.require(Scope::AdminRead)?;
    Ok(Json(s.services.get_user(&p.account_id, &id).await?.into()))
}

/// Add a user to the account.
#[utoipa::path(
    post,
    path = "/services/admin/v1/users",
    operation_id = "create_user",
    tag = "admin",
    request_body = CreateBody,
    responses(
        (status = 201, description = "Created.", body = UserBody,
            headers(("Location" = String, description = "The user's URL."))),
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 409, response = crate::schemas::Conflict),
        (status = 413, response = crate::schemas::PayloadTooLarge),
        (status = 415, response = crate::schemas::UnsupportedMediaType),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.write"]), ("consoleSession" = [], "csrfToken" = []))
)]
pub(crate) async fn create(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Response, ApiError> {
    p.require(Scope::AdminWrite)?;
    let input = NewUser {
        email: Email::parse("email", &body.email)?,
        name: parse_name("name", &body.name, 100)?,
        password: NewPassword::parse("password", body.password)?,
        role: parse_role(&body.role)?,
    };
    let user = s
        .services
        .create_user(&p.account_id, &p.actor_ref(), input)
        .await?;
    let location = format!("{BASE}/users/{}", user.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(UserBody::from(user)),
    )
        .into_response())
}

/// Change a user's role or deactivate them (which revokes their OAuth grants).
#[utoipa::path(
    patch,
    path = "/services/admin/v1/users/{id}",
    operation_id = "update_user",
    tag = "admin",
    params(("id" = String, Path, description = "The object's id.")),
    request_body = PatchBody,
    responses(
        (status = 200, description = "The updated user.", body = UserBody),
        (status = 400, response = crate::schemas::BadRequest),
        (status = 401, response = crate::schemas::Unauthorized),
        (status = 403, response = crate::schemas::Forbidden),
        (status = 404, response = crate::schemas::NotFound),
        (status = 409, response = crate::schemas::Conflict),
        (status = 413, response = crate::schemas::PayloadTooLarge),
        (status = 415, response = crate::schemas::UnsupportedMediaType),
        (status = 429, response = crate::schemas::TooManyRequests),
    ),
    security(("bearer" = ["admin.write"]), ("consoleSession" = [], "csrfToken" = []))
)]
pub(crate) async fn update(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PatchBody>,
) -> Result<Json<UserBody>, ApiError> {
    p.require(Scope::AdminWrite)?;
    let role = body.role.as_deref().map(parse_role).transpose()?;
    let user = s
        .services
        .update_user(&p.account_id, &p.actor_ref(), &id, role, body.active)
        .await?;
    Ok(Json(user.into()))
}
