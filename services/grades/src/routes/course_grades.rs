use std::collections::HashMap;

use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use service_common::auth::{BearerToken, CurrentUser, Teacher};
use service_common::extract::{Json, Path};
use shared_types::grades::{GradeRecord, SetGradeRequest, StudentGrade, ROSTER_COMPLETE_HEADER};
use shared_types::{Grade, Role};
use uuid::Uuid;

use super::access::{author_of, roster_for_reader, taught_course};
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
    CurrentUser(claims): CurrentUser,
    BearerToken(token): BearerToken,
    Path(course_id): Path<Uuid>,
) -> Result<Response> {
    let is_admin = claims.has_role(Role::Admin);
    if !(claims.has_role(Role::Teacher) || is_admin) {
        return Err(Error::NotTheTeacher);
    }
    match roster_for_reader(&state, &claims, &token, course_id).await {
        Ok(roster) => {
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
        Err(Error::CoursesUnavailable(detail)) => {
            let teacher_filter = (!is_admin).then_some(claims.sub);
            let held = store::grades_of_course(&state.db, course_id, teacher_filter).await?;
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
        Err(other) => Err(other),
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
    Teacher(claims): Teacher,
    BearerToken(token): BearerToken,
    Path((course_id, student_id)): Path<(Uuid, Uuid)>,
    Json(request): Json<SetGradeRequest>,
) -> Result<Json<GradeRecord>> {
    // The value is checked first: a bad grade is a 422 whatever the state of
    // course-service.
    let grade = Grade::from_json(&request.grade)?;
    // Course-service keeps a teacher off their own roster; this holds even
    // for an enrollment older than that rule.
    if student_id == claims.sub {
        return Err(Error::OwnGrade);
    }
    let course = taught_course(&state, &claims, &token, course_id).await?;
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
    let rows = store::write_grades(&state.db, &course.info, &[write], &author_of(&claims)).await?;
    let row = rows.first().ok_or(Error::StudentNotEnrolled)?;
    tracing::info!(teacher = %claims.sub, course = %course_id, student = %student_id, grade = %grade, "grade set");
    Ok(Json(row.to_record()))
}
