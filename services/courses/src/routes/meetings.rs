use axum::extract::State;
use service_common::auth::{Admin, Caller};
use service_common::extract::{Json, Path};
use service_common::openapi as api;
use shared_types::courses::{Course, Meeting};
use uuid::Uuid;

use crate::db::meeting_store;
use crate::domain::meetings::parse_week;
use crate::error::Result;
use crate::state::AppState;

#[utoipa::path(
    put,
    path = "/courses/{id}/meetings",
    operation_id = "setMeetings",
    summary = "Set when a course meets",
    description = "Admin only. The course's whole week, replacing the one it had: `[{\"day\": \"mon\", \"starts\": \"09:00\", \"ends\": \"10:15\", \"room\": \"B-201\"}]` (`[]` for none). Later enrollments are refused with 409 `schedule_conflict` when one of its meetings shares a minute with one of a course the student holds in the term; students already enrolled keep their seats.",
    params(("id" = uuid::Uuid, Path, description = "The course id. Not a UUID: 400 `invalid_path`.")),
    request_body = Vec<shared_types::courses::Meeting>,
    responses(
        (status = 200, description = "The course with its new week.", body = shared_types::courses::Course),
        (status = 400, description = "`malformed_json`, `invalid_body` (an unknown day or field) or `invalid_path`.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, response = api::CourseNotFound),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_meetings`: a time not HH:MM, a meeting that does not end after it starts, two of the course's own meetings overlapping, or more than 14; `invalid_field`: a room over 40 characters.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn set_meetings(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Path(id): Path<Uuid>,
    Json(week): Json<Vec<Meeting>>,
) -> Result<Json<Course>> {
    let week = parse_week(&week)?;
    let count = week.len();
    let row = meeting_store::set_week(&state.db, id, week).await?;
    state.catalogue.invalidate();
    tracing::info!(admin = %admin.sub, course = %id, meetings = count, "course meetings set");
    Ok(Json(meeting_store::course_with_meetings(&state.db, &row).await?))
}
