//! The routes of auth-service, one file per resource.

mod keys;
mod login;
mod me;
mod users;

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/auth/login", post(login::login))
        .route("/auth/me", get(me::me))
        .route("/auth/users", post(users::create_user).get(users::list_users))
        .route("/auth/keys", get(keys::keys))
        .with_state(state)
}
