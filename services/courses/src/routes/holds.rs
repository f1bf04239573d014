//! Holds on a student's registration: an admin places one with a reason and
//! lifts it; the student reads theirs before trying.

use axum::extract::State;
use axum::http::StatusCode;
use service_common::auth::{Admin, Caller, Student};
use service_common::extract::{Json, Path};
use service_common::openapi as api;
use shared_types::audit::AuditAction;
use shared_types::holds::{Hold, PlaceHoldRequest};
use uuid::Uuid;

use crate::db::hold_store;
use crate::db::models::HoldRow;
use crate::domain::HoldReason;
use crate::error::Result;
use crate::state::AppState;

fn to_holds(rows: &[HoldRow]) -> Vec<Hold> {
    rows.iter().map(HoldRow::to_hold).collect()
}

#[utoipa::path(
    get,
    path = "/holds/me",
    operation_id = "myHolds",
    summary = "The holds on the student's registration",
    description = "Students only. The active holds, oldest first: while any is there, enrolling and joining a waitlist are refused 409 `registration_hold` (dropping still works), and a waitlist passes the student over until it is lifted.",
    responses(
        (status = 200, description = "The caller's active holds (empty: none).", body = Vec<shared_types::holds::Hold>),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn my_holds(
    State(state): State<AppState>,
    Student(Caller { claims, .. }): Student,
) -> Result<Json<Vec<Hold>>> {
    let rows = hold_store::holds_of(&state.db, claims.sub, false).await?;
    Ok(Json(to_holds(&rows)))
}

#[utoipa::path(
    get,
    path = "/students/{id}/holds",
    operation_id = "studentHolds",
    summary = "A student's holds, lifted ones included",
    description = "Admin only. Active holds first, then lifted ones (with who lifted them and when), each group oldest first.",
    params(("id" = uuid::Uuid, Path, description = "The student's user id. Not a UUID: 400 `invalid_path`.")),
    responses(
        (status = 200, description = "The student's holds.", body = Vec<shared_types::holds::Hold>),
        (status = 400, response = api::InvalidPath),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn student_holds(
    State(state): State<AppState>,
    _: Admin,
    Path(student): Path<Uuid>,
) -> Result<Json<Vec<Hold>>> {
    let rows = hold_store::holds_of(&state.db, student, true).await?;
    Ok(Json(to_holds(&rows)))
}

#[utoipa::path(
    post,
    path = "/students/{id}/holds",
    operation_id = "placeHold",
    summary = "Place a hold on a student's registration",
    description = "Admin only. `{\"reason\": \"Unpaid fees: see the bursar's office\"}`. From now on the student's enrollments and waitlist joins are refused 409 `registration_hold` with the reason, and waitlists pass them over; dropping still works, and an admin's override still enrolls them. A student may have several holds; each is lifted on its own.",
    params(("id" = uuid::Uuid, Path, description = "The student's user id. Not a UUID: 400 `invalid_path`.")),
    request_body = shared_types::holds::PlaceHoldRequest,
    responses(
        (status = 201, description = "The hold, active.", body = shared_types::holds::Hold),
        (status = 400, response = api::BadJson),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_field`: the reason is empty, longer than 500 characters, more than one line, or holds control characters.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn place_hold(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Path(student): Path<Uuid>,
    Json(request): Json<PlaceHoldRequest>,
) -> Result<(StatusCode, Json<Hold>)> {
    let reason = HoldReason::parse(&request.reason)?;
    let row = hold_store::place_hold(&state.db, student, reason, admin.sub).await?;
    tracing::info!(admin = %admin.sub, %student, hold = %row.id, reason = %row.reason, "hold placed");
    Ok((StatusCode::CREATED, Json(row.to_hold())))
}

#[utoipa::path(
    delete,
    path = "/students/{id}/holds/{hold_id}",
    operation_id = "liftHold",
    summary = "Lift a hold",
    description = "Admin only. The hold stays on record, lifted (by whom, when). In the same request the student is offered the free seats of the waitlists they are on, in list order, as any change that makes a student fit does.",
    params(
        ("id" = uuid::Uuid, Path, description = "The student's user id."),
        ("hold_id" = uuid::Uuid, Path, description = "The hold's id."),
    ),
    responses(
        (status = 200, description = "The hold, lifted.", body = shared_types::holds::Hold),
        (status = 400, response = api::InvalidPath),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, description = "`hold_not_found`: the student has no active hold with this id (never placed, or lifted already).", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn lift_hold(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Path((student, hold)): Path<(Uuid, Uuid)>,
) -> Result<Json<Hold>> {
    let row = match hold_store::lift_hold(&state.db, student, hold, admin.sub).await {
        Ok(row) => row,
        Err(error) => {
            let attempt = hold_store::attempt(admin.sub, student, AuditAction::HoldLifted);
            return Err(state.audit.refused(attempt, error));
        }
    };
    tracing::info!(admin = %admin.sub, %student, %hold, "hold lifted");
    state.catalogue.invalidate();
    Ok(Json(row.to_hold()))
}
