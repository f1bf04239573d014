use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use service_common::auth::{Admin, Caller};
use service_common::extract::{Json, Path, Query};
use service_common::openapi as api;
use shared_types::auth::{CreateUserRequest, PasswordResetRequest, SetupCodeIssued, UpdateUserRequest, User};
use shared_types::search::SearchWords;
use shared_types::Role;

use crate::accounts::create_account;
use crate::domain::{parse_role_filter, NewUserValues};
use crate::error::{Error, Result};
use crate::import::{hash_setup_code, new_setup_code};
use crate::sessions;
use crate::state::AppState;
use crate::store::{self, AccountChange};

/// `POST /auth/users` (admin): creates a user.
#[utoipa::path(
    post,
    path = "/auth/users",
    operation_id = "createUser",
    summary = "Create a user",
    description = "Admin only.",
    request_body = shared_types::auth::CreateUserRequest,
    responses(
        (status = 201, description = "The user was created.", body = shared_types::auth::User),
        (status = 400, response = api::BadJson),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 409, description = "`email_taken`: a user with this email exists.", body = shared_types::ErrorBody),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_email`, `invalid_field` (name), `weak_password` or `unknown_role` (also for an empty list).", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
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
    /// Words, each found in the name or the email, in any case.
    q: Option<String>,
    role: Option<String>,
}

/// `GET /auth/users?role=student` (admin): the users, by name.
#[utoipa::path(
    get,
    path = "/auth/users",
    operation_id = "listUsers",
    summary = "List users",
    description = "Admin only. Users ordered by name, optionally only those holding one role, or matching a search (`GET /auth/users?q=chen&role=student`).",
    params(
        ("q" = Option<String>, Query, description = "Words, each found in the user's name or email, in any case; absent or empty: every user."),
        ("role" = Option<String>, Query, description = "Only users with this role; absent or empty: all users."),
    ),
    responses(
        (status = 200, description = "The users.", body = Vec<shared_types::auth::User>),
        (status = 304, response = api::NotModified),
        (status = 400, description = "Bad request: `invalid_query`.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 422, description = "`unknown_role`: `role` is not student, teacher or admin.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn list_users(
    State(state): State<AppState>,
    Admin(_): Admin,
    Query(query): Query<UsersQuery>,
) -> Result<Json<Vec<User>>> {
    let role: Option<Role> = parse_role_filter(query.role.as_deref())?;
    let words = SearchWords::new(query.q.as_deref().unwrap_or_default());
    let rows = store::list(&state.db, role).await?;
    Ok(Json(
        rows.iter()
            .map(|r| r.to_user())
            .filter(|user| words.match_fields(&[&user.name, &user.email]))
            .collect(),
    ))
}

/// `POST /auth/users/{id}/password-reset` (admin): sets a temporary
/// password the user must replace before signing in again, and ends every
/// session of theirs.
#[utoipa::path(
    post,
    path = "/auth/users/{id}/password-reset",
    operation_id = "resetPassword",
    summary = "Reset a user's password",
    description = "Admin only. Sets a temporary password (the password rule applies) and ends every session of the user; signing in with it answers 403 `password_change_required` until the user chooses a new one with `POST /auth/password`. It works for `--temporary-password-hours` (24 by default; the user's `temporary_until`), then answers 403 `temporary_password_expired`.",
    params(("id" = uuid::Uuid, Path, description = "The user's id.")),
    request_body = shared_types::auth::PasswordResetRequest,
    responses(
        (status = 200, description = "The user, with `must_change_password`.", body = shared_types::auth::User),
        (status = 400, description = "`malformed_json`, `invalid_body` or `invalid_path`.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, description = "`user_not_found`.", body = shared_types::ErrorBody),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`weak_password`.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn reset_password(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Path(id): Path<uuid::Uuid>,
    Json(request): Json<PasswordResetRequest>,
) -> Result<Json<User>> {
    let user = store::find_by_id(&state.db, id).await?.ok_or(Error::UserNotFound)?;
    shared_types::password::check_new_password(request.temporary_password.expose(), &user.email)?;
    let password_hash = state.hasher.hash(request.temporary_password).await?;
    let change = AccountChange::temporary_password(id, password_hash, state.lifetimes.reset);
    let user = sessions::change_account(&state, change).await?;
    tracing::info!(admin = %admin.sub, user = %id, "password reset");
    Ok(Json(user.to_user()))
}

/// `POST /auth/users/{id}/setup-code` (admin): a new one-time setup code
/// for a user whose code expired or was lost; it replaces their password
/// and ends every session of theirs, as a reset does.
#[utoipa::path(
    post,
    path = "/auth/users/{id}/setup-code",
    operation_id = "issueSetupCode",
    summary = "Issue a new setup code",
    description = "Admin only. Replaces the user's password with a new one-time setup code, shown only in this answer, and ends every session of theirs. The user signs in with it once and chooses a password (`POST /auth/password` with the code as the current password) within `--setup-code-hours` (7 days by default; `user.temporary_until`).",
    params(("id" = uuid::Uuid, Path, description = "The user's id.")),
    responses(
        (status = 200, description = "The new code and the user.", body = shared_types::auth::SetupCodeIssued),
        (status = 400, description = "`invalid_path`.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, description = "`user_not_found`.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn issue_setup_code(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Path(id): Path<uuid::Uuid>,
) -> Result<Json<SetupCodeIssued>> {
    let (code, password_hash) = tokio::task::spawn_blocking(|| {
        let code = new_setup_code()?;
        let hash = hash_setup_code(&code)?;
        anyhow::Ok((code, hash))
    })
    .await
    .map_err(|e| Error::Internal(e.into()))??;
    let change = AccountChange::temporary_password(id, password_hash, state.lifetimes.setup_code);
    let user = sessions::change_account(&state, change).await?;
    tracing::info!(admin = %admin.sub, user = %id, "setup code issued");
    Ok(Json(SetupCodeIssued {
        user: user.to_user(),
        setup_code: code,
    }))
}

/// `PATCH /auth/users/{id}` `{"disabled": bool}` (admin): disabling ends
/// every session of the user and refuses their sign-in; enabling lets them
/// sign in again. An admin cannot disable themselves, so the last admin
/// cannot lock everyone out.
#[utoipa::path(
    patch,
    path = "/auth/users/{id}",
    operation_id = "updateUser",
    summary = "Disable or enable a user",
    description = "Admin only. Disabling ends every session of the user and refuses their sign-in (403 `account_disabled`, told only to someone who gave the right password); enabling lets them sign in again.",
    params(("id" = uuid::Uuid, Path, description = "The user's id.")),
    request_body = shared_types::auth::UpdateUserRequest,
    responses(
        (status = 200, description = "The user as now stored.", body = shared_types::auth::User),
        (status = 400, description = "`malformed_json`, `invalid_body` or `invalid_path`.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, description = "`user_not_found`.", body = shared_types::ErrorBody),
        (status = 409, description = "`cannot_disable_self`: another admin must do it.", body = shared_types::ErrorBody),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 503, response = api::Unavailable),
    )
)]
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
