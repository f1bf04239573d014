use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use service_common::auth::{Admin, Caller};
use service_common::conditional::unchanged_for;
use service_common::extract::{Json, Path, Query};
use service_common::openapi as api;
use shared_types::catalogue::{CatalogueFilter, CourseSort, MAX_PAGE_SIZE, TOTAL_COUNT_HEADER};
use shared_types::courses::{Course, CreateCourseRequest, UpdateCourseRequest, SEATS_AS_OF_HEADER};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::db::{meeting_store, store, term_store};
use crate::domain::{CourseChanges, NewCourse};
use crate::error::{Error, Result};
use crate::memory::prepared_body::PreparedBody;
use crate::state::AppState;

/// `GET /courses`'s search and paging parameters: without any, the whole
/// catalogue as every tab reads it.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueParams {
    /// A term's code (`2026-FA`, any case); the current term without it.
    term: Option<String>,
    /// Words to look for: a course matches when each word is in its code,
    /// title or teacher's name (any case).
    q: Option<String>,
    /// `true`: only courses with a free seat.
    open: Option<bool>,
    /// The order: `code` (the default), `title`, `teacher` or `seats_left`
    /// (most first); ties go by code.
    sort: Option<CourseSort>,
    /// How many matching courses to skip (default 0).
    offset: Option<usize>,
    /// At most this many courses, 1 to 500 (default: every match).
    limit: Option<usize>,
}

impl CatalogueParams {
    fn filter(&self) -> CatalogueFilter {
        CatalogueFilter::new(
            self.q.as_deref().unwrap_or_default(),
            self.open.unwrap_or(false),
            self.sort.unwrap_or_default(),
        )
    }

    fn is_whole_catalogue(&self) -> bool {
        self.filter().is_everything() && self.offset.unwrap_or(0) == 0 && self.limit.is_none()
    }
}

/// `GET /courses`: the catalogue with its seat counts (at most the cache's
/// time-to-live old; see `catalogue_cache`). Tagged, so that a tab whose
/// copy is current gets a 304; compressed ahead of time, once per version.
/// Browsers may keep it (privately) if they ask again each time: it is
/// the same list for every signed-in user, and a refresh then revalidates
/// with `If-None-Match` by itself. `X-Seats-As-Of` says when its rows were
/// read: an open tab asks `GET /courses/seats` for what changed since.
/// While the database is away, the last catalogue this replica read is
/// served (its `X-Seats-As-Of` says how old it is). A search or a page is
/// cut from the same cached catalogue.
#[utoipa::path(
    get,
    path = "/courses",
    operation_id = "listCourses",
    summary = "The catalogue",
    description = "Any valid token. Every course of the current term (`?term=CODE` for another; 404 `term_not_found` for a code no term has) with live seat counts. Sent with `Cache-Control: private, no-cache` (a browser keeps it and revalidates each time), compressed once per version of the catalogue. `X-Seats-As-Of` says when its rows were read: the `since` of a tab's first `GET /courses/seats`. With a search, `open=true`, an order other than `code`, an `offset` or a `limit`, the matching courses in that order, and `X-Total-Count` says how many matched before paging: `GET /courses?q=history&open=true&sort=seats_left&limit=20`. Parameters that ask for the whole catalogue in its own order (`?sort=code`, `?offset=0`) get the whole catalogue, tagged and cached as without them.",
    params(CatalogueParams),
    responses(
        (status = 200, description = "The courses.", body = Vec<shared_types::courses::Course>, headers(
            ("x-seats-as-of" = i64, description = "When the rows were read, in milliseconds since 1970-01-01 UTC."),
            ("x-total-count" = usize, description = "On a searched, filtered, reordered or paged answer: how many courses matched, before `offset` and `limit`."),
        )),
        (status = 304, response = api::NotModified),
        (status = 400, description = "`invalid_limit` (`limit` 0 or over 500) or `invalid_query` (a parameter that is not of its type, such as `sort=price` or `limit=-5`).", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 404, description = "`term_not_found`: `term` is no term's code.", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn list_courses(
    State(state): State<AppState>,
    _: Caller,
    Query(params): Query<CatalogueParams>,
    request: HeaderMap,
) -> Result<Response> {
    if params.limit.is_some_and(|limit| limit == 0 || limit > MAX_PAGE_SIZE) {
        return Err(Error::InvalidPageSize);
    }
    if let Some(code) = params.term.as_deref().filter(|code| !code.trim().is_empty()) {
        // Another term than the current one is read for this request alone:
        // the cached, tagged catalogue is the one a registration day asks for.
        let term = term_store::find_term_by_code(&state.db, code).await?;
        if term.id != term_store::current_term(&state.db).await?.id {
            let rows = store::list_courses(&state.db, term.id).await?;
            let courses = meeting_store::courses_with_meetings(&state.db, &rows).await?;
            let caching = [(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"))];
            if params.is_whole_catalogue() {
                return Ok((caching, Json(courses)).into_response());
            }
            let (total, page) = search(&serde_json::to_vec(&courses)?, &params)?;
            let total = [(HeaderName::from_static(TOTAL_COUNT_HEADER), HeaderValue::from(total))];
            return Ok((caching, total, Json(page)).into_response());
        }
    }
    let body = catalogue_body(&state).await?;
    // A 304 carries the 200's caching headers: a browser merges them into
    // the copy it keeps.
    let caching = [
        (header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache")),
        (header::VARY, HeaderValue::from_static("accept-encoding")),
        (
            HeaderName::from_static(SEATS_AS_OF_HEADER),
            HeaderValue::from(body.as_of),
        ),
    ];
    if !params.is_whole_catalogue() {
        let (total, page) = search(&body.json, &params)?;
        let total = [(HeaderName::from_static(TOTAL_COUNT_HEADER), HeaderValue::from(total))];
        return Ok((caching, total, Json(page)).into_response());
    }
    if unchanged_for(&request, &body.etag) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, body.etag.clone())], caching).into_response());
    }
    Ok(body.response(&request, caching))
}

