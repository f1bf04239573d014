use std::collections::HashMap;

use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use service_common::auth::{Caller, Teacher};
use service_common::extract::{Json, Path};
use shared_types::grades::{GradeRecord, SetGradeRequest, StudentGrade, ROSTER_COMPLETE_HEADER};
use shared_types::Grade;
use uuid::Uuid;

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
pub async fn course_grades(
    State(state): State<AppState>,
    caller: Caller,
    Path(course_id): Path<Uuid>,
) -> Result<Response> {
    match access::reader_of(&state, &caller, course_id).await? {
        Reader::Confirmed { roster } => {
            let held = store::grades_of_course(&state.db, course_id, None).await?;
            let grades: HashMap<&str, Grade> = held.iter().map(|g| (g.student_id.as_str(), g.grade())).collect();
            let list: Vec<StudentGrade> = roster
                .iter()
                .map(|entry| StudentGrade {
                    student_id: entry.student_id,
                    student_name: entry.name.clone(),
                    grade: grades.get(entry.student_id.to_string().as_str()).copied(),
                })
                .collect();
            Ok(with_completeness(list, true))
        }
        Reader::Unconfirmed { detail, given_by } => {
            let held = store::grades_of_course(&state.db, course_id, given_by).await?;
            if held.is_empty() {
                return Err(Error::CoursesUnavailable(detail));
            }
            let list: Vec<StudentGrade> = held
                .iter()
                .map(|g| StudentGrade {
                    student_id: g.to_record().student_id,
                    student_name: g.student_name.clone(),
                    grade: Some(g.grade()),
                })
                .collect();
            Ok(with_completeness(list, false))
        }
    }
}

fn with_completeness(list: Vec<StudentGrade>, complete: bool) -> Response {
    let mut response = Json(list).into_response();
    response.headers_mut().insert(
        ROSTER_COMPLETE_HEADER,
        HeaderValue::from_static(if complete { "true" } else { "false" }),
    );
    response
}

/// `PUT /grades/courses/{course_id}/students/{student_id}` (that course's
/// teacher): sets one grade.
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
