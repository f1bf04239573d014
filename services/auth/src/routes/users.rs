use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use service_common::auth::Admin;
use service_common::extract::{Json, Query};
use shared_types::auth::{CreateUserRequest, User};
use shared_types::Role;

use crate::accounts::create_account;
use crate::domain::{parse_role_filter, NewUserValues};
use crate::error::Result;
use crate::state::AppState;
use crate::store;

/// `POST /auth/users` (admin): creates a user.
pub async fn create_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Json(request): Json<CreateUserRequest>,
) -> Result<(StatusCode, Json<User>)> {
    let values = NewUserValues::parse(&request)?;
    let user = create_account(&state.db, &state.hasher, values).await?;
    tracing::info!(admin = %admin.sub, user = %user.id, "user created");
    Ok((StatusCode::CREATED, Json(user)))
}

#[derive(Debug, Deserialize)]
pub struct UsersQuery {
    role: Option<String>,
}

/// `GET /auth/users?role=student` (admin): the users, by name.
pub async fn list_users(
    State(state): State<AppState>,
    Admin(_): Admin,
    Query(query): Query<UsersQuery>,
) -> Result<Json<Vec<User>>> {
    let role: Option<Role> = parse_role_filter(query.role.as_deref())?;
    let rows = store::list(&state.db, role).await?;
    Ok(Json(rows.iter().map(|r| r.to_user()).collect()))
}
