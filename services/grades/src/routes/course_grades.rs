use std::collections::HashMap;

use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use service_common::auth::{Caller, Teacher};
use service_common::extract::{Json, Path};
use service_common::openapi as api;
use shared_types::grades::{GradeRecord, SetGradeRequest, StudentGrade, ROSTER_COMPLETE_HEADER};
use shared_types::Grade;
use uuid::Uuid;

use super::responses;
use crate::access::{self, Reader};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::{self, GradeWrite};

/// `GET /grades/courses/{course_id}` (that course's teacher, admin): every
/// enrolled student with their grade, `null` where none is set yet.
///
/// While course-service is down the roster cannot be had. The answer is
/// then the grades already held, only those recorded as given in the
/// caller's course (an admin sees all), marked `X-Roster-Complete: false`;
/// with nothing held, 503 `courses_unavailable`. It never shows a teacher
/// grades of a course not recorded as theirs.
#[utoipa::path(
    get,
    path = "/grades/courses/{course_id}",
    operation_id = "courseGrades",
    summary = "A course's grade sheet",
    description = "That course's teacher, or an admin (checked with course-service using the caller's token). Every enrolled student, `grade` null where none is set yet. While course-service cannot be asked the answer fails closed: only grades already stored here for a course recorded as the caller's (an admin: all stored grades of the course), with `X-Roster-Complete: false`; with nothing stored, 503.",
    params(("course_id" = uuid::Uuid, Path, description = "The course id. Not a UUID: 400 `invalid_path`.")),
    responses(
        (status = 200, description = "The grade sheet.", body = Vec<shared_types::grades::StudentGrade>, headers(("x-roster-complete" = String, description = "`true` normally; `false` when course-service could not be asked, so the list holds only the grades already stored here (and never grades of a course not recorded as the caller's)."))),
        (status = 304, response = api::NotModified),
        (status = 400, response = api::InvalidPath),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = responses::NotTheTeacher),
        (status = 404, response = api::CourseNotFound),
        (status = 503, description = "`courses_unavailable` (course-service down and nothing stored for this caller and course; sent with `Retry-After: 1`), `database_unavailable` or `timeout`.", body = shared_types::ErrorBody),
    )
)]
pub async fn course_grades(
    State(state): State<AppState>,
    caller: Caller,
    Path(course_id): Path<Uuid>,
) -> Result<Response> {
    let (list, complete) = grade_sheet(&state, &caller, course_id).await?;
    Ok(with_completeness(list, complete))
}

/// A course's grade sheet for `caller`, and whether it is the whole
/// roster (see `course_grades`).
pub(super) async fn grade_sheet(
    state: &AppState,
    caller: &Caller,
    course_id: Uuid,
) -> Result<(Vec<StudentGrade>, bool)> {
    match access::reader_of(state, caller, course_id).await? {
        Reader::Confirmed { roster } => {
            let held = store::grades_of_course(&state.db, course_id, None).await?;
            let grades: HashMap<Uuid, Grade> = held.iter().map(|g| (g.student_id, g.grade())).collect();
            let list = roster
                .iter()
                .map(|entry| StudentGrade {
                    student_id: entry.student_id,
                    student_name: entry.name.clone(),
                    grade: grades.get(&entry.student_id).copied(),
                })
                .collect();
            Ok((list, true))
        }
        Reader::Unconfirmed { detail, given_by } => {
            let held = store::grades_of_course(&state.db, course_id, given_by).await?;
            if held.is_empty() {
                return Err(Error::CoursesUnavailable(detail));
            }
            let list = held
                .iter()
                .map(|g| StudentGrade {
                    student_id: g.to_record().student_id,
                    student_name: g.student_name.clone(),
                    grade: Some(g.grade()),
                })
                .collect();
            Ok((list, false))
        }
    }
}

fn with_completeness(list: Vec<StudentGrade>, complete: bool) -> Response {
    let mut response = Json(list).into_response();
    mark_completeness(&mut response, complete);
    response
}

pub(super) fn mark_completeness(response: &mut Response, complete: bool) {
    response.headers_mut().insert(
        ROSTER_COMPLETE_HEADER,
        HeaderValue::from_static(if complete { "true" } else { "false" }),
    );
}

/// `PUT /grades/courses/{course_id}/students/{student_id}` (that course's
/// teacher): sets one grade.
#[utoipa::path(
    put,
    path = "/grades/courses/{course_id}/students/{student_id}",
    operation_id = "setGrade",
    summary = "Set one grade",
    description = "That course's teacher. The grade is checked first; then course-service is asked (with the caller's token, 2 s timeout) that the caller teaches the course and the student is enrolled. Course code, title and student name are stored with the grade; the change is kept in the history.",
    params(("course_id" = uuid::Uuid, Path, description = "The course id. Not a UUID: 400 `invalid_path`."), ("student_id" = uuid::Uuid, Path, description = "The student's id. Not a UUID: 400 `invalid_path`.")),
    request_body = shared_types::grades::SetGradeRequest,
    responses(
        (status = 200, description = "The grade as stored.", body = shared_types::grades::GradeRecord),
        (status = 400, description = "Bad request: `malformed_json`, `invalid_body`, `invalid_path`.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 403, description = "`forbidden` (not this course's teacher) or `own_grade` (the student is the caller: nobody grades themselves).", body = shared_types::ErrorBody),
        (status = 404, response = api::CourseNotFound),
        (status = 409, response = responses::WriteConflict),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_grade` or `student_not_enrolled`.", body = shared_types::ErrorBody),
        (status = 503, response = responses::CoursesUnavailable),
    )
)]
pub async fn set_grade(
    State(state): State<AppState>,
    Teacher(caller): Teacher,
    Path((course_id, student_id)): Path<(Uuid, Uuid)>,
    Json(request): Json<SetGradeRequest>,
) -> Result<Json<GradeRecord>> {
    // The value is checked first: a bad grade is a 422 whatever the state of
    // course-service.
    let grade = Grade::from_json(&request.grade)?;
    // Course-service keeps a teacher off their own roster; this holds even
    // for an enrollment older than that rule.
    if student_id == caller.claims.sub {
        return Err(Error::OwnGrade);
    }
    let course = access::teacher_of(&state, &caller, course_id).await?;
    let entry = course
        .roster
        .iter()
        .find(|e| e.student_id == student_id)
        .ok_or(Error::StudentNotEnrolled)?;
    let write = GradeWrite {
        student_id,
        student_name: entry.name.clone(),
        grade,
    };
    let rows = store::write_grades(&state.db, &course.info, &[write], &access::author_of(&caller)).await?;
    let row = rows.first().ok_or(Error::StudentNotEnrolled)?;
    tracing::info!(teacher = %caller.claims.sub, course = %course_id, student = %student_id, grade = %grade, "grade set");
    Ok(Json(row.to_record()))
}
