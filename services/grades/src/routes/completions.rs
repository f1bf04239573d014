//! The completions feed: every grade in the order it changed, read by
//! course-service, which checks prerequisites against its own copy so that
//! enrolling never waits on this service.

use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use service_common::auth::AdminOrMachine;
use service_common::extract::{Json, Query};
use service_common::openapi as api;
use shared_types::requisites::{CompletionPage, FedCompletion};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::{self, FeedPosition};

/// The most grades one page holds.
const MAX_FEED_PAGE: i64 = 5000;

/// Where a page of the feed starts.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Grades changed at or after this time (RFC 3339); the beginning when
    /// left out.
    since: Option<DateTime<Utc>>,
    /// With `after_student`: the last grade of the page before (its
    /// `updated_at` as `since`), so that the next page starts after it.
    after_course: Option<Uuid>,
    after_student: Option<Uuid>,
    /// At most this many grades, 1 to 5000 (default 1000).
    limit: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/grades/completions",
    operation_id = "completionsFeed",
    summary = "Every grade, in the order it changed (for course-service)",
    description = "The `--completions-token` (`COMPLETIONS_TOKEN`, the secret course-service is given too) or an admin's token, as `Authorization: Bearer`. Grades changed at or after `since`, oldest change first, ties by section then student; `more` says a next page follows (ask again with the last grade's `updated_at` as `since` and its ids as `after_course`, `after_student`). course-service follows it every few seconds and checks prerequisites against what it has read.",
    params(FeedParams),
    responses(
        (status = 200, description = "A page of the feed.", body = shared_types::requisites::CompletionPage),
        (status = 400, description = "`invalid_query`: a time that is not RFC 3339, one of `after_course` and `after_student` without the other, or a `limit` outside 1 to 5000.", body = shared_types::ErrorBody),
        (status = 401, response = api::Unauthorized),
        (status = 403, response = api::Forbidden),
        (status = 503, response = api::Unavailable),
    )
)]
pub async fn completions_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<FeedParams>,
) -> Result<Json<CompletionPage>> {
    AdminOrMachine {
        verifier: &state.verifier,
        machine_token: state.completions_token.as_ref(),
        what: "the completions feed",
        token_name: "the completions token",
    }
    .admit(&headers)?;
    let limit = params.limit.unwrap_or(1000);
    if !(1..=MAX_FEED_PAGE).contains(&limit) {
        return Err(Error::InvalidFeedPosition);
    }
    let after = match (params.after_course, params.after_student) {
        (Some(course), Some(student)) => Some((course, student)),
        (None, None) => None,
        _ => return Err(Error::InvalidFeedPosition),
    };
    let since = params.since.unwrap_or(DateTime::UNIX_EPOCH).naive_utc();
    // One more than asked: whether a next page follows.
    let mut rows = store::completions_from(&state.db, FeedPosition { since, after }, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let completions = rows
        .iter()
        .map(|row| FedCompletion {
            student_id: row.student_id,
            course_id: row.course_id,
            course_code: row.course_code.clone(),
            grade: row.grade(),
            updated_at: row.updated_at.and_utc(),
        })
        .collect();
    Ok(Json(CompletionPage { completions, more }))
}
