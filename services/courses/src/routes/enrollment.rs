use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use service_common::auth::{Caller, Student};
use service_common::extract::{Json, Path};
use shared_types::courses::{Enrollment, MyEnrollment};
use uuid::Uuid;

use crate::domain::EnrollingStudent;
use crate::error::{Error, Result};
use crate::models::uuid_of;
use crate::state::AppState;
use crate::store;

/// `POST /courses/{id}/enrollment` (student): takes a seat. A course this
/// replica has just seen full is refused without asking the database
/// (see `full_courses`).
pub async fn enroll(
    State(state): State<AppState>,
    Student(Caller { claims, .. }): Student,
    Path(course_id): Path<Uuid>,
) -> Result<(StatusCode, Json<Enrollment>)> {
    let student = EnrollingStudent {
        id: claims.sub,
        name: claims.name,
        email: claims.email,
    };
    if state.full_courses.is_full(course_id) {
        return Err(Error::CourseFull);
    }
    let asked_at = Instant::now();
    let row = match store::enroll(&state.db, course_id, student).await {
        Ok(row) => row,
        Err(Error::CourseFull) => {
            state.full_courses.found_full(course_id, asked_at);
            return Err(Error::CourseFull);
        }
        Err(other) => return Err(other),
    };
    state.catalogue.invalidate();
    Ok((
        StatusCode::CREATED,
        Json(Enrollment {
            course_id,
            student_id: uuid_of(&row.student_id),
            enrolled_at: row.enrolled_at.and_utc(),
        }),
    ))
}

/// `DELETE /courses/{id}/enrollment` (student): gives the seat back.
pub async fn drop_course(
    State(state): State<AppState>,
    Student(Caller { claims, .. }): Student,
    Path(course_id): Path<Uuid>,
) -> Result<StatusCode> {
    let dropped = store::drop_enrollment(&state.db, course_id, claims.sub).await;
    // Even after an error: a drop cut off by its deadline may have
    // committed, and clearing the hint only means asking the database.
    state.full_courses.seat_freed(course_id);
    dropped?;
    state.catalogue.invalidate();
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /enrollments/me` (student): the student's courses.
pub async fn my_enrollments(
    State(state): State<AppState>,
    Student(Caller { claims, .. }): Student,
) -> Result<Json<Vec<MyEnrollment>>> {
    let rows = store::enrollments_of(&state.db, claims.sub).await?;
    Ok(Json(
        rows.iter()
            .map(|(course, enrollment)| MyEnrollment {
                course: course.to_course(),
                enrolled_at: enrollment.enrolled_at.and_utc(),
            })
            .collect(),
    ))
}
