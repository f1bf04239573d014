use axum::extract::State;
use service_common::auth::{Caller, Teacher};
use service_common::extract::{Json, Path};
use shared_types::courses::{Course, RosterEntry};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::models::uuid_of;
use crate::state::AppState;
use crate::store;

/// `GET /teaching` (teacher): the courses the caller teaches.
pub async fn teaching(
    State(state): State<AppState>,
    Teacher(Caller { claims, .. }): Teacher,
) -> Result<Json<Vec<Course>>> {
    let rows = store::courses_taught_by(&state.db, claims.sub).await?;
    Ok(Json(rows.iter().map(|r| r.to_course()).collect()))
}

/// `GET /courses/{id}/roster`: only that course's teacher or an admin.
pub async fn roster(
    State(state): State<AppState>,
    Caller { claims, .. }: Caller,
    Path(course_id): Path<Uuid>,
) -> Result<Json<Vec<RosterEntry>>> {
    let course = store::find_course(&state.db, course_id).await?;
    if !claims.is_teacher_or_admin_of(uuid_of(&course.teacher_id)) {
        return Err(Error::NotTheTeacher);
    }
    let rows = store::roster(&state.db, course_id).await?;
    Ok(Json(rows.iter().map(|r| r.to_roster_entry()).collect()))
}
