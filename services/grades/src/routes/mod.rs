//! The routes of grade-service, one file per resource.

mod completions;
mod course_grades;
mod export;
mod history;
mod mine;
mod responses;
mod teaching;
mod upload;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn router(state: AppState) -> OpenApiRouter {
    OpenApiRouter::with_openapi(responses::Grades::openapi())
        .routes(routes!(mine::my_grades))
        .routes(routes!(teaching::teaching_grades))
        .routes(routes!(course_grades::course_grades, upload::upload_grades))
        .routes(routes!(course_grades::set_grade))
        .routes(routes!(history::course_history))
        .routes(routes!(export::export_grades))
        .routes(routes!(completions::completions_feed))
        .with_state(state)
}
