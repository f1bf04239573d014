use axum::extract::State;
use axum::http::StatusCode;
use service_common::auth::Student;
use service_common::extract::{Json, Path};
use shared_types::courses::{Enrollment, MyEnrollment};
use uuid::Uuid;

use crate::domain::EnrollingStudent;
use crate::error::Result;
use crate::models::uuid_of;
use crate::state::AppState;
use crate::store;

/// `POST /courses/{id}/enrollment` (student): takes a seat.
pub async fn enroll(
    State(state): State<AppState>,
    Student(claims): Student,
    Path(course_id): Path<Uuid>,
) -> Result<(StatusCode, Json<Enrollment>)> {
    let student = EnrollingStudent {
        id: claims.sub,
        name: claims.name,
        email: claims.email,
    };
    let row = store::enroll(&state.db, course_id, student).await?;
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
    Student(claims): Student,
    Path(course_id): Path<Uuid>,
) -> Result<StatusCode> {
    store::drop_enrollment(&state.db, course_id, claims.sub).await?;
    state.catalogue.invalidate();
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /enrollments/me` (student): the student's courses.
pub async fn my_enrollments(
    State(state): State<AppState>,
    Student(claims): Student,
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
