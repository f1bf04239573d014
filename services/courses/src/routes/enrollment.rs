use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use service_common::auth::{Caller, Student};
use service_common::extract::{Json, Path};
use service_common::openapi as api;
use shared_types::courses::{Enrollment, MyEnrollment};
use uuid::Uuid;

use shared_types::audit::AuditAction;

use crate::db::audit_store::Attempt;
use crate::db::{meeting_store, store};
use crate::domain::EnrollingStudent;
use crate::error::{Error, Result};
use crate::state::AppState;

/// `POST /courses/{id}/enrollment` (student): takes a seat. A course this
/// replica has just seen full is refused without asking the database
/// (see `full_courses`).
#[utoipa::path(
    post,
    path = "/courses/{id}/enrollment",
    operation_id = "enroll",
    summary = "Enroll in a course",
    description = "Students only; no body. Takes a seat: N parallel enrollments into a course with k free seats give exactly k 201s. The course's credits count toward the caller's limit for its term, exactly under any concurrency: a student's enrollments in a term are serialised on their credits. Open only within the term's registration window. The student's name and email are copied from the token.",
    params(("id" = uuid::Uuid, Path, description = "The course id. Not a UUID: 400 `invalid_path`.")),
    responses(
        (status = 201, description = "Enrolled.", body = shared_types::courses::Enrollment),
        (status = 400, response = api::InvalidPath),
        (status = 401, response = api::Unauthorized),
        (status = 403, description = "`forbidden` (not a student) or `own_course` (the caller teaches this course).", body = shared_types::ErrorBody),
        (status = 404, response = api::CourseNotFound),
        (status = 409, description = "`already_enrolled` (in this section, or in another section of the course, which the message names), `course_full`, `course_archived`, `credit_limit` (the course's credits would take the caller past their limit for the term; the message says how many they hold), `schedule_conflict` (one of its meetings shares a minute with one of a course the caller holds in the term, which the message names; back to back is no clash), `registration_hold` (a hold on the caller's record, whose reason the message gives; see `GET /holds/me`), `prerequisite_missing` or `corequisite_missing` (the course required is named; see `GET /courses/{id}/requisites`) or `registration_closed` (outside the term's window: before it opens, with `Retry-After` in seconds until it does; after the add/drop deadline, without).", body = shared_types::ErrorBody, headers(("retry-after" = u64, description = "Before registration opens: the seconds until it does."))),
        (status = 503, description = "`database_unavailable`, `busy` or `timeout`; or `grades_unavailable`: the course has requisites and the grades they are checked against have not reached course-service since it started following grade-service (never a refusal made from absent data).", body = shared_types::ErrorBody),
    )
)]
pub async fn enroll(
    State(state): State<AppState>,
    Student(Caller { claims, .. }): Student,
    Path(course_id): Path<Uuid>,
) -> Result<(StatusCode, Json<Enrollment>)> {
    let student = EnrollingStudent {
        id: claims.sub,
        name: claims.name,
        email: claims.email,
    };
    let attempt = Attempt::by_student(&student, course_id, AuditAction::Enroll);
    if state.full_courses.is_full(course_id) {
        count_attempt("course_full_known");
        return Err(state.audit.refused(attempt, Error::CourseFull));
    }
    let asked_at = Instant::now();
    // A refusal on requisites made before the completions are known is
    // answered (and counted) as the 503 it becomes.
    let taken = store::enroll(&state.db, course_id, student)
        .await
        .map_err(|e| state.completions.judge(e));
    count_attempt(match &taken {
        Ok(_) => "enrolled",
        Err(Error::CourseFull) => "course_full",
        Err(Error::AlreadyEnrolled | Error::OtherSectionHeld { .. }) => "already_enrolled",
        Err(Error::OwnCourse) => "own_course",
        Err(Error::CourseNotFound) => "course_not_found",
        Err(Error::CourseArchived) => "course_archived",
        Err(Error::CreditLimit { .. }) => "credit_limit",
        Err(Error::RegistrationClosed { .. }) => "registration_closed",
        Err(Error::ScheduleConflict { .. }) => "schedule_conflict",
        Err(Error::RegistrationHold { .. }) => "registration_hold",
        Err(Error::PrerequisiteMissing { .. }) => "prerequisite_missing",
        Err(Error::CorequisiteMissing { .. }) => "corequisite_missing",
        Err(_) => "error",
    });
    let row = match taken {
        Ok(row) => row,
        Err(Error::CourseFull) => {
            state.full_courses.found_full(course_id, asked_at);
            return Err(state.audit.refused(attempt, Error::CourseFull));
        }
        Err(other) => return Err(state.audit.refused(attempt, other)),
    };
    state.catalogue.invalidate();
    Ok((
        StatusCode::CREATED,
        Json(Enrollment {
            course_id,
            student_id: row.student_id,
            enrolled_at: row.enrolled_at.and_utc(),
        }),
    ))
}

