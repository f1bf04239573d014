use axum::extract::State;
use axum::response::Response;
use service_common::auth::{Admin, Caller};
use service_common::extract::Query;
use service_common::import::{answer, report, CsvBody};
use service_common::openapi as api;
use shared_types::import::ImportParams;

use crate::db::{store, term_store};
use crate::error::Result;
use crate::import::{check_rows, teachers, COURSE_COLUMNS};
use crate::state::AppState;

/// `POST /courses/import[?dry_run=true]` (admin): creates the courses of a
/// CSV file, all or none.
#[utoipa::path(
    post,
    path = "/courses/import",
    operation_id = "importCourses",
    summary = "Import courses from CSV",
    description = "Admin only. A CSV file with the header `code,title,capacity,teacher_email` (and optionally `description`). Teachers are found by email in auth-service's user list, asked with the caller's token. Every row is checked first; if any is invalid nothing is written and the answer is 422 with the per-row report. A row whose code exists (archived or not) is left as it is (`exists`), so the same file twice creates nothing new. `?dry_run=true` checks and reports without writing. At most 5000 rows and the service's body limit (256 KiB by default).",
    params(ImportParams),
    request_body(content = String, content_type = "text/csv", description = "`code,title,capacity,teacher_email[,description]` then one row per course."),
    responses(
        (status = 200, description = "A dry run, or nothing new: the report.", body = shared_types::import::ImportReport),
        (status = 201, description = "Courses were created: the report.", body = shared_types::import::ImportReport),
        (status = 400, description = "`invalid_import`: a required column missing, no rows, more than 5000 rows or unreadable CSV.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 409, description = "`code_taken`: another import or admin created one of these courses meanwhile; nothing was written, and the same file sent again finds that course as existing.", body = shared_types::ErrorBody),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_rows`: at least one row is invalid (`invalid_code`, `invalid_capacity`, `invalid_field`, `invalid_email`, `unknown_teacher`, `duplicate_row`); nothing was written. The body is the per-row report.", body = shared_types::import::ImportReport),
        (status = 503, description = "`auth_unavailable` (the teachers cannot be looked up), `database_unavailable` or `timeout`.", body = shared_types::ErrorBody, headers(("Retry-After" = u32, description = "Seconds to wait before retrying."))),
    )
)]
pub async fn import_courses(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, token }): Admin,
    Query(params): Query<ImportParams>,
    body: CsvBody,
) -> Result<Response> {
    let rows = body.rows(COURSE_COLUMNS)?;
    let teachers = teachers(state.auth.as_ref(), token.expose()).await?;
    let checked = check_rows(&rows, &teachers);
    let codes = checked
        .iter()
        .filter_map(|row| row.as_ref().ok())
        .map(|(keyed, _)| keyed.natural_key.clone())
        .collect();
    // An import adds to the current term, as a course created without a term.
    let term = term_store::current_term(&state.db).await?.id;
    let existing = store::ids_by_code(&state.db, term, codes).await?;
    let refused = checked.iter().any(Result::is_err);
    let (keyed, courses): (Vec<_>, Vec<_>) = checked
        .into_iter()
        .map(|row| match row {
            Ok((keyed, course)) => (Ok(keyed), Some(course)),
            Err(invalid) => (Err(invalid), None),
        })
        .unzip();
    if refused || params.dry_run {
        return Ok(answer(report(keyed, &existing, params.dry_run, false)));
    }
    let new: Vec<_> = courses
        .into_iter()
        .flatten()
        .filter(|course| !existing.contains_key(&course.code.clone().into_string()))
        .collect();
    if !new.is_empty() {
        store::insert_imported(&state.db, term, new).await?;
        state.catalogue.invalidate();
    }
    let report = report(keyed, &existing, false, true);
    tracing::info!(admin = %admin.sub, created = report.created, existing = report.existing, "courses imported");
    Ok(answer(report))
}
