use axum::extract::State;
use service_common::auth::{Caller, Teacher};
use service_common::extract::Json;
use service_common::openapi as api;
use shared_types::grades::GradeRecord;

use crate::error::Result;
use crate::state::AppState;
use crate::store;

/// `GET /grades/teaching` (teacher): every grade given in the caller's
/// courses, as recorded with each grade (no call to course-service).
#[utoipa::path(
    get,
    path = "/grades/teaching",
    operation_id = "teachingGrades",
    summary = "All grades in the teacher's courses",
    description = "Teachers only. Every grade stored for courses recorded as taught by the caller; no call to course-service.",
    responses(
        (status = 200, description = "The grades.", body = Vec<shared_types::grades::GradeRecord>),
        (status = 304, response = api::NotModified),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn teaching_grades(
    State(state): State<AppState>,
    Teacher(Caller { claims, .. }): Teacher,
) -> Result<Json<Vec<GradeRecord>>> {
    let rows = store::grades_of_teacher(&state.db, claims.sub).await?;
    Ok(Json(rows.iter().map(|r| r.to_record()).collect()))
}
