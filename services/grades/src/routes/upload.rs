use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use service_common::auth::Teacher;
use service_common::extract::{Json, Path};
use service_common::openapi as api;
use shared_types::grades::UploadReport;
use uuid::Uuid;

use super::responses;
use crate::access;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store;
use crate::upload::{check_rows, parse_csv, parse_json};

/// `POST /grades/courses/{course_id}` (that course's teacher): a JSON list
/// or a CSV of grades. All rows are checked first; if any is invalid,
/// nothing is written and the 422 answer reports each row.
#[utoipa::path(
    post,
    path = "/grades/courses/{course_id}",
    operation_id = "uploadGrades",
    summary = "Upload grades in bulk",
    description = "That course's teacher. Every row is checked first (student id, grade, duplicates, enrollment as told by course-service); if any row is invalid nothing is written and the answer is 422 whose body is the UploadReport (`written` 0, `error` `invalid_rows`) so the per-row report is visible. Otherwise all rows are written in one transaction, each change kept in the history. At most 5000 rows.",
    params(("course_id" = uuid::Uuid, Path, description = "The course id. Not a UUID: 400 `invalid_path`.")),
    request_body(content((Vec<shared_types::grades::GradeUploadRow> = "application/json"), (String = "text/csv")), description = "A header row `student_id,grade` (any order, case-insensitive), then one row per student; blank lines are skipped."),
    responses(
        (status = 200, description = "Every row was valid and written.", body = shared_types::grades::UploadReport),
        (status = 400, description = "Bad request: `invalid_upload` (unreadable CSV or JSON, which here includes malformed JSON; CSV header without `student_id` and `grade`; no rows; more than 5000 rows) or `invalid_path`.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 403, description = "`forbidden` (not this course's teacher) or `own_grade` (the student is the caller: nobody grades themselves).", body = shared_types::ErrorBody),
        (status = 404, response = api::CourseNotFound),
        (status = 409, response = responses::WriteConflict),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_rows`: at least one row is invalid; nothing was written. The body is the per-row report (`written` 0).", body = shared_types::grades::UploadReport),
        (status = 503, response = responses::CoursesUnavailable),
    )
)]
pub async fn upload_grades(
    State(state): State<AppState>,
    Teacher(caller): Teacher,
    Path(course_id): Path<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<UploadReport>> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let rows = if content_type.starts_with("text/csv") {
        parse_csv(&body)?
    } else if content_type.starts_with("application/json") {
        parse_json(&body)?
    } else {
        return Err(Error::UnsupportedMediaType);
    };
    let course = access::teacher_of(&state, &caller, course_id).await?;
    let (writes, report) = check_rows(&rows, &course.roster)?;
    if writes.iter().any(|w| w.student_id == caller.claims.sub) {
        return Err(Error::OwnGrade);
    }
    store::write_grades(&state.db, &course.info, &writes, &access::author_of(&caller)).await?;
    tracing::info!(teacher = %caller.claims.sub, course = %course_id, rows = writes.len(), "grades uploaded");
    Ok(Json(report))
}
