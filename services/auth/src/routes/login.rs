use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use service_common::extract::Json;
use service_common::openapi as api;
use shared_types::auth::{LoginRequest, LoginResponse};

use crate::credentials::verify_credentials;
use crate::error::{Error, Result};
use crate::sessions;
use crate::state::AppState;

/// `POST /auth/login`: a token for the right email and password, unless
/// the account is disabled or must choose a new password first (both told
/// only to someone who gave the right password).
#[utoipa::path(
    post,
    path = "/auth/login",
    operation_id = "login",
    summary = "Sign in",
    description = "Anyone. An unknown email and a wrong password give the same 401 after the same work. Repeated failures for one email or one client are throttled.",
    security(()),
    request_body = shared_types::auth::LoginRequest,
    responses(
        (status = 200, description = "Signed in: a token valid for one hour.", body = shared_types::auth::LoginResponse),
        (status = 400, response = api::BadJson),
        (status = 401, description = "`invalid_credentials`: the email or the password is wrong.", body = shared_types::ErrorBody),
        (status = 403, description = "`account_disabled`, `password_change_required` (a setup code, or an admin reset the password: choose a new one with `POST /auth/password`), or `temporary_password_expired` (that code or temporary password is past its lifetime: an admin issues a new one). Told only to someone who gave the right password.", body = shared_types::ErrorBody),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 429, description = "`too_many_attempts`: too many failed sign-ins for this email or client.", body = shared_types::ErrorBody, headers(("Retry-After" = u32, description = "Seconds to wait before retrying."))),
        (status = 503, description = "`auth_busy` (password hashing saturated; Retry-After: 1), `database_unavailable` or `timeout`.", body = shared_types::ErrorBody, headers(("Retry-After" = u32, description = "Seconds to wait before retrying."))),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(request): Json<LoginRequest>,
) -> Result<Json<LoginResponse>> {
    let answer = sign_in(&state, peer, &headers, request).await;
    metrics::counter!("sign_ins_total", "outcome" => outcome_of(&answer)).increment(1);
    answer.map(Json)
}

async fn sign_in(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    request: LoginRequest,
) -> Result<LoginResponse> {
    let user = verify_credentials(state, peer.ip(), headers, &request.email, request.password).await?;
    if user.disabled {
        return Err(Error::AccountDisabled);
    }
    sessions::refuse_expired_temporary(&user)?;
    if user.must_change_password {
        return Err(Error::PasswordChangeRequired);
    }
    sessions::start(state, &user)
}

/// The `outcome` label of `sign_ins_total`.
fn outcome_of(answer: &Result<LoginResponse>) -> &'static str {
    match answer {
        Ok(_) => "signed_in",
        Err(Error::InvalidCredentials) => "invalid_credentials",
        Err(Error::Throttled { .. }) => "throttled",
        Err(Error::HasherBusy(_)) => "hashing_busy",
        Err(Error::AccountDisabled) => "account_disabled",
        Err(Error::PasswordChangeRequired) => "password_change_required",
        Err(Error::TemporaryPasswordExpired { .. }) => "temporary_password_expired",
        Err(Error::Db(_)) => "database_unavailable",
        Err(_) => "other_error",
    }
}
