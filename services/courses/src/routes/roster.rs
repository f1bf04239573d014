use axum::extract::State;
use service_common::auth::{Caller, Teacher};
use service_common::extract::{Json, Path};
use service_common::openapi as api;
use shared_types::courses::{Course, RosterEntry};
use uuid::Uuid;

use crate::db::{meeting_store, store};
use crate::error::{Error, Result};
use crate::state::AppState;

/// `GET /teaching` (teacher): the courses the caller teaches.
#[utoipa::path(
    get,
    path = "/teaching",
    operation_id = "teaching",
    summary = "The teacher's courses",
    description = "Teachers only. The courses whose `teacher_id` is the caller.",
    responses(
        (status = 200, description = "The courses.", body = Vec<shared_types::courses::Course>),
        (status = 304, response = api::NotModified),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn teaching(
    State(state): State<AppState>,
    Teacher(Caller { claims, .. }): Teacher,
) -> Result<Json<Vec<Course>>> {
    let rows = store::courses_taught_by(&state.db, claims.sub).await?;
    Ok(Json(meeting_store::courses_with_meetings(&state.db, &rows).await?))
}

/// `GET /courses/{id}/roster`: only that course's teacher or an admin.
#[utoipa::path(
    get,
    path = "/courses/{id}/roster",
    operation_id = "roster",
    summary = "A course's roster",
    description = "That course's teacher, or an admin.",
    params(("id" = uuid::Uuid, Path, description = "The course id. Not a UUID: 400 `invalid_path`.")),
    responses(
        (status = 200, description = "The enrolled students.", body = Vec<shared_types::courses::RosterEntry>),
        (status = 304, response = api::NotModified),
        (status = 400, response = api::InvalidPath),
        (status = 401, response = api::Unauthorized),
        (status = 403, description = "`forbidden`: other teachers and students.", body = shared_types::ErrorBody),
        (status = 404, response = api::CourseNotFound),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn roster(
    State(state): State<AppState>,
    Caller { claims, .. }: Caller,
    Path(course_id): Path<Uuid>,
) -> Result<Json<Vec<RosterEntry>>> {
    let course = store::find_course(&state.db, course_id).await?;
    if !claims.is_teacher_or_admin_of(course.teacher_id) {
        return Err(Error::NotTheTeacher);
    }
    let rows = store::roster(&state.db, course_id).await?;
    Ok(Json(rows.iter().map(|r| r.to_roster_entry()).collect()))
}
