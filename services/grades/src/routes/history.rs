use axum::extract::State;
use serde::Deserialize;
use service_common::auth::Caller;
use service_common::extract::{Json, Path, Query};
use shared_types::grades::GradeChange;
use uuid::Uuid;

use crate::access;
use crate::error::Result;
use crate::state::AppState;
use crate::store;

#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    student_id: Option<Uuid>,
}

/// `GET /grades/courses/{course_id}/history[?student_id=]` (that course's
/// teacher, admin): every change, oldest first.
///
/// The teacher is confirmed with course-service; while it is down, a
/// teacher recorded with the course's grades is let through (the same rule
/// as the fail-closed grade list).
pub async fn course_history(
    State(state): State<AppState>,
    caller: Caller,
    Path(course_id): Path<Uuid>,
    Query(query): Query<HistoryQuery>,
) -> Result<Json<Vec<GradeChange>>> {
    access::history_reader(&state, &caller, course_id).await?;
    let rows = store::history(&state.db, course_id, query.student_id).await?;
    Ok(Json(rows.iter().map(|r| r.to_change()).collect()))
}
