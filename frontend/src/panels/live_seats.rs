//! Seat counts kept current in an open catalogue without fetching it again.
//!
//! Every [`POLL_EVERY`] the tab asks `GET /courses/seats?since=` for the
//! courses whose count changed since the moment it holds, and overlays them
//! on the catalogue it has: during the rush a refresh costs bytes in
//! proportion to what changed, not the whole catalogue. The moment is the
//! service's own clock (the catalogue's `X-Seats-As-Of`, then each answer's
//! `as_of`), so any replica can answer it and a failover loses nothing.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared_types::courses::{Course, SeatCount};
use uuid::Uuid;

use crate::api::Api;

/// How often an open catalogue asks for seat changes.
pub const POLL_EVERY: Duration = Duration::from_secs(3);

#[derive(Clone, Copy)]
pub struct LiveSeats {
    /// The newest counts heard since the catalogue was loaded.
    counts: RwSignal<HashMap<Uuid, SeatCount>>,
    since: StoredValue<Option<i64>>,
    known: StoredValue<HashSet<Uuid>>,
    in_flight: StoredValue<bool>,
}

impl LiveSeats {
    pub fn new() -> Self {
        Self {
            counts: RwSignal::new(HashMap::new()),
            since: StoredValue::new(None),
            known: StoredValue::new(HashSet::new()),
            in_flight: StoredValue::new(false),
        }
    }

    /// A catalogue just loaded: its counts are current as of `as_of`, and
    /// updates start from there. They replace every count held: a row is
    /// drawn once and kept across loads, so the course it was drawn with
    /// may be older than the feed's overlap, and a change the tab heard
    /// before this load must not fall back to it.
    pub fn restart(self, courses: &[Course], as_of: Option<i64>) {
        self.known.set_value(courses.iter().map(|c| c.id).collect());
        self.since.set_value(as_of);
        self.counts.try_set(
            courses
                .iter()
                .map(|c| {
                    let count = SeatCount {
                        id: c.id,
                        capacity: c.capacity,
                        enrolled: c.enrolled,
                        archived: c.archived,
                    };
                    (c.id, count)
                })
                .collect(),
        );
    }

    /// `(capacity, enrolled)` of `course` as last heard (the newest
    /// catalogue's, then the feed's); tracked, so a row that shows it
    /// follows every change.
    pub fn seats_of(self, course: &Course) -> (i32, i32) {
        self.counts.with(|counts| {
            counts
                .get(&course.id)
                .map_or((course.capacity, course.enrolled), |c| (c.capacity, c.enrolled))
        })
    }

    /// Polls while `active` says the catalogue is on screen; a course this
    /// tab has never seen, or one it shows that was archived, calls
    /// `reload` (the whole catalogue is needed).
    pub fn follow(self, api: Api, active: impl Fn() -> bool + 'static, reload: impl Fn() + Clone + 'static) {
        let tick = move || {
            let Some(since) = self.since.try_get_value().flatten() else {
                return;
            };
            if !active() || self.in_flight.try_get_value() != Some(false) {
                return;
            }
            self.in_flight.set_value(true);
            let (api, reload) = (api.clone(), reload.clone());
            spawn_local(async move {
                let changes = api.seat_changes(since).await;
                self.in_flight.try_set_value(false);
                // A failed poll changes nothing: the next one asks again
                // from the same moment (another replica, if need be).
                let Ok(changes) = changes else {
                    return;
                };
                // A catalogue loaded meanwhile has started from its own moment.
                if self.since.try_get_value().flatten() != Some(since) {
                    return;
                }
                // A course this tab has never seen (new, or restored), or one
                // it shows that was archived: the list itself changed.
                let list_changed = self
                    .known
                    .try_with_value(|known| changes.courses.iter().any(|c| known.contains(&c.id) == c.archived))
                    .unwrap_or(false);
                if list_changed {
                    // Polling waits for the catalogue this reload brings
                    // (its `restart`), so one new course costs one reload.
                    self.since.try_set_value(None);
                    reload();
                    return;
                }
                self.since.try_set_value(Some(changes.as_of));
                if !changes.courses.is_empty() {
                    self.counts.try_update(|counts| {
                        for seat in changes.courses {
                            counts.insert(seat.id, seat);
                        }
                    });
                }
            });
        };
        if let Ok(handle) = set_interval_with_handle(tick, POLL_EVERY) {
            on_cleanup(move || handle.clear());
        }
    }
}

impl Default for LiveSeats {
    fn default() -> Self {
        Self::new()
    }
}
