use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use service_common::extract::Json;
use shared_types::auth::{LoginRequest, LoginResponse};

use crate::credentials::verify_credentials;
use crate::error::{Error, Result};
use crate::sessions;
use crate::state::AppState;

/// `POST /auth/login`: a token for the right email and password, unless
/// the account is disabled or must choose a new password first (both told
/// only to someone who gave the right password).
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(request): Json<LoginRequest>,
) -> Result<Json<LoginResponse>> {
    let user = verify_credentials(&state, peer.ip(), &headers, &request.email, request.password).await?;
    if user.disabled {
        return Err(Error::AccountDisabled);
    }
    if user.must_change_password {
        return Err(Error::PasswordChangeRequired);
    }
    Ok(Json(sessions::start(&state, &user)?))
}
