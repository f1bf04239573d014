use axum::extract::State;
use axum::response::IntoResponse;
use service_common::extract::Json;
use service_common::openapi as api;

use crate::state::AppState;

/// `GET /auth/keys`: the public keys tokens are verified with (JWKS).
#[utoipa::path(
    get,
    path = "/auth/keys",
    operation_id = "keys",
    summary = "Public signing keys (JWKS)",
    description = "Anyone. The Ed25519 public keys tokens are verified with, one per `kid`.",
    security(()),
    responses(
        (status = 200, description = "The key set.", body = service_common::auth::JwkSet),
        (status = 304, response = api::NotModified),
    )
)]
pub async fn keys(State(state): State<AppState>) -> impl IntoResponse {
    Json(state.jwks.as_ref().clone())
}
