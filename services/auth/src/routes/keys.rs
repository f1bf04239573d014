use axum::extract::State;
use axum::response::IntoResponse;
use service_common::extract::Json;

use crate::state::AppState;

/// `GET /auth/keys`: the public keys tokens are verified with (JWKS).
pub async fn keys(State(state): State<AppState>) -> impl IntoResponse {
    Json(state.jwks.as_ref().clone())
}
