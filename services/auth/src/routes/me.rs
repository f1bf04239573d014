use axum::extract::State;
use service_common::auth::Caller;
use service_common::extract::Json;
use shared_types::auth::User;

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store;

/// `GET /auth/me`: the signed-in user, as stored now.
pub async fn me(State(state): State<AppState>, Caller { claims, .. }: Caller) -> Result<Json<User>> {
    let user = store::find_by_id(&state.db, claims.sub)
        .await?
        .ok_or(Error::UserNotFound)?;
    Ok(Json(user.to_user()))
}
