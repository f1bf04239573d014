use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use service_common::auth::{Admin, Caller, Student};
use service_common::extract::{Json, Path};
use service_common::openapi as api;
use shared_types::terms::{
    CreateTermRequest, CreditLimitRequest, StudentCredits, Term, TimeTicketsRequest, TimeTicketsSet, UpdateTermRequest,
};
use shared_types::values::bounded_text;
use shared_types::CreditLimit;
use uuid::Uuid;

use crate::db::models::TermRow;
use crate::db::term_store;
use crate::domain::terms::{self, NewTerm};
use crate::error::{Error, Result};
use crate::state::AppState;

/// Each term as the wire shows it, the current one marked.
fn marked(all: &[TermRow]) -> Vec<Term> {
    let current = terms::current(all, Utc::now().date_naive(), TermRow::span).map(|t| t.id);
    all.iter().map(|t| t.to_term(Some(t.id) == current)).collect()
}

async fn one_marked(state: &AppState, row: &TermRow) -> Result<Term> {
    let current = term_store::current_term(&state.db).await?;
    Ok(row.to_term(current.id == row.id))
}

#[utoipa::path(
    get,
    path = "/terms",
    operation_id = "listTerms",
    summary = "The terms",
    description = "Any valid token. Every term by start date; `current` marks the one `GET /courses` shows: of the terms under way, the one that started last; else the next to start.",
    responses(
        (status = 200, description = "The terms.", body = Vec<shared_types::terms::Term>),
        (status = 401, response = api::Unauthorized),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn list_terms(State(state): State<AppState>, _: Caller) -> Result<Json<Vec<Term>>> {
    Ok(Json(marked(&term_store::list_terms(&state.db).await?)))
}

#[utoipa::path(
    post,
    path = "/terms",
    operation_id = "createTerm",
    summary = "Create a term",
    description = "Admin only. Courses are then created in it with `term_id`. Enrolling in and dropping its courses is open from `registration_opens_at` until `add_drop_closes_at`; outside it, 409 `registration_closed`.",
    request_body = shared_types::terms::CreateTermRequest,
    responses(
        (status = 201, description = "The term was created.", body = shared_types::terms::Term),
        (status = 400, response = api::BadJson),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 409, description = "`code_taken`: a term with this code exists.", body = shared_types::ErrorBody),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_code`, `invalid_field` (title), `invalid_max_credits` or `invalid_term_dates` (a term ending before it starts, or add/drop closing before registration opens).", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn create_term(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Json(request): Json<CreateTermRequest>,
) -> Result<(StatusCode, Json<Term>)> {
    let term = NewTerm::parse(&request)?;
    let row = term_store::insert_term(&state.db, term).await?;
    // A term that has started may be the current one now.
    state.catalogue.invalidate();
    tracing::info!(admin = %admin.sub, term = %row.id, code = %row.code, "term created");
    Ok((StatusCode::CREATED, Json(one_marked(&state, &row).await?)))
}

#[utoipa::path(
    patch,
    path = "/terms/{id}",
    operation_id = "updateTerm",
    summary = "Change a term",
    description = "Admin only. Only the fields sent change; the dates are checked together with the ones kept. A new `max_credits` holds later enrollments to it; credits already held are kept.",
    params(("id" = uuid::Uuid, Path, description = "The term id. Not a UUID: 400 `invalid_path`.")),
    request_body = shared_types::terms::UpdateTermRequest,
    responses(
        (status = 200, description = "The term as changed.", body = shared_types::terms::Term),
        (status = 400, description = "`malformed_json`, `invalid_body` (an unknown field) or `invalid_path`.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, description = "`term_not_found`.", body = shared_types::ErrorBody),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_field` (title), `invalid_max_credits` or `invalid_term_dates`.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn update_term(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Path(id): Path<Uuid>,
    Json(request): Json<UpdateTermRequest>,
) -> Result<Json<Term>> {
    let row = term_store::update_term(&state.db, id, request).await?;
    state.catalogue.invalidate();
    tracing::info!(admin = %admin.sub, term = %row.id, "term changed");
    Ok(Json(one_marked(&state, &row).await?))
}

#[utoipa::path(
    get,
    path = "/terms/{id}/credits/me",
    operation_id = "myCredits",
    summary = "The student's credits in a term",
    description = "Students only. The credits of the courses the caller holds in the term, and the limit that applies to them (their own, if an admin set one).",
    params(("id" = uuid::Uuid, Path, description = "The term id. Not a UUID: 400 `invalid_path`.")),
    responses(
        (status = 200, description = "The caller's credits.", body = shared_types::terms::StudentCredits),
        (status = 400, response = api::InvalidPath),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, description = "`term_not_found`.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn my_credits(
    State(state): State<AppState>,
    Student(Caller { claims, .. }): Student,
    Path(id): Path<Uuid>,
) -> Result<Json<StudentCredits>> {
    let term = term_store::find_term(&state.db, id).await?;
    Ok(Json(term_store::student_credits(&state.db, &term, claims.sub).await?))
}

#[utoipa::path(
    get,
    path = "/terms/{id}/students/{student_id}/credit-limit",
    operation_id = "studentCredits",
    summary = "A student's credits and limit in a term",
    description = "Admin only.",
    params(
        ("id" = uuid::Uuid, Path, description = "The term id."),
        ("student_id" = uuid::Uuid, Path, description = "The student's user id."),
    ),
    responses(
        (status = 200, description = "The student's credits.", body = shared_types::terms::StudentCredits),
        (status = 400, response = api::InvalidPath),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, description = "`term_not_found`.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn student_credits(
    State(state): State<AppState>,
    _: Admin,
    Path((id, student)): Path<(Uuid, Uuid)>,
) -> Result<Json<StudentCredits>> {
    let term = term_store::find_term(&state.db, id).await?;
    Ok(Json(term_store::student_credits(&state.db, &term, student).await?))
}

#[utoipa::path(
    put,
    path = "/terms/{id}/students/{student_id}/credit-limit",
    operation_id = "setCreditLimit",
    summary = "Set one student's credit limit in a term",
    description = "Admin only. `{\"max_credits\": 24, \"reason\": \"honours programme\"}` gives the student their own limit, kept with its reason; `{\"max_credits\": null}` takes it away. Credits already held are kept even above a lowered limit; later enrollments are held to it.",
    params(
        ("id" = uuid::Uuid, Path, description = "The term id."),
        ("student_id" = uuid::Uuid, Path, description = "The student's user id."),
    ),
    request_body = shared_types::terms::CreditLimitRequest,
    responses(
        (status = 200, description = "The student's credits and the limit now.", body = shared_types::terms::StudentCredits),
        (status = 400, response = api::BadJson),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, description = "`term_not_found`.", body = shared_types::ErrorBody),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_max_credits`, or `invalid_field`: a limit without a reason.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn set_credit_limit(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Path((id, student)): Path<(Uuid, Uuid)>,
    Json(request): Json<CreditLimitRequest>,
) -> Result<Json<StudentCredits>> {
    let limit = match request.max_credits {
        None => None,
        Some(max) => {
            let limit = CreditLimit::new(max)?;
            let reason = bounded_text("reason", &request.reason, 500, false).map_err(|_| Error::ReasonRequired)?;
            Some((limit, reason))
        }
    };
    let term = term_store::find_term(&state.db, id).await?;
    let credits = term_store::set_credit_limit(&state.db, &term, student, limit).await?;
    tracing::info!(
        admin = %admin.sub,
        term = %term.code,
        %student,
        max_credits = credits.max_credits,
        reason = credits.override_reason.as_deref().unwrap_or("-"),
        "credit limit set"
    );
    Ok(Json(credits))
}

/// `PUT /terms/{id}/time-tickets` (admin): when each student may start
/// registering.
#[utoipa::path(
    put,
    path = "/terms/{id}/time-tickets",
    operation_id = "setTimeTickets",
    summary = "Set students' time tickets for a term",
    description = "Admin only. `{\"tickets\": [{\"student_id\": \"…\", \"opens_at\": \"2027-01-10T08:00:00Z\"}]}`: each student may enroll in the term's courses (and join their waitlists) from their ticket on, in place of the term's opening (later, to spread a rush; earlier, for priority registration), until the term's add/drop deadline; before it, 409 `registration_closed` with `Retry-After`. `opens_at: null` gives a student the term's opening again. Up to 2,000 tickets at once (send a longer list in parts), each student once, all set or none. A student sees their own at `GET /terms/{id}/credits/me`.",
    params(("id" = uuid::Uuid, Path, description = "The term id.")),
    request_body = shared_types::terms::TimeTicketsRequest,
    responses(
        (status = 200, description = "How many tickets were set.", body = shared_types::terms::TimeTicketsSet),
        (status = 400, response = api::BadJson),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, description = "`term_not_found`.", body = shared_types::ErrorBody),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_time_ticket`: one opens at or after the add/drop deadline, a student appears twice, or more than 2,000.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn set_time_tickets(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Path(id): Path<Uuid>,
    Json(request): Json<TimeTicketsRequest>,
) -> Result<Json<TimeTicketsSet>> {
    let term = term_store::find_term(&state.db, id).await?;
    let set = term_store::set_time_tickets(&state.db, &term, request.tickets).await?;
    tracing::info!(admin = %admin.sub, term = %term.code, set, "time tickets set");
    Ok(Json(TimeTicketsSet { set }))
}
