use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use service_common::extract::Json;
use shared_types::auth::{ChangePasswordRequest, LoginResponse};

use crate::credentials::verify_credentials;
use crate::error::{Error, Result};
use crate::sessions;
use crate::state::AppState;
use crate::store::AccountChange;

/// `POST /auth/password`: the current password proves who asks (under the
/// sign-in limits, as a sign-in would), the new one must pass the password
/// rule. Every session of the user ends; the answer starts a new one.
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
        end_sessions: true,
        only_if_unchanged_since: Some(user),
        ..AccountChange::default()
    };
    let changed = sessions::change_account(&state, change).await?;
    tracing::info!(user = %id, "password changed");
    Ok(Json(sessions::start(&state, &changed)?))
}
