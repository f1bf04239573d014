//! The seat changes of the last five minutes, read from the database at most
//! every [`REFRESH_EVERY`] and answered from memory.
//!
//! Thousands of open tabs each ask `GET /courses/seats?since=` every few
//! seconds. Reading the database and serializing and compressing an answer
//! for each of them would cost the rush its CPU. Instead one read serves
//! every tab for a moment, and since each tab's `since` is the `as_of` of
//! an earlier answer, which is the moment of an earlier read, tabs ask from
//! a handful of moments: each answer is made once per read and moment and
//! then handed out as bytes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use chrono::{NaiveDateTime, TimeDelta, Utc};
use shared_types::courses::{SeatChanges, SeatCount};

use crate::memory::prepared_body::PreparedBody;

/// How old the seat counts an open tab is told may be.
pub const REFRESH_EVERY: Duration = Duration::from_millis(250);

/// How far back a read goes: a tab that asks from further back (it slept)
/// is answered from the database instead. Minutes, since a browser may
/// run a hidden tab's timer only once a minute.
pub const WINDOW: TimeDelta = TimeDelta::minutes(5);

/// Answers kept per read: tabs ask from a handful of moments, and a client
/// that makes up moments gets answers made for it alone, not kept.
const MAX_ANSWERS: usize = 64;

/// One read of the recent seat changes.
pub struct Snapshot {
    /// When the rows were read (the `as_of` of every answer made from it).
    pub as_of: i64,
    /// Every change after this moment is in `changes`.
    covers_from: NaiveDateTime,
    /// Oldest first.
    changes: Vec<(NaiveDateTime, SeatCount)>,
    /// Answers made from this read, by the moment they start from.
    answers: Mutex<HashMap<NaiveDateTime, Arc<PreparedBody>>>,
}

impl Snapshot {
    /// A read made at `as_of` of the changes since `as_of - WINDOW`.
    pub fn new(as_of: chrono::DateTime<Utc>, mut changes: Vec<(NaiveDateTime, SeatCount)>) -> Self {
        changes.sort_by_key(|(at, _)| *at);
        Self {
            as_of: as_of.timestamp_millis(),
            covers_from: (as_of - WINDOW).naive_utc(),
            changes,
            answers: Mutex::new(HashMap::new()),
        }
    }

    /// The moment a read starting now must go back to.
    pub fn window_start(now: chrono::DateTime<Utc>) -> NaiveDateTime {
        (now - WINDOW).naive_utc()
    }

    /// The answer for every change after `after`, or `None` when this read
    /// does not reach back that far.
    pub async fn answer(&self, after: NaiveDateTime) -> Option<Arc<PreparedBody>> {
        if after < self.covers_from {
            return None;
        }
        if let Some(made) = self.answers.lock().ok()?.get(&after) {
            return Some(made.clone());
        }
        let first = self.changes.partition_point(|(at, _)| *at <= after);
        let courses = self.changes[first..].iter().map(|(_, seat)| seat.clone()).collect();
        let made = prepared_answer(self.as_of, courses).await.ok()?;
        if let Ok(mut answers) = self.answers.lock() {
            if answers.len() < MAX_ANSWERS {
                answers.insert(after, made.clone());
            }
        }
        Some(made)
    }
}

/// An answer of `GET /courses/seats`, serialized and compressed.
pub async fn prepared_answer(as_of: i64, courses: Vec<SeatCount>) -> serde_json::Result<Arc<PreparedBody>> {
    let json = Bytes::from(serde_json::to_vec(&SeatChanges { as_of, courses })?);
    Ok(Arc::new(PreparedBody::prepare(json, as_of).await))
}

/// What every open tab is answered from: the recent changes, and every
/// course's count (for a tab that starts, or slept past the window). Each
/// is read at most every [`REFRESH_EVERY`] for all callers together, so
/// no client's loop of requests costs a read each.
#[derive(Default)]
pub struct SeatFeed {
    pub recent: SharedRead<Snapshot>,
    pub whole_term: SharedRead<PreparedBody>,
}

/// A read shared by every caller for [`REFRESH_EVERY`]: one read at a
/// time, the others wait for it and share it.
pub struct SharedRead<T> {
    current: RwLock<Option<(Instant, Arc<T>)>>,
    refreshing: tokio::sync::Mutex<()>,
}

impl<T> Default for SharedRead<T> {
    fn default() -> Self {
        Self {
            current: RwLock::new(None),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T> SharedRead<T> {
    fn fresh(&self) -> Option<Arc<T>> {
        let current = self.current.read().ok()?;
        current
            .as_ref()
            .filter(|(read_at, _)| read_at.elapsed() < REFRESH_EVERY)
            .map(|(_, value)| value.clone())
    }

    /// The current read, or `load`'s (kept for the next callers).
    pub async fn get<E, F, Fut>(&self, load: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Arc<T>, E>>,
    {
        if let Some(value) = self.fresh() {
            return Ok(value);
        }
        let _refreshing = self.refreshing.lock().await;
        if let Some(value) = self.fresh() {
            return Ok(value);
        }
        let value = load().await?;
        if let Ok(mut current) = self.current.write() {
            *current = Some((Instant::now(), value.clone()));
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn seat(enrolled: i32) -> SeatCount {
        SeatCount {
            archived: false,
            id: Uuid::new_v4(),
            capacity: 40,
            enrolled,
        }
    }

    #[tokio::test]
    async fn an_answer_holds_the_changes_after_its_moment_and_is_made_once() {
        let now = Utc::now();
        let at = |seconds_ago: i64| (now - TimeDelta::seconds(seconds_ago)).naive_utc();
        let snapshot = Snapshot::new(now, vec![(at(5), seat(3)), (at(30), seat(1)), (at(10), seat(2))]);
        let answer = snapshot.answer(at(11)).await.unwrap();
        let body: SeatChanges = serde_json::from_slice(&answer.json).unwrap();
        assert_eq!(body.as_of, now.timestamp_millis());
        assert_eq!(
            body.courses.iter().map(|c| c.enrolled).collect::<Vec<_>>(),
            [2, 3],
            "oldest first, after the moment only"
        );
        assert!(Arc::ptr_eq(&answer, &snapshot.answer(at(11)).await.unwrap()));
        assert!(
            snapshot.answer(at(301)).await.is_none(),
            "before the window: not this read's to answer"
        );
    }
}
