//! The student's week for their own calendar application.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use service_common::auth::{Caller, Student};
use service_common::openapi as api;

use crate::calendar::{week_calendar, HeldSection};
use crate::db::{meeting_store, store, term_store};
use crate::error::Result;
use crate::state::AppState;

#[utoipa::path(
    get,
    path = "/enrollments/me/calendar.ics",
    operation_id = "myCalendar",
    summary = "The student's week as iCalendar",
    description = "Students only. An iCalendar file (RFC 5545) to import into a calendar application: for each meeting of each section the caller holds in a term not yet over, one event repeating weekly from the term's first day to its last, with the course as its summary, the room as its location, and the section and teacher in its description. Times are floating (the campus's clock, as the catalogue shows them). Each event's UID is stable (section, day and start), so importing the file again updates the events instead of adding copies. Archived sections and waitlists are left out.",
    responses(
        (status = 200, description = "The calendar.", content_type = "text/calendar", body = String, headers(
            ("content-disposition" = String, description = "`attachment; filename=\"my-courses.ics\"`."),
        )),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn my_calendar(State(state): State<AppState>, Student(Caller { claims, .. }): Student) -> Result<Response> {
    let today = Utc::now().date_naive();
    let (rows, terms) = tokio::try_join!(
        store::enrollments_of(&state.db, claims.sub),
        term_store::list_terms(&state.db),
    )?;
    let held: Vec<_> = rows
        .iter()
        .filter(|(course, _)| course.archived_at.is_none())
        .filter_map(|(course, _)| {
            let term = terms.iter().find(|t| t.id == course.term_id)?;
            (term.ends_on >= today).then_some((course, term))
        })
        .collect();
    let weeks = meeting_store::weeks_of(&state.db, held.iter().map(|(c, _)| c.id.to_string()).collect()).await?;
    let sections: Vec<HeldSection<'_>> = held
        .iter()
        .map(|(course, term)| HeldSection {
            course,
            term,
            week: weeks.get(&course.id).map_or(&[], Vec::as_slice),
        })
        .collect();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"my-courses.ics\""),
            ),
        ],
        week_calendar(&sections),
    )
        .into_response())
}
