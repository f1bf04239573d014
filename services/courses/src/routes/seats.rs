//! `GET /courses/seats?since=`: the seat counts that changed, so an open
//! tab keeps its catalogue's seats current for bytes proportional to what
//! changed, not to the catalogue.
//!
//! No token: the answer is seat counts by course id, which say nothing
//! without the catalogue (that needs one). So a tab's poll is a simple
//! request: no CORS preflight before each one (a preflight is cached per
//! URL, and every poll's URL differs), and no token on the wire.
//!
//! A moment, not a version number: every replica (and, after a failover,
//! another one) can answer from it, since the moments are written with the
//! seat changes themselves. A seat change is stamped just before its
//! statement (on SQLite inside the write lock; on PostgreSQL before the
//! statement waits for the course's row), so one that commits after an
//! answer's `as_of` may carry an earlier stamp; each answer therefore also
//! repeats what changed in the [`OVERLAP`] before `since`, far longer than
//! a write waits in practice. Counts are absolute, so a repeat
//! is harmless. Answers come from the [`crate::memory::seat_feed`], which reads
//! the database at most every 250 ms for all tabs together: the recent
//! changes, and every course's count for a tab that starts (no `since`)
//! or slept past the feed's window. No request, with or without a token,
//! costs a read of its own.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use service_common::extract::Query;
use service_common::openapi as api;
use shared_types::courses::SEATS_AS_OF_HEADER;

use crate::db::{store, term_store};
use crate::error::{Error, Result};
use crate::memory::prepared_body::PreparedBody;
use crate::memory::seat_feed::{prepared_answer, Snapshot};
use crate::state::AppState;

/// How far before `since` each answer looks again.
pub const OVERLAP: TimeDelta = TimeDelta::seconds(10);

/// A `since` further ahead of this replica's clock is not a moment any
/// answer gave.
const MAX_AHEAD: TimeDelta = TimeDelta::hours(1);

#[derive(Debug, Deserialize)]
pub struct SeatsQuery {
    /// The `as_of` of the caller's last answer; without it, every course.
    since: Option<i64>,
}

/// `GET /courses/seats[?since=]`. The answer's `as_of` is also its
/// `X-Seats-As-Of` header, so a client can read it without the body.
#[utoipa::path(
    get,
    path = "/courses/seats",
    operation_id = "seatChanges",
    summary = "Seat counts that changed",
    description = "No token needed: seat counts by course id say nothing without the catalogue, and a poll without a token is a simple request (no CORS preflight). The seat counts of the courses whose count changed since `since` (every course without it), so an open catalogue stays current for bytes in proportion to what changed. Pass each answer's `as_of` (also its `X-Seats-As-Of` header) as the next `since`; any replica answers it, and a moment a little ahead of its clock is taken as now. Courses changed in the 10 s before `since` are repeated (a change stamped before it committed is never missed); the counts are absolute. A `since` older than five minutes is answered with every course. A course the caller has never seen means the catalogue itself changed. Answers are read from the database at most every 250 ms for all callers together.",
    security(()),
    params(("since" = Option<i64>, Query, description = "The `as_of` of the caller's last answer, or the catalogue's `X-Seats-As-Of`: milliseconds since 1970-01-01 UTC.")),
    responses(
        (status = 200, description = "The changed counts.", body = shared_types::courses::SeatChanges),
        (status = 400, description = "`since` is not a number of milliseconds since 1970, or is more than an hour ahead (`invalid_since`, `invalid_query`).", body = shared_types::ErrorBody),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn seat_changes(
    State(state): State<AppState>,
    Query(query): Query<SeatsQuery>,
    request: HeaderMap,
) -> Result<Response> {
    let body = match query.since {
        None => whole_term(&state).await?,
        Some(ms) => {
            // A moment from another replica's clock may be a little ahead
            // of this one's: it is taken as now.
            let since = DateTime::from_timestamp_millis(ms)
                .filter(|since| since.timestamp_millis() >= 0 && *since <= Utc::now() + MAX_AHEAD)
                .ok_or(Error::InvalidSince)?
                .min(Utc::now());
            let after = (since - OVERLAP).naive_utc();
            let snapshot = state
                .seat_feed
                .recent
                .get(|| async {
                    let now = Utc::now();
                    let term = term_store::current_term(&state.db).await?.id;
                    let changes =
                        store::seats_changed_since(&state.db, term, Some(Snapshot::window_start(now))).await?;
                    Ok::<_, Error>(Arc::new(Snapshot::new(now, changes)))
                })
                .await?;
            match snapshot.answer(after).await {
                Some(body) => body,
                // A tab that slept past the window: every course's count
                // (absolute, so more than changed is harmless).
                None => whole_term(&state).await?,
            }
        }
    };
    let as_of = [(
        HeaderName::from_static(SEATS_AS_OF_HEADER),
        HeaderValue::from(body.as_of),
    )];
    Ok(body.response(
        &request,
        ([(header::VARY, HeaderValue::from_static("accept-encoding"))], as_of),
    ))
}

/// Every course of the current term, from the shared read.
async fn whole_term(state: &AppState) -> Result<Arc<PreparedBody>> {
    state
        .seat_feed
        .whole_term
        .get(|| async {
            let as_of = Utc::now().timestamp_millis();
            let term = term_store::current_term(&state.db).await?.id;
            let changes = store::seats_changed_since(&state.db, term, None).await?;
            let courses = changes.into_iter().map(|(_, seat)| seat).collect();
            Ok::<_, Error>(prepared_answer(as_of, courses).await?)
        })
        .await
}
