use axum::extract::State;
use axum::http::StatusCode;
use service_common::auth::{Caller, Student};
use service_common::extract::{Json, Path};
use service_common::openapi as api;
use shared_types::courses::{MyWaitlistEntry, WaitlistAnswer};
use uuid::Uuid;

use shared_types::audit::AuditAction;

use crate::db::audit_store::Attempt;
use crate::db::meeting_store;
use crate::db::store::{self, Joined};
use crate::domain::EnrollingStudent;
use crate::error::Result;
use crate::state::AppState;

#[utoipa::path(
    post,
    path = "/courses/{id}/waitlist",
    operation_id = "joinWaitlist",
    summary = "Enroll, or wait for a seat",
    description = "Students only; no body. A free seat is taken at once (`{\"status\": \"enrolled\"}`, with every rule of enrolling); in a full course the caller joins its waitlist (`{\"status\": \"waitlisted\", \"position\": 3}`, 1 is next). When a seat frees (a drop, a raised capacity) the first student on the list who still fits (credit limit, schedule) is enrolled in that same transaction. A join racing a drop is either enrolled or waiting, never lost. Waitlists close with add/drop (409 `registration_closed`).",
    params(("id" = uuid::Uuid, Path, description = "The course id. Not a UUID: 400 `invalid_path`.")),
    responses(
        (status = 201, description = "Enrolled, or on the waitlist at `position`.", body = shared_types::courses::WaitlistAnswer),
        (status = 400, response = api::InvalidPath),
        (status = 401, response = api::Unauthorized),
        (status = 403, description = "`forbidden` (not a student) or `own_course`.", body = shared_types::ErrorBody),
        (status = 404, response = api::CourseNotFound),
        (status = 409, description = "`already_waitlisted`, `already_enrolled`, `course_archived`, `credit_limit`, `schedule_conflict` (a free seat the caller does not fit), `registration_hold` (a hold on the caller's record: no seat and no place on the list), `prerequisite_missing` or `corequisite_missing` (likewise, naming the course required), `registration_closed`, or `course_full` when seats kept changing hands between its attempts.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn join_waitlist(
    State(state): State<AppState>,
    Student(Caller { claims, .. }): Student,
    Path(course_id): Path<Uuid>,
) -> Result<(StatusCode, Json<WaitlistAnswer>)> {
    let student = EnrollingStudent {
        id: claims.sub,
        name: claims.name,
        email: claims.email,
    };
    let attempt = Attempt::by_student(&student, course_id, AuditAction::Join);
    let answer = match store::join_waitlist(&state.db, course_id, student).await {
        Ok(Joined::Enrolled) => WaitlistAnswer::Enrolled,
        Ok(Joined::Waiting { position }) => WaitlistAnswer::Waitlisted { position },
        Err(error) => return Err(state.audit.refused(attempt, state.completions.judge(error))),
    };
    state.catalogue.invalidate();
    Ok((StatusCode::CREATED, Json(answer)))
}

#[utoipa::path(
    delete,
    path = "/courses/{id}/waitlist",
    operation_id = "leaveWaitlist",
    summary = "Leave a waitlist",
    description = "Students only.",
    params(("id" = uuid::Uuid, Path, description = "The course id. Not a UUID: 400 `invalid_path`.")),
    responses(
        (status = 204, description = "Off the list."),
        (status = 400, response = api::InvalidPath),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, description = "`not_waitlisted`.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn leave_waitlist(
    State(state): State<AppState>,
    Student(Caller { claims, .. }): Student,
    Path(course_id): Path<Uuid>,
) -> Result<StatusCode> {
    let student = EnrollingStudent {
        id: claims.sub,
        name: claims.name,
        email: claims.email,
    };
    let attempt = Attempt::by_student(&student, course_id, AuditAction::Leave);
    if let Err(error) = store::leave_waitlist(&state.db, course_id, student).await {
        return Err(state.audit.refused(attempt, error));
    }
    state.catalogue.invalidate();
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/waitlists/me",
    operation_id = "myWaitlists",
    summary = "The student's waitlists",
    description = "Students only. The courses the caller waits for, each with their place on its list (1 is next).",
    responses(
        (status = 200, description = "The caller's waitlists.", body = Vec<shared_types::courses::MyWaitlistEntry>),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn my_waitlists(
    State(state): State<AppState>,
    Student(Caller { claims, .. }): Student,
) -> Result<Json<Vec<MyWaitlistEntry>>> {
    let rows = store::waitlists_of(&state.db, claims.sub).await?;
    let weeks = meeting_store::weeks_of(&state.db, rows.iter().map(|(c, _, _)| c.id.to_string()).collect()).await?;
    Ok(Json(
        rows.iter()
            .map(|(course, entry, position)| MyWaitlistEntry {
                course: course.to_course_with(weeks.get(&course.id).map_or(&[], Vec::as_slice)),
                position: *position,
                joined_at: entry.joined_at.and_utc(),
            })
            .collect(),
    ))
}
