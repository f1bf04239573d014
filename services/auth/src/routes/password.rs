use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use service_common::extract::Json;
use service_common::openapi as api;
use shared_types::auth::{ChangePasswordRequest, LoginResponse};

use crate::credentials::verify_credentials;
use crate::error::{Error, Result};
use crate::sessions;
use crate::state::AppState;
use crate::store::AccountChange;

/// `POST /auth/password`: the current password proves who asks (under the
/// sign-in limits, as a sign-in would), the new one must pass the password
/// rule. Every session of the user ends; the answer starts a new one.
#[utoipa::path(
    post,
    path = "/auth/password",
    operation_id = "changePassword",
    summary = "Change a password",
    description = "No token needed: the current password proves who asks, under the same sign-in limits as `POST /auth/login` (a wrong one counts as a failed sign-in). This is also how a user whose password an admin reset chooses a new one. Every session of the user ends; the answer starts a new one.",
    security(()),
    request_body = shared_types::auth::ChangePasswordRequest,
    responses(
        (status = 200, description = "The password was changed; a new session.", body = shared_types::auth::LoginResponse),
        (status = 400, response = api::BadJson),
        (status = 401, description = "`invalid_credentials`: the email or the current password is wrong.", body = shared_types::ErrorBody),
        (status = 403, description = "`account_disabled`, or `temporary_password_expired` (the setup code or temporary password given as the current one is past its lifetime: an admin issues a new one).", body = shared_types::ErrorBody),
        (status = 409, description = "`account_changed`: the account was changed (disabled, reset, or another change) between checking the current password and writing the new one; nothing was written.", body = shared_types::ErrorBody),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`weak_password` (the password rule) or `password_unchanged`.", body = shared_types::ErrorBody),
        (status = 429, description = "`too_many_attempts`, with `Retry-After`: the sign-in limits.", body = shared_types::ErrorBody),
        (status = 503, description = "`auth_busy` (the hashing queue is full, with `Retry-After`), `database_unavailable` or `timeout`.", body = shared_types::ErrorBody),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(request): Json<ChangePasswordRequest>,
) -> Result<Json<LoginResponse>> {
    let user = verify_credentials(
        &state,
        peer.ip(),
        &headers,
        &request.email,
        request.current_password.clone(),
    )
    .await?;
    if user.disabled {
        return Err(Error::AccountDisabled);
    }
    sessions::refuse_expired_temporary(&user)?;
    if request.new_password == request.current_password {
        return Err(Error::PasswordUnchanged);
    }
    shared_types::password::check_new_password(request.new_password.expose(), &user.email)?;
    let password_hash = state.hasher.hash(request.new_password).await?;
    let id = user.to_user().id;
    let change = AccountChange {
        user: id,
        password_hash: Some(password_hash),
        must_change_password: Some(false),
        temporary_until: Some(None),
        end_sessions: true,
        only_if_unchanged_since: Some(user),
        ..AccountChange::default()
    };
    let changed = sessions::change_account(&state, change).await?;
    tracing::info!(user = %id, "password changed");
    Ok(Json(sessions::start(&state, &changed)?))
}
