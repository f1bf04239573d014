//! `GET /courses/seats?since=`: the seat counts that changed, so an open
//! tab keeps its catalogue's seats current for bytes proportional to what
//! changed, not to the catalogue.
//!
//! A moment, not a version number: every replica (and, after a failover,
//! another one) can answer from it, since the moments are written with the
//! seat changes themselves. A seat change is stamped before it commits, so
//! one that commits after an answer's `as_of` may carry an earlier stamp;
//! each answer therefore also repeats what changed in the
//! [`OVERLAP`] before `since`, longer than any write may take (every
//! database call has a deadline of 2 s). Counts are absolute, so a repeat
//! is harmless.

use axum::extract::State;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use service_common::auth::CurrentUser;
use service_common::extract::{Json, Query};
use shared_types::courses::{SeatChanges, SeatCount};

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store;

/// How far before `since` each answer looks again.
pub const OVERLAP: TimeDelta = TimeDelta::seconds(10);

#[derive(Debug, Deserialize)]
pub struct SeatsQuery {
    /// The `as_of` of the caller's last answer; without it, every course.
    since: Option<i64>,
}

/// `GET /courses/seats[?since=]`.
pub async fn seat_changes(
    State(state): State<AppState>,
    _: CurrentUser,
    Query(query): Query<SeatsQuery>,
) -> Result<Json<SeatChanges>> {
    let as_of = Utc::now();
    let since = match query.since {
        None => None,
        Some(ms) => {
            let since = DateTime::from_timestamp_millis(ms)
                .filter(|since| *since <= as_of + OVERLAP)
                .ok_or(Error::InvalidSince)?;
            Some((since - OVERLAP).naive_utc())
        }
    };
    let rows = store::seats_changed_since(&state.db, since).await?;
    let courses = rows
        .into_iter()
        .filter_map(|(id, capacity, enrolled)| {
            Some(SeatCount {
                id: id.parse().ok()?,
                capacity,
                enrolled,
            })
        })
        .collect();
    Ok(Json(SeatChanges {
        as_of: as_of.timestamp_millis(),
        courses,
    }))
}
