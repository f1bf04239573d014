//! The line for PostgreSQL's connections: a busy database is not a dead one.
//!
//! Requests wait for one of the pool's permits in order (tokio's semaphore
//! is fair). How long a request may wait depends on why it waits:
//!
//! - the database answers, only slowly (thousands of students at the
//!   window's opening second): the request keeps its place for up to
//!   [`LINE_BUDGET`], within the app's 3 s first-byte budget, and past it is
//!   answered 503 `busy` with a `Retry-After` computed from the line (its
//!   place times the time a connection takes per request);
//! - the database does not answer (stopped, hung, cut off): work has been
//!   in flight and none has finished for [`SILENT_FOR`], and every waiting
//!   request is answered 503 `database_unavailable` at once.
//!
//! Once a request holds a permit its work has the contract's 2 s
//! (`PG_DEADLINE`), which is what ends a query sent to a hung server.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use std::sync::Once;

use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use super::DbError;
use std::sync::Arc;

/// How long a request keeps its place in line while the database answers:
/// the app gives a request 3 s to its first byte, and the work itself, on a
/// busy database, takes tens of milliseconds.
pub const LINE_BUDGET: Duration = Duration::from_millis(2_500);

/// How long the database may go without finishing any work in flight
/// before it counts as not answering: the contract's 2 s.
pub const SILENT_FOR: Duration = Duration::from_secs(2);

/// How often the watcher looks at the database's pulse.
const PULSE_CHECK: Duration = Duration::from_millis(100);

pub struct Line {
    /// Whether the database is silent now, kept by one watcher task per
    /// line (ten looks a second), so that waiting requests need no timer
    /// of their own but their budget's.
    silence: watch::Sender<bool>,
    watcher: Once,
    permits: Arc<Semaphore>,
    size: usize,
    waiting: AtomicUsize,
    in_flight: AtomicUsize,
    born: Instant,
    /// When work last finished (successfully or not), or started after
    /// none was in flight, in ms since `born`.
    last_finished_ms: AtomicU64,
    /// A moving average of how long a connection is held per request, in
    /// microseconds: what a place in line costs.
    held_us: AtomicU64,
}

/// Work in flight on a connection: counted until it finishes, even past
/// its deadline (a thread blocked on a hung server is still in flight).
pub struct InFlight<'a> {
    line: &'a Line,
    started: Instant,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let line = self.line;
        line.in_flight.fetch_sub(1, Ordering::AcqRel);
        line.last_finished_ms.store(line.now_ms(), Ordering::Release);
        let took = self.started.elapsed().as_micros().min(u128::from(u32::MAX)) as u64;
        // An exponential average over about the last 16 requests.
        let before = line.held_us.load(Ordering::Relaxed);
        line.held_us.store(before - before / 16 + took / 16, Ordering::Relaxed);
    }
}

impl Line {
    pub fn new(size: u32) -> Self {
        Self {
            silence: watch::Sender::new(false),
            watcher: Once::new(),
            permits: Arc::new(Semaphore::new(size as usize)),
            size: size as usize,
            waiting: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            born: Instant::now(),
            last_finished_ms: AtomicU64::new(0),
            held_us: AtomicU64::new(5_000),
        }
    }

    fn now_ms(&self) -> u64 {
        self.born.elapsed().as_millis() as u64
    }

    /// Whether work is in flight and none has finished for [`SILENT_FOR`].
    fn silent(&self) -> bool {
        // Read first: another thread may finish work between the two reads.
        let last_finished = self.last_finished_ms.load(Ordering::Acquire);
        let quiet_ms = self.now_ms().saturating_sub(last_finished);
        self.in_flight.load(Ordering::Acquire) > 0 && quiet_ms >= SILENT_FOR.as_millis() as u64
    }

    /// Seconds until a request at `place` would be served, at the pace
    /// the line moves now.
    fn retry_after(&self, place: usize) -> u64 {
        let per_place_us = self.held_us.load(Ordering::Relaxed) / self.size.max(1) as u64;
        (place as u64 * per_place_us).div_ceil(1_000_000).max(1)
    }

