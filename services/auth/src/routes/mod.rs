//! The routes of auth-service, one file per resource.

mod keys;
mod login;
mod me;
mod password;
mod sessions;
mod users;

use axum::routing::{get, patch, post};
use axum::Router;

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/auth/login", post(login::login))
        .route("/auth/logout", post(sessions::logout))
        .route("/auth/password", post(password::change_password))
        .route("/auth/revocations", get(sessions::revocations))
        .route("/auth/me", get(me::me))
        .route("/auth/users", post(users::create_user).get(users::list_users))
        .route("/auth/users/{id}", patch(users::update_user))
        .route("/auth/users/{id}/password-reset", post(users::reset_password))
        .route("/auth/keys", get(keys::keys))
        .with_state(state)
}
