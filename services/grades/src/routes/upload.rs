use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use service_common::auth::Teacher;
use service_common::extract::{Json, Path};
use shared_types::grades::UploadReport;
use uuid::Uuid;

use crate::access;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store;
use crate::upload::{check_rows, parse_csv, parse_json};

/// `POST /grades/courses/{course_id}` (that course's teacher): a JSON list
/// or a CSV of grades. All rows are checked first; if any is invalid,
/// nothing is written and the 422 answer reports each row.
pub async fn upload_grades(
    State(state): State<AppState>,
    Teacher(caller): Teacher,
    Path(course_id): Path<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<UploadReport>> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let rows = if content_type.starts_with("text/csv") {
        parse_csv(&body)?
    } else if content_type.starts_with("application/json") {
        parse_json(&body)?
    } else {
        return Err(Error::UnsupportedMediaType);
    };
    let course = access::teacher_of(&state, &caller, course_id).await?;
    let (writes, report) = check_rows(&rows, &course.roster)?;
    if writes.iter().any(|w| w.student_id == caller.claims.sub) {
        return Err(Error::OwnGrade);
    }
    store::write_grades(&state.db, &course.info, &writes, &access::author_of(&caller)).await?;
    tracing::info!(teacher = %caller.claims.sub, course = %course_id, rows = writes.len(), "grades uploaded");
    Ok(Json(report))
}
