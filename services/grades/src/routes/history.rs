use axum::extract::State;
use serde::Deserialize;
use service_common::auth::Caller;
use service_common::extract::{Json, Path, Query};
use service_common::openapi as api;
use shared_types::grades::GradeChange;
use uuid::Uuid;

use super::responses;
use crate::access;
use crate::error::Result;
use crate::state::AppState;
use crate::store;

#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    student_id: Option<Uuid>,
}

/// `GET /grades/courses/{course_id}/history[?student_id=]` (that course's
/// teacher, admin): every change, oldest first.
///
/// The teacher is confirmed with course-service; while it is down, a
/// teacher recorded with the course's grades is let through (the same rule
/// as the fail-closed grade list).
#[utoipa::path(
    get,
    path = "/grades/courses/{course_id}/history",
    operation_id = "gradeHistory",
    summary = "A course's grade history",
    description = "That course's teacher, or an admin. Every change, oldest first. While course-service is down, a teacher recorded with the course's grades is let through.",
    params(("course_id" = uuid::Uuid, Path, description = "The course id. Not a UUID: 400 `invalid_path`."), ("student_id" = Option<uuid::Uuid>, Query, description = "Only this student's changes. Not a UUID: 400 `invalid_query`.")),
    responses(
        (status = 200, description = "The changes, oldest first.", body = Vec<shared_types::grades::GradeChange>),
        (status = 304, response = api::NotModified),
        (status = 400, description = "Bad request: `invalid_path`, `invalid_query`.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = responses::NotTheTeacher),
        (status = 404, response = api::CourseNotFound),
        (status = 503, description = "`courses_unavailable` (only when the course's teacher cannot be determined: course-service down and the caller not recorded as its teacher), `database_unavailable` or `timeout`. `*_unavailable` answers carry `Retry-After: 1`.", body = shared_types::ErrorBody),
    )
)]
pub async fn course_history(
    State(state): State<AppState>,
    caller: Caller,
    Path(course_id): Path<Uuid>,
    Query(query): Query<HistoryQuery>,
) -> Result<Json<Vec<GradeChange>>> {
    access::history_reader(&state, &caller, course_id).await?;
    let rows = store::history(&state.db, course_id, query.student_id).await?;
    Ok(Json(rows.iter().map(|r| r.to_change()).collect()))
}
