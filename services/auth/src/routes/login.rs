use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use service_common::extract::Json;
use shared_types::auth::{LoginRequest, LoginResponse, TOKEN_TTL_SECONDS};
use shared_types::Email;

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store;

/// `POST /auth/login`: a token for the right email and password.
///
/// An unknown email and a wrong password give the same 401 after the same
/// work (a decoy hash is checked), so the answer does not tell which emails
/// have accounts.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Json(request): Json<LoginRequest>,
) -> Result<Json<LoginResponse>> {
    // A string that is not an email cannot name an account; refusing it
    // early reveals nothing.
    let email = Email::parse(&request.email).map_err(|_| Error::InvalidCredentials)?;
    let attempt = state
        .throttle
        .begin(email.as_str(), client.ip())
        .map_err(|retry_after| Error::Throttled { retry_after })?;
    let user = store::find_by_email(&state.db, &email).await?;
    let stored_hash = user.as_ref().map(|u| u.password_hash.clone());
    if !state.hasher.verify(request.password, stored_hash).await? {
        tracing::info!(email = %email, client = %client.ip(), "failed sign-in");
        return Err(Error::InvalidCredentials);
    }
    let user = user.ok_or(Error::InvalidCredentials)?.to_user();
    state.throttle.succeeded(attempt);
    let claims = state
        .signer
        .claims_for(user.id, &user.email, &user.name, user.roles.clone());
    let token = state.signer.sign(&claims)?;
    Ok(Json(LoginResponse {
        token,
        token_type: "Bearer".into(),
        expires_in: TOKEN_TTL_SECONDS,
        user,
    }))
}