    /// Takes a place in line and waits for a permit, or says why not (see
    /// the module).
    pub async fn enter(self: &Arc<Self>) -> Result<OwnedSemaphorePermit, DbError> {
        self.watcher.call_once(|| self.watch_for_silence());
        // A free permit is taken even while the database is silent: work
        // on it may reach a database that came back (or a new primary,
        // through a new connection) while older work still hangs on the
        // old one; refusing it would keep the line silent until that work
        // ends.
        let place = self.waiting.fetch_add(1, Ordering::AcqRel) + 1;
        let _leaves = Leaves(&self.waiting);
        let mut silence = self.silence.subscribe();
        tokio::select! {
            biased;
            granted = self.permits.clone().acquire_owned() => {
                granted.map_err(|_| DbError::Unavailable("the pool is closed".into()))
            }
            Ok(_) = silence.wait_for(|silent| *silent) => {
                Err(DbError::Unavailable(format!("no answer for {SILENT_FOR:?}")))
            }
            () = tokio::time::sleep(LINE_BUDGET) => {
                // The place now: those ahead who were served have moved it up.
                let ahead = self.waiting.load(Ordering::Acquire).min(place);
                Err(DbError::Busy {
                    place: ahead,
                    retry_after: self.retry_after(ahead),
                })
            }
        }
    }

    /// Starts the task that looks at the database's pulse, for as long as
    /// the line lives.
    fn watch_for_silence(self: &Arc<Self>) {
        let line = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut pulse = tokio::time::interval(PULSE_CHECK);
            loop {
                pulse.tick().await;
                let Some(line) = line.upgrade() else { break };
                let silent = line.silent();
                line.silence
                    .send_if_modified(|was| std::mem::replace(was, silent) != silent);
            }
        });
    }

    /// Marks work as started on a connection, until the guard drops.
    pub fn start(&self) -> InFlight<'_> {
        if self.in_flight.fetch_add(1, Ordering::AcqRel) == 0 {
            // Work after an idle spell: the silence is counted from now,
            // not from the last work before the spell.
            self.last_finished_ms.store(self.now_ms(), Ordering::Release);
        }
        InFlight {
            line: self,
            started: Instant::now(),
        }
    }
}

/// Leaves the line's count when the wait ends, however it ends.
struct Leaves<'a>(&'a AtomicUsize);

impl Drop for Leaves<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_busy_line_keeps_a_place_then_says_when_to_come_back() {
        let line = Arc::new(Line::new(1));
        let held = line.enter().await.unwrap();
        // Work keeps finishing: the database is alive.
        let pulse = {
            let line = line.clone();
            tokio::spawn(async move {
                loop {
                    drop(line.start());
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
        };
        let started = tokio::time::Instant::now();
        let refused = line.enter().await.unwrap_err();
        assert!(started.elapsed() >= LINE_BUDGET, "{:?}", started.elapsed());
        assert!(
            matches!(refused, DbError::Busy { place: 1, retry_after } if retry_after >= 1),
            "{refused:?}"
        );
        drop(held);
        assert!(line.enter().await.is_ok());
        pulse.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn work_after_an_idle_spell_is_not_silence() {
        let line = Arc::new(Line::new(1));
        tokio::time::sleep(SILENT_FOR * 3).await;
        let held = line.enter().await.unwrap();
        let work = line.start();
        tokio::time::sleep(SILENT_FOR / 2).await;
        assert!(!line.silent(), "an idle spell counted as silence");
        drop(work);
        drop(held);
    }

    #[tokio::test(start_paused = true)]
    async fn a_free_permit_is_taken_even_while_older_work_hangs() {
        let line = Arc::new(Line::new(2));
        let held = line.enter().await.unwrap();
        let _stuck = line.start();
        tokio::time::sleep(SILENT_FOR * 2).await;
        // The second permit is free: its work may reach a new primary.
        assert!(line.enter().await.is_ok());
        drop(held);
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_database_is_unavailable_within_its_silence() {
        let line = Arc::new(Line::new(1));
        let _held = line.enter().await.unwrap();
        // Work started and never finishes: a hung server.
        let _stuck = line.start();
        let started = tokio::time::Instant::now();
        let refused = line.enter().await.unwrap_err();
        assert!(matches!(refused, DbError::Unavailable(_)), "{refused:?}");
        assert!(started.elapsed() <= SILENT_FOR + PULSE_CHECK, "{:?}", started.elapsed());
    }
}
