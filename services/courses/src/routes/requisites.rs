//! Prerequisites and corequisites of a course code, set by admins and read
//! by anyone signed in; and the completions they are checked against.

use axum::extract::State;
use chrono::Utc;
use service_common::auth::{Admin, Caller};
use service_common::extract::{Json, Path};
use service_common::openapi as api;
use shared_types::requisites::{
    RecordCompletionRequest, Requisite, RequisiteKind, Requisites, SetRequisite, StudentCompletions,
};
use shared_types::Grade;
use uuid::Uuid;

use crate::db::requisite_store;
use crate::error::{Error, Result};
use crate::state::AppState;

/// The most requisites one course may have.
const MAX_REQUISITES: usize = 20;

#[utoipa::path(
    get,
    path = "/courses/{id}/requisites",
    operation_id = "courseRequisites",
    summary = "What a course requires",
    description = "Any signed-in user. The prerequisites (passed before, with at least `min_grade`) and corequisites (held in the same term, or passed before) of the section's course code: they hold for every section of the code, in every term.",
    params(("id" = uuid::Uuid, Path, description = "A section's id. Not a UUID: 400 `invalid_path`.")),
    responses(
        (status = 200, description = "The course code and its requisites (empty: none).", body = shared_types::requisites::Requisites),
        (status = 400, response = api::InvalidPath),
        (status = 401, response = api::Unauthorized),
        (status = 404, response = api::CourseNotFound),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn course_requisites(
    State(state): State<AppState>,
    _: Caller,
    Path(course): Path<Uuid>,
) -> Result<Json<Requisites>> {
    let (code, requisites) = requisite_store::requisites_of(&state.db, course).await?;
    Ok(Json(Requisites { code, requisites }))
}

#[utoipa::path(
    put,
    path = "/courses/{id}/requisites",
    operation_id = "setCourseRequisites",
    summary = "Set what a course requires",
    description = "Admin only. Replaces the requisites of the section's course code (every section, every term) with the list sent: `[{\"code\": \"CS101\", \"kind\": \"prerequisite\", \"min_grade\": 2.0}]` (`min_grade` 1.0 when left out; `[]` removes them all). From then on enrolling, joining a waitlist and promotion from one are refused 409 `prerequisite_missing` or `corequisite_missing` for a student who does not meet them; dropping never is, and an admin's override passes them (recorded on the audit trail). Students already enrolled keep their seats.",
    params(("id" = uuid::Uuid, Path, description = "A section's id. Not a UUID: 400 `invalid_path`.")),
    request_body = Vec<shared_types::requisites::SetRequisite>,
    responses(
        (status = 200, description = "The course code and its requisites as stored.", body = shared_types::requisites::Requisites),
        (status = 400, response = api::BadJson),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, response = api::CourseNotFound),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_requisites` (a kind other than `prerequisite` or `corequisite`, a code empty, named twice, not in the catalogue, or more than 20), `invalid_grade` (a `min_grade` off the 4.0 scale) or `requisite_cycle` (the course would require itself, directly or through others).", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn set_course_requisites(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Path(course): Path<Uuid>,
    Json(list): Json<Vec<SetRequisite>>,
) -> Result<Json<Requisites>> {
    if list.len() > MAX_REQUISITES {
        return Err(Error::InvalidRequisites(format!(
            "A course has at most {MAX_REQUISITES} requisites."
        )));
    }
    let mut requisites = Vec::with_capacity(list.len());
    for item in list {
        let kind = RequisiteKind::parse(item.kind.trim()).ok_or_else(|| {
            Error::InvalidRequisites(format!(
                "`{}` is no kind of requisite: `prerequisite` or `corequisite`.",
                item.kind
            ))
        })?;
        let min_grade = match item.min_grade {
            Some(grade) => Grade::try_from(grade)?,
            None => Requisite::default_min_grade(),
        };
        requisites.push(Requisite {
            code: item.code.trim().to_owned(),
            kind,
            min_grade,
        });
    }
    let code = requisite_store::set_requisites(&state.db, course, requisites).await?;
    tracing::info!(admin = %admin.sub, %code, "requisites set");
    let (code, requisites) = requisite_store::requisites_of(&state.db, course).await?;
    Ok(Json(Requisites { code, requisites }))
}

async fn completions_answer(state: &AppState, student: Uuid) -> Result<Json<StudentCompletions>> {
    let (completions, synced) = requisite_store::completions_of(&state.db, student).await?;
    Ok(Json(StudentCompletions {
        student_id: student,
        completions,
        grades_synced_at: synced.map(|at| at.and_utc()),
    }))
}

#[utoipa::path(
    get,
    path = "/students/{id}/completions",
    operation_id = "studentCompletions",
    summary = "The completions a student's requisites are checked against",
    description = "Admin only. The courses the student has completed as course-service holds them: grades from grade-service's feed (followed every 2 s; `grades_synced_at` says when it was last read to its end, noted at least every 30 s) and completions the registrar recorded.",
    params(("id" = uuid::Uuid, Path, description = "The student's user id. Not a UUID: 400 `invalid_path`.")),
    responses(
        (status = 200, description = "The student's completions.", body = shared_types::requisites::StudentCompletions),
        (status = 400, response = api::InvalidPath),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn student_completions(
    State(state): State<AppState>,
    _: Admin,
    Path(student): Path<Uuid>,
) -> Result<Json<StudentCompletions>> {
    completions_answer(&state, student).await
}

#[utoipa::path(
    put,
    path = "/students/{id}/completions/{code}",
    operation_id = "recordCompletion",
    summary = "Record a completion (transfer credit, an equivalent course)",
    description = "Admin only. `{\"grade\": 3.0}`: the student counts as having completed the course code with this grade, beside any grade from grade-service. In the same request they are offered the free seats of the waitlists they are on, as any change that makes a student fit does.",
    params(
        ("id" = uuid::Uuid, Path, description = "The student's user id."),
        ("code" = String, Path, description = "A course code of the catalogue."),
    ),
    request_body = shared_types::requisites::RecordCompletionRequest,
    responses(
        (status = 200, description = "The student's completions.", body = shared_types::requisites::StudentCompletions),
        (status = 400, response = api::BadJson),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, response = api::CourseNotFound),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_grade`: not on the 4.0 scale in 0.5 steps.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn record_completion(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Path((student, code)): Path<(Uuid, String)>,
    Json(request): Json<RecordCompletionRequest>,
) -> Result<Json<StudentCompletions>> {
    let grade = Grade::try_from(request.grade)?;
    requisite_store::record_completion(&state.db, student, &code, grade).await?;
    tracing::info!(admin = %admin.sub, %student, %code, %grade, at = %Utc::now(), "completion recorded");
    state.catalogue.invalidate();
    completions_answer(&state, student).await
}
