//! The routes of course-service, one file per resource.

mod catalogue;
mod enrollment;
mod roster;
mod seats;

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/courses", get(catalogue::list_courses).post(catalogue::create_course))
        .route("/courses/seats", get(seats::seat_changes))
        .route("/courses/{id}", get(catalogue::get_course))
        .route(
            "/courses/{id}/enrollment",
            post(enrollment::enroll).delete(enrollment::drop_course),
        )
        .route("/enrollments/me", get(enrollment::my_enrollments))
        .route("/teaching", get(roster::teaching))
        .route("/courses/{id}/roster", get(roster::roster))
        .with_state(state)
}
