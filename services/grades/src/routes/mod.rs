//! The routes of grade-service, one file per resource.

mod course_grades;
mod history;
mod mine;
mod teaching;
mod upload;

use axum::routing::{get, put};
use axum::Router;

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/grades/me", get(mine::my_grades))
        .route("/grades/teaching", get(teaching::teaching_grades))
        .route(
            "/grades/courses/{course_id}",
            get(course_grades::course_grades).post(upload::upload_grades),
        )
        .route(
            "/grades/courses/{course_id}/students/{student_id}",
            put(course_grades::set_grade),
        )
        .route("/grades/courses/{course_id}/history", get(history::course_history))
        .with_state(state)
}
