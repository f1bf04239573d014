use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use service_common::auth::{Admin, Caller};
use service_common::extract::{Json, Path, Query};
use shared_types::auth::{CreateUserRequest, PasswordResetRequest, UpdateUserRequest, User};
use shared_types::Role;

use crate::accounts::create_account;
use crate::domain::{parse_role_filter, NewUserValues};
use crate::error::{Error, Result};
use crate::sessions;
use crate::state::AppState;
use crate::store::{self, AccountChange};

/// `POST /auth/users` (admin): creates a user.
pub async fn create_user(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
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

/// `POST /auth/users/{id}/password-reset` (admin): sets a temporary
/// password the user must replace before signing in again, and ends every
/// session of theirs.
pub async fn reset_password(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Path(id): Path<uuid::Uuid>,
    Json(request): Json<PasswordResetRequest>,
) -> Result<Json<User>> {
    let user = store::find_by_id(&state.db, id).await?.ok_or(Error::UserNotFound)?;
    shared_types::password::check_new_password(request.temporary_password.expose(), &user.email)?;
    let password_hash = state.hasher.hash(request.temporary_password).await?;
    let change = AccountChange {
        user: id,
        password_hash: Some(password_hash),
        must_change_password: Some(true),
        end_sessions: true,
        ..AccountChange::default()
    };
    let user = sessions::change_account(&state, change).await?;
    tracing::info!(admin = %admin.sub, user = %id, "password reset");
    Ok(Json(user.to_user()))
}

/// `PATCH /auth/users/{id}` `{"disabled": bool}` (admin): disabling ends
/// every session of the user and refuses their sign-in; enabling lets them
/// sign in again. An admin cannot disable themselves, so the last admin
/// cannot lock everyone out.
pub async fn update_user(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Path(id): Path<uuid::Uuid>,
    Json(request): Json<UpdateUserRequest>,
) -> Result<Json<User>> {
    if request.disabled == Some(true) && id == admin.sub {
        return Err(Error::CannotDisableSelf);
    }
    let change = AccountChange {
        user: id,
        disabled: request.disabled,
        end_sessions: request.disabled == Some(true),
        ..AccountChange::default()
    };
    let user = sessions::change_account(&state, change).await?;
    tracing::info!(admin = %admin.sub, user = %id, disabled = ?request.disabled, "user updated");
    Ok(Json(user.to_user()))
}