/// The whole catalogue: cached, or read now, or (the database away) the
/// last one read.
async fn catalogue_body(state: &AppState) -> Result<Arc<PreparedBody>> {
    let loaded = state
        .catalogue
        .get_or_load(|| async {
            let term = term_store::current_term(&state.db).await?;
            let rows = store::list_courses(&state.db, term.id).await?;
            let courses = meeting_store::courses_with_meetings(&state.db, &rows).await?;
            Ok::<_, Error>(Bytes::from(serde_json::to_vec(&courses)?))
        })
        .await;
    match (loaded, state.catalogue.last_read()) {
        (Ok(body), _) => Ok(body),
        (Err(Error::Db(away)), last) if away.is_outage() => {
            state.catalogue.note_database_away();
            let Some(last) = last else {
                return Err(Error::Db(away));
            };
            tracing::warn!(error = %away, as_of = last.as_of, "database away: serving the last catalogue read");
            Ok(last)
        }
        (Err(e), _) => Err(e),
    }
}

/// How many courses of `catalogue` match `params`, and the page it asks for.
fn search(catalogue: &[u8], params: &CatalogueParams) -> Result<(usize, Vec<Course>)> {
    let courses: Vec<Course> = serde_json::from_slice(catalogue)?;
    let matching = params.filter().apply(&courses, Course::seats_left);
    let page = matching
        .iter()
        .skip(params.offset.unwrap_or(0))
        .take(params.limit.unwrap_or(usize::MAX))
        .map(|course| (*course).clone())
        .collect();
    Ok((matching.len(), page))
}

