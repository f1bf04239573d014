use axum::extract::State;
use service_common::auth::{Caller, Teacher};
use service_common::extract::Json;
use shared_types::grades::GradeRecord;

use crate::error::Result;
use crate::state::AppState;
use crate::store;

/// `GET /grades/teaching` (teacher): every grade given in the caller's
/// courses, as recorded with each grade (no call to course-service).
pub async fn teaching_grades(
    State(state): State<AppState>,
    Teacher(Caller { claims, .. }): Teacher,
) -> Result<Json<Vec<GradeRecord>>> {
    let rows = store::grades_of_teacher(&state.db, claims.sub).await?;
    Ok(Json(rows.iter().map(|r| r.to_record()).collect()))
}
