use axum::extract::State;
use service_common::auth::{Caller, Student};
use service_common::extract::Json;
use service_common::openapi as api;
use shared_types::grades::MyGrade;

use crate::error::Result;
use crate::state::AppState;
use crate::store;

/// `GET /grades/me` (student): served from this service's database alone,
/// so it keeps working while course-service is down.
#[utoipa::path(
    get,
    path = "/grades/me",
    operation_id = "myGrades",
    summary = "The student's grades",
    description = "Students only. Served from grade-service's own database alone, so it keeps working while course-service is down.",
    responses(
        (status = 200, description = "The caller's grades.", body = Vec<shared_types::grades::MyGrade>),
        (status = 304, response = api::NotModified),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn my_grades(
    State(state): State<AppState>,
    Student(Caller { claims, .. }): Student,
) -> Result<Json<Vec<MyGrade>>> {
    let rows = store::grades_of_student(&state.db, claims.sub).await?;
    Ok(Json(rows.iter().map(|r| r.to_my_grade()).collect()))
}