/// `GET /courses/{id}`.
#[utoipa::path(
    get,
    path = "/courses/{id}",
    operation_id = "getCourse",
    summary = "One course",
    description = "Any valid token.",
    params(("id" = uuid::Uuid, Path, description = "The course id. Not a UUID: 400 `invalid_path`.")),
    responses(
        (status = 200, description = "The course.", body = shared_types::courses::Course),
        (status = 304, response = api::NotModified),
        (status = 400, response = api::InvalidPath),
        (status = 401, response = api::Unauthorized),
        (status = 404, response = api::CourseNotFound),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn get_course(State(state): State<AppState>, _: Caller, Path(id): Path<Uuid>) -> Result<Json<Course>> {
    let row = store::find_course(&state.db, id).await?;
    Ok(Json(meeting_store::course_with_meetings(&state.db, &row).await?))
}

/// `POST /courses` (admin).
#[utoipa::path(
    post,
    path = "/courses",
    operation_id = "createCourse",
    summary = "Create a course",
    description = "Admin only. In the term `term_id` names (the current term without it), worth `credits` (3 without it), as its section `section` (`01` without it). A code the term has already is 409 `code_taken`: add a section to that course with `POST /courses/{id}/sections`.",
    request_body = shared_types::courses::CreateCourseRequest,
    responses(
        (status = 201, description = "The course was created.", body = shared_types::courses::Course),
        (status = 400, response = api::BadJson),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 409, description = "`code_taken`: the term has a course with this code.", body = shared_types::ErrorBody),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_code`, `invalid_section`, `invalid_capacity`, `invalid_credits`, `unknown_term` or `invalid_field` (title, description, teacher_name).", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn create_course(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Json(request): Json<CreateCourseRequest>,
) -> Result<(StatusCode, Json<Course>)> {
    let course = NewCourse::parse(&request)?;
    let row = store::insert_course(&state.db, course).await?;
    state.catalogue.invalidate();
    tracing::info!(admin = %admin.sub, course = %row.id, code = %row.code, "course created");
    Ok((StatusCode::CREATED, Json(row.to_course())))
}

/// `PATCH /courses/{id}` (admin): changes a course's title, description,
/// capacity or teacher, or archives it.
#[utoipa::path(
    patch,
    path = "/courses/{id}",
    operation_id = "updateCourse",
    summary = "Change a course",
    description = "Admin only. Only the fields sent change; `teacher_id` and `teacher_name` go together. Title, description and credits are the course's: they change on each of its sections; capacity, teacher and archiving are this section's. A capacity below the seats already taken is refused (409 `capacity_below_enrolled`, naming how many are taken), exactly, whatever enrollments race it; a raised capacity shows in every open catalogue within one seat update. `\"archived\": true` takes the course out of the catalogue (it stays readable at `GET /courses/{id}` and in `GET /courses/archived`); enrolling in it or dropping it is then 409 `course_archived`, and its roster and grades stay as they are. `false` brings it back.",
    params(("id" = uuid::Uuid, Path, description = "The course id. Not a UUID: 400 `invalid_path`.")),
    request_body = shared_types::courses::UpdateCourseRequest,
    responses(
        (status = 200, description = "The course as changed.", body = shared_types::courses::Course),
        (status = 400, description = "`malformed_json`, `invalid_body` (an unknown field) or `invalid_path`.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 404, response = api::CourseNotFound),
        (status = 409, description = "`capacity_below_enrolled` or `teacher_is_enrolled`.", body = shared_types::ErrorBody),
        (status = 413, response = api::PayloadTooLarge),
        (status = 415, response = api::UnsupportedMediaType),
        (status = 422, description = "`invalid_capacity`, `invalid_credits` or `invalid_field` (title, description, teacher_name; or only one of teacher_id and teacher_name).", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn update_course(
    State(state): State<AppState>,
    Admin(Caller { claims: admin, .. }): Admin,
    Path(id): Path<Uuid>,
    Json(request): Json<UpdateCourseRequest>,
) -> Result<Json<Course>> {
    let changes = CourseChanges::parse(&request)?;
    let row = store::update_course(&state.db, id, changes).await?;
    state.catalogue.invalidate();
    // A course this replica remembered as full may have seats again (a
    // capacity raised, or raised while archived and now restored).
    state.full_courses.seat_freed(id);
    tracing::info!(admin = %admin.sub, course = %id, capacity = row.capacity, archived = row.archived_at.is_some(), "course changed");
    Ok(Json(meeting_store::course_with_meetings(&state.db, &row).await?))
}

/// `GET /courses/archived` (admin): the courses taken out of the catalogue.
#[utoipa::path(
    get,
    path = "/courses/archived",
    operation_id = "listArchivedCourses",
    summary = "Archived courses",
    description = "Admin only. The courses archived with `PATCH /courses/{id}` `{\"archived\": true}`, by code.",
    responses(
        (status = 200, description = "The archived courses.", body = Vec<shared_types::courses::Course>),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn archived_courses(State(state): State<AppState>, Admin(_): Admin) -> Result<Json<Vec<Course>>> {
    let rows = store::archived_courses(&state.db).await?;
    Ok(Json(meeting_store::courses_with_meetings(&state.db, &rows).await?))
}
