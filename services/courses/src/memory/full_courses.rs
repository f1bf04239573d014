//! Courses this replica has just found full, so that a rush's refusals are
//! answered without a statement.
//!
//! In a registration rush most requests are for courses already full (in
//! the bench, 38,000 of 50,000). Each refusal used to be a statement that
//! the database planned and ran, on the same two cores as the service; on
//! PostgreSQL those refusals, not the commits, were what limited the rush.
//!
//! The hint only ever refuses, so it cannot overbook; what it can do is
//! refuse a seat that has just been freed. A seat freed through this
//! replica clears the hint at once (and a refusal that began before that
//! drop does not set it again); a seat freed through another replica is
//! seen when the hint expires, [`TRUSTED_FOR`] after the last request the
//! database refused as full was sent. So a freed seat is never lost, and is refused as
//! full for at most that long: shorter than the catalogue's own staleness.
//!
//! A student who already holds a seat in a full course and asks again is
//! told `course_full` rather than `already_enrolled` while the hint holds:
//! both are 409, both true.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

/// How long the database's "full" is taken on trust.
pub const TRUSTED_FOR: Duration = Duration::from_millis(500);

#[derive(Clone, Copy)]
enum Seen {
    Full(Instant),
    Freed(Instant),
}

pub struct FullCourses {
    trusted_for: Duration,
    seen: Mutex<HashMap<Uuid, Seen>>,
}

impl Default for FullCourses {
    fn default() -> Self {
        Self::new(TRUSTED_FOR)
    }
}

impl FullCourses {
    pub fn new(trusted_for: Duration) -> Self {
        Self {
            trusted_for,
            seen: Mutex::default(),
        }
    }

    /// Whether the database said, within the trusted time, that the course
    /// was full.
    pub fn is_full(&self, course: Uuid) -> bool {
        matches!(
            self.seen().get(&course),
            Some(Seen::Full(at)) if at.elapsed() < self.trusted_for
        )
    }

    /// The database refused a seat as full to a request that `asked_at`;
    /// ignored when a seat was freed through this replica since. The hint
    /// is trusted from `asked_at` (the database's answer is at least that
    /// recent), and a slow answer never pushes a newer one's time back.
    pub fn found_full(&self, course: Uuid, asked_at: Instant) {
        let mut seen = self.seen();
        match seen.get(&course) {
            Some(Seen::Freed(freed_at)) if *freed_at >= asked_at => return,
            Some(Seen::Full(since)) if *since >= asked_at => return,
            _ => {}
        }
        seen.insert(course, Seen::Full(asked_at));
    }

    /// A seat of the course may have been given back through this replica
    /// (a drop that answered an error may still have committed).
    pub fn seat_freed(&self, course: Uuid) {
        self.seen().insert(course, Seen::Freed(Instant::now()));
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Seen>> {
        // The map holds hints only: one left by a panicking thread is
        // still a hint.
        self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_course_is_trusted_for_a_while_then_asked_again() {
        let hint = FullCourses::new(Duration::from_millis(50));
        let course = Uuid::new_v4();
        assert!(!hint.is_full(course));
        hint.found_full(course, Instant::now());
        assert!(hint.is_full(course));
        assert!(!hint.is_full(Uuid::new_v4()));
        std::thread::sleep(Duration::from_millis(60));
        assert!(!hint.is_full(course));
    }

    #[test]
    fn the_hint_is_trusted_from_when_the_database_was_asked() {
        let hint = FullCourses::new(Duration::from_millis(50));
        let course = Uuid::new_v4();
        let asked_at = Instant::now();
        // An answer that took longer than the hint is trusted for.
        std::thread::sleep(Duration::from_millis(60));
        hint.found_full(course, asked_at);
        assert!(!hint.is_full(course));
    }

    #[test]
    fn a_seat_freed_here_clears_the_hint_at_once() {
        let hint = FullCourses::default();
        let course = Uuid::new_v4();
        hint.found_full(course, Instant::now());
        hint.seat_freed(course);
        assert!(!hint.is_full(course));
    }

    #[test]
    fn a_refusal_that_began_before_a_drop_does_not_set_the_hint_again() {
        let hint = FullCourses::default();
        let course = Uuid::new_v4();
        let asked_at = Instant::now();
        hint.seat_freed(course);
        hint.found_full(course, asked_at);
        assert!(!hint.is_full(course));
        // One that began after the drop does.
        hint.found_full(course, Instant::now());
        assert!(hint.is_full(course));
    }
}
