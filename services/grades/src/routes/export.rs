use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use service_common::auth::Caller;
use service_common::extract::Path;
use service_common::openapi as api;
use uuid::Uuid;

use super::course_grades::{grade_sheet, mark_completeness};
use super::responses;
use crate::error::Result;
use crate::export;
use crate::state::AppState;

/// `GET /grades/courses/{course_id}/export` (that course's teacher, admin):
/// the grade sheet of `GET /grades/courses/{course_id}` as a CSV file, its
/// text cells made safe for spreadsheets (see `export`).
#[utoipa::path(
    get,
    path = "/grades/courses/{course_id}/export",
    operation_id = "exportCourseGrades",
    summary = "A course's grade sheet as CSV",
    description = "That course's teacher, or an admin: the grade sheet of `GET /grades/courses/{course_id}` as `text/csv` with a header row `student_id,student_name,grade` (the grade empty where none is set), sent as a download. A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading `'`, so a spreadsheet shows it as text and never runs it as a formula. While course-service cannot be asked, the same fail-closed rule as the grade sheet, with `X-Roster-Complete: false`.",
    params(("course_id" = uuid::Uuid, Path, description = "The course id. Not a UUID: 400 `invalid_path`.")),
    responses(
        (status = 200, description = "The grade sheet as CSV.", content_type = "text/csv", body = String, headers(
            ("content-disposition" = String, description = "`attachment; filename=\"grades-{course_id}.csv\"`."),
            ("x-roster-complete" = String, description = "`false` when course-service could not be asked: only the grades already stored here."),
        )),
        (status = 400, response = api::InvalidPath),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = responses::NotTheTeacher),
        (status = 404, response = api::CourseNotFound),
        (status = 503, description = "`courses_unavailable` (course-service down and nothing stored for this caller and course), `database_unavailable` or `timeout`.", body = shared_types::ErrorBody),
    )
)]
pub async fn export_grades(
    State(state): State<AppState>,
    caller: Caller,
    Path(course_id): Path<Uuid>,
) -> Result<Response> {
    let (sheet, complete) = grade_sheet(&state, &caller, course_id).await?;
    let csv = export::to_csv(&sheet)?;
    let disposition = format!("attachment; filename=\"grades-{course_id}.csv\"");
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition).expect("a UUID makes a valid header"),
            ),
        ],
        csv,
    )
        .into_response();
    mark_completeness(&mut response, complete);
    Ok(response)
}
