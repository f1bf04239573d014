//! A course's sections, and an admin's enrollment of a student into one
//! past the rules.

use axum::extract::State;
use axum::http::StatusCode;
use service_common::auth::{Admin, Caller};
use service_common::extract::{Json, Path};
use service_common::openapi as api;
use shared_types::audit::AuditAction;
use shared_types::courses::{Course, CreateSectionRequest, OverrideEnrollmentRequest, RosterEntry};
use uuid::Uuid;

use crate::db::audit_store::Attempt;
use crate::db::store;
use crate::domain::{NewSection, Override};
use crate::error::Result;
use crate::state::AppState;

/// `POST /courses/{id}/sections` (admin): another section of the course.
#[utoipa::path(
    post,
    path = "/courses/{id}/sections",
    operation_id = "createSection",
    summary = "Add a section to a course",
    description = "Admin only. `{\"section\": \"02\", \"capacity\": 30, \"teacher_id\": \"…\", \"teacher_name\": \"…\"}`. The new section is a course of the catalogue with its own id, seats, teacher, roster, waitlist and (with `PUT /courses/{id}/meetings`) meetings; it shares the code, title, description, credits and term of the course `id` names, which any of its sections may. A student holds at most one section of a course (409 `already_enrolled` naming the one they hold).",
    params(("id" = uuid::Uuid, Path, description = "Any section of the course. Not a UUID: 400 `invalid_path`.")),
    request_body = shared_types::courses::CreateSectionRequest,
    responses(
        (status = 201, description = "The new section.", body = shared_types::courses::Course),
        (status = 400, response = api::BadJson),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, response = api::CourseNotFound),
        (status = 409, description = "`code_taken`: the course has this section already.", body = shared_types::ErrorBody),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_section`, `invalid_capacity` or `invalid_field` (teacher_name).", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn create_section(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Path(id): Path<Uuid>,
    Json(request): Json<CreateSectionRequest>,
) -> Result<(StatusCode, Json<Course>)> {
    let section = NewSection::parse(&request)?;
    let row = store::insert_section(&state.db, id, section).await?;
    state.catalogue.invalidate();
    tracing::info!(admin = %admin.sub, course = %row.id, code = %row.code, section = %row.section, "section created");
    Ok((StatusCode::CREATED, Json(row.to_course())))
}

/// `POST /courses/{id}/enrollments` (admin): enrolls a student past
/// capacity, a schedule conflict, the credit limit or the window.
#[utoipa::path(
    post,
    path = "/courses/{id}/enrollments",
    operation_id = "enrollByOverride",
    summary = "Enroll a student past the rules",
    description = "Admin only. `{\"student_id\": \"…\", \"student_name\": \"…\", \"student_email\": \"…\", \"reason\": \"…\"}` enrolls the student even when the section is full (its count then stands above its capacity, and no one else takes a seat until it is below again), clashes with one they hold, takes them past their credit limit (the credits still count), lacks a prerequisite or corequisite, has a hold, or the term's window is closed. The reason is required, kept on the roster entry and logged. Never into an archived course (409 `course_archived`), the teacher's own (403 `own_course`), or a second section of a course (409 `already_enrolled`). A student waiting for the section leaves its waitlist.",
    params(("id" = uuid::Uuid, Path, description = "The section. Not a UUID: 400 `invalid_path`.")),
    request_body = shared_types::courses::OverrideEnrollmentRequest,
    responses(
        (status = 201, description = "Enrolled: the roster entry, with its reason.", body = shared_types::courses::RosterEntry),
        (status = 400, response = api::BadJson),
        (status = 401, response = api::Unauthorized),
        (status = 403, description = "`forbidden` (not an admin) or `own_course` (the student teaches this section).", body = shared_types::ErrorBody),
        (status = 404, response = api::CourseNotFound),
        (status = 409, description = "`already_enrolled` (in this section, or another of the course) or `course_archived`.", body = shared_types::ErrorBody),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_email`, or `invalid_field`: no reason, or a student name that is empty or not one line.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn enroll_by_override(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Path(id): Path<Uuid>,
    Json(request): Json<OverrideEnrollmentRequest>,
) -> Result<(StatusCode, Json<RosterEntry>)> {
    let by = Override::parse(&request)?;
    let attempt = Attempt {
        actor: Some(admin.sub),
        student: by.student.id,
        student_name: by.student.name.clone(),
        course: Some(id),
        action: AuditAction::Override,
    };
    let row = match store::enroll_by_override(&state.db, id, by, attempt.clone()).await {
        Ok(row) => row,
        Err(error) => return Err(state.audit.refused(attempt, error)),
    };
    state.catalogue.invalidate();
    tracing::info!(
        admin = %admin.sub,
        course = %id,
        student = %row.student_id,
        reason = row.override_reason.as_deref().unwrap_or("-"),
        "enrolled by override"
    );
    Ok((StatusCode::CREATED, Json(row.to_roster_entry())))
}
