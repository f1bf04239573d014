use axum::extract::State;
use service_common::auth::{Caller, Student};
use service_common::extract::Json;
use shared_types::grades::MyGrade;

use crate::error::Result;
use crate::state::AppState;
use crate::store;

/// `GET /grades/me` (student): served from this service's database alone,
/// so it keeps working while course-service is down.
pub async fn my_grades(
    State(state): State<AppState>,
    Student(Caller { claims, .. }): Student,
) -> Result<Json<Vec<MyGrade>>> {
    let rows = store::grades_of_student(&state.db, claims.sub).await?;
    Ok(Json(rows.iter().map(|r| r.to_my_grade()).collect()))
}
