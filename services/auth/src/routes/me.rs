use axum::extract::State;
use service_common::auth::Caller;
use service_common::extract::Json;
use service_common::openapi as api;
use shared_types::auth::User;

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store;

/// `GET /auth/me`: the signed-in user, as stored now.
#[utoipa::path(
    get,
    path = "/auth/me",
    operation_id = "me",
    summary = "The signed-in user",
    description = "Any valid token. The user as stored now.",
    responses(
        (status = 200, description = "The user.", body = shared_types::auth::User),
        (status = 304, response = api::NotModified),
        (status = 401, response = api::Unauthorized),
        (status = 404, description = "`user_not_found`: the token's user no longer exists.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn me(State(state): State<AppState>, Caller { claims, .. }: Caller) -> Result<Json<User>> {
    let user = store::find_by_id(&state.db, claims.sub)
        .await?
        .ok_or(Error::UserNotFound)?;
    Ok(Json(user.to_user()))
}