/// `enrollment_attempts_total` by outcome: `course_full_known` is a
/// refusal this replica gave from memory (see `full_courses`).
fn count_attempt(outcome: &'static str) {
    metrics::counter!("enrollment_attempts_total", "outcome" => outcome).increment(1);
}

/// `DELETE /courses/{id}/enrollment` (student): gives the seat back.
#[utoipa::path(
    delete,
    path = "/courses/{id}/enrollment",
    operation_id = "dropCourse",
    summary = "Drop a course",
    description = "Students only. Gives the seat back, and the credits it counted. In the same transaction the seat goes to the first student on the course's waitlist who still fits (credits, schedule). Open only within the term's registration window.",
    params(("id" = uuid::Uuid, Path, description = "The course id. Not a UUID: 400 `invalid_path`.")),
    responses(
        (status = 204, description = "Dropped."),
        (status = 400, response = api::InvalidPath),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, description = "`not_enrolled` (the caller holds no seat in it) or `course_not_found`.", body = shared_types::ErrorBody),
        (status = 409, description = "`course_archived` (the course was archived; its roster stays as it is) or `registration_closed` (outside the term's window; before it opens, with `Retry-After`).", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn drop_course(
    State(state): State<AppState>,
    Student(Caller { claims, .. }): Student,
    Path(course_id): Path<Uuid>,
) -> Result<StatusCode> {
    let student = EnrollingStudent {
        id: claims.sub,
        name: claims.name,
        email: claims.email,
    };
    let attempt = Attempt::by_student(&student, course_id, AuditAction::Drop);
    let dropped = store::drop_enrollment(&state.db, course_id, student).await;
    // Even after an error: a drop cut off by its deadline may have
    // committed, and clearing the hint only means asking the database.
    state.full_courses.seat_freed(course_id);
    let dropped = match dropped {
        Ok(dropped) => dropped,
        Err(error) => return Err(state.audit.refused(attempt, error)),
    };
    if let Some(promoted) = dropped {
        tracing::info!(course = %course_id, student = %promoted, "enrolled from the waitlist");
    }
    state.catalogue.invalidate();
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /enrollments/me` (student): the student's courses.
#[utoipa::path(
    get,
    path = "/enrollments/me",
    operation_id = "myEnrollments",
    summary = "The student's courses",
    description = "Students only. Archived courses are included, marked `archived`.",
    responses(
        (status = 200, description = "The courses the caller is enrolled in.", body = Vec<shared_types::courses::MyEnrollment>),
        (status = 304, response = api::NotModified),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn my_enrollments(
    State(state): State<AppState>,
    Student(Caller { claims, .. }): Student,
) -> Result<Json<Vec<MyEnrollment>>> {
    let rows = store::enrollments_of(&state.db, claims.sub).await?;
    let weeks = meeting_store::weeks_of(&state.db, rows.iter().map(|(c, _)| c.id.to_string()).collect()).await?;
    Ok(Json(
        rows.iter()
            .map(|(course, enrollment)| MyEnrollment {
                course: course.to_course_with(weeks.get(&course.id).map_or(&[], Vec::as_slice)),
                enrolled_at: enrollment.enrolled_at.and_utc(),
            })
            .collect(),
    ))
}
