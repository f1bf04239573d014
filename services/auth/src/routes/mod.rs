//! The routes of auth-service, one file per resource.

mod import;
mod keys;
mod login;
mod me;
mod password;
mod sessions;
mod users;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(login::login))
        .routes(routes!(sessions::logout))
        .routes(routes!(password::change_password))
        .routes(routes!(sessions::revocations))
        .routes(routes!(me::me))
        .routes(routes!(users::create_user, users::list_users))
        .routes(routes!(import::import_users))
        .routes(routes!(users::update_user))
        .routes(routes!(users::reset_password))
        .routes(routes!(users::issue_setup_code))
        .routes(routes!(keys::keys))
        .with_state(state)
}
