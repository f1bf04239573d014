use axum::extract::State;
use axum::http::StatusCode;
use service_common::auth::{Admin, CurrentUser};
use service_common::extract::{Json, Path};
use shared_types::courses::{Course, CreateCourseRequest};
use uuid::Uuid;

use crate::domain::NewCourse;
use crate::error::Result;
use crate::state::AppState;
use crate::store;

/// `GET /courses`: the catalogue with live seat counts.
pub async fn list_courses(State(state): State<AppState>, _: CurrentUser) -> Result<Json<Vec<Course>>> {
    let rows = store::list_courses(&state.db).await?;
    Ok(Json(rows.iter().map(|r| r.to_course()).collect()))
}

/// `GET /courses/{id}`.
pub async fn get_course(State(state): State<AppState>, _: CurrentUser, Path(id): Path<Uuid>) -> Result<Json<Course>> {
    Ok(Json(store::find_course(&state.db, id).await?.to_course()))
}

/// `POST /courses` (admin).
pub async fn create_course(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Json(request): Json<CreateCourseRequest>,
) -> Result<(StatusCode, Json<Course>)> {
    let course = NewCourse::parse(&request)?;
    let row = store::insert_course(&state.db, course).await?;
    tracing::info!(admin = %admin.sub, course = %row.id, code = %row.code, "course created");
    Ok((StatusCode::CREATED, Json(row.to_course())))
}
