//! The audit trail of registration, read per student (admins) and per
//! section (admins and the section's teacher), as JSON or as CSV.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use service_common::auth::{Admin, Caller};
use service_common::extract::{Json, Path, Query};
use service_common::openapi as api;
use shared_types::audit::{AuditEvent, AUDIT_CSV_HEADER};
use shared_types::spreadsheet::safe_cell;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::audit_store::{self, Trail};
use crate::db::store;
use crate::error::{Error, Result};
use crate::state::AppState;

/// The most events one page holds (and the default).
pub const MAX_AUDIT_PAGE: i64 = 1000;

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TrailFormat {
    #[default]
    Json,
    Csv,
}

/// A page of a trail.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrailParams {
    /// Only events older than this event's id (the last id of the page
    /// before): newest first, page by page.
    before: Option<Uuid>,
    /// At most this many events, 1 to 1000 (default 1000).
    limit: Option<i64>,
    /// `json` (the default) or `csv` (a download, every cell safe to open
    /// in a spreadsheet).
    format: Option<TrailFormat>,
}

#[utoipa::path(
    get,
    path = "/students/{id}/audit",
    operation_id = "studentAudit",
    summary = "A student's registration history",
    description = "Admin only. Every attempt about the student, newest first: their own enrollments, joins, leaves and drops (accepted or refused, with the code and message they were answered), promotions from waitlists (no actor), admins' overrides and holds. A bad input answered 400 or 422 before the attempt was read (a path that is not a UUID, a body that is not JSON) is not an attempt and is not recorded; nor is a 503, which answered nothing.",
    params(("id" = uuid::Uuid, Path, description = "The student's user id. Not a UUID: 400 `invalid_path`."), TrailParams),
    responses(
        (status = 200, description = "The events, newest first (as `text/csv` with `format=csv`).", body = Vec<shared_types::audit::AuditEvent>),
        (status = 400, description = "`invalid_path`, `invalid_query` or `invalid_limit`.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn student_audit(
    State(state): State<AppState>,
    _: Admin,
    Path(student): Path<Uuid>,
    Query(params): Query<TrailParams>,
) -> Result<Response> {
    answer(
        &state,
        Trail::Student(student),
        &params,
        &format!("audit-student-{student}.csv"),
    )
    .await
}

#[utoipa::path(
    get,
    path = "/courses/{id}/audit",
    operation_id = "sectionAudit",
    summary = "A section's registration history",
    description = "That section's teacher, or an admin. Every attempt on the section, newest first, as `GET /students/{id}/audit` has them.",
    params(("id" = uuid::Uuid, Path, description = "The course (section) id. Not a UUID: 400 `invalid_path`."), TrailParams),
    responses(
        (status = 200, description = "The events, newest first (as `text/csv` with `format=csv`).", body = Vec<shared_types::audit::AuditEvent>),
        (status = 400, description = "`invalid_path`, `invalid_query` or `invalid_limit`.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 403, description = "`forbidden`: other teachers and students.", body = shared_types::ErrorBody),
        (status = 404, response = api::CourseNotFound),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn section_audit(
    State(state): State<AppState>,
    Caller { claims, .. }: Caller,
    Path(course_id): Path<Uuid>,
    Query(params): Query<TrailParams>,
) -> Result<Response> {
    let course = store::find_course(&state.db, course_id).await?;
    if !claims.is_teacher_or_admin_of(course.teacher_id) {
        return Err(Error::NotTheTeacher);
    }
    answer(
        &state,
        Trail::Section(course_id),
        &params,
        &format!("audit-section-{course_id}.csv"),
    )
    .await
}

async fn answer(state: &AppState, trail: Trail, params: &TrailParams, filename: &str) -> Result<Response> {
    let limit = params.limit.unwrap_or(MAX_AUDIT_PAGE);
    if !(1..=MAX_AUDIT_PAGE).contains(&limit) {
        return Err(Error::InvalidAuditPage);
    }
    // The refusals this replica answered are all in the trail read.
    state.audit.flush().await;
    let events = audit_store::trail(&state.db, trail, params.before, limit).await?;
    Ok(match params.format.unwrap_or_default() {
        TrailFormat::Json => Json(events).into_response(),
        TrailFormat::Csv => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
                        .expect("a UUID makes a valid header"),
                ),
            ],
            to_csv(&events)?,
        )
            .into_response(),
    })
}

/// The events as CSV, every cell quoted and safe for a spreadsheet (a
/// student's name is not here, but a hold's or an override's reason is
/// an admin's free text).
fn to_csv(events: &[AuditEvent]) -> Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    let failed = |e: csv::Error| Error::Export(e.to_string());
    writer.write_record(AUDIT_CSV_HEADER).map_err(failed)?;
    let text = |id: Option<Uuid>| id.map(|id| id.to_string()).unwrap_or_default();
    for event in events {
        let course = match (&event.course_code, &event.section) {
            (Some(code), Some(section)) => format!("{code} {section}"),
            _ => String::new(),
        };
        writer
            .write_record([
                event.id.to_string().as_str(),
                &event.at.to_rfc3339(),
                &text(event.actor_id),
                &event.student_id.to_string(),
                &safe_cell(&event.student_name),
                &text(event.course_id),
                &safe_cell(&course),
                event.action.as_str(),
                event.outcome.as_str(),
                &safe_cell(&event.code),
                &safe_cell(&event.detail),
            ])
            .map_err(failed)?;
    }
    writer.into_inner().map_err(|e| Error::Export(e.to_string()))
}
