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

pub fn router() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/users"), get(list).post(create))
        .route(&format!("{BASE}/users/{{id}}"), get(show).patch(update))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserBody {
    id: String,
    email: String,
    name: String,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    email: String,
    name: String,
    password: String,
    role: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchBody {
    role: Option<String>,
    active: Option<bool>,
}

fn parse_role(raw: &str) -> Result<Role, ApiError> {
    Role::parse(raw).ok_or_else(|| ApiError::invalid("role", "must be \"admin\" or \"member\""))
}

async fn list(
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

async fn show(
    State(s): State<AppState>,
    AdminAuth(p): AdminAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<UserBody>, ApiError> {
    p.require(Scope::AdminRead)?;
    Ok(Json(s.services.get_user(&p.account_id, &id).await?.into()))
}

async fn create(
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

async fn update(
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
