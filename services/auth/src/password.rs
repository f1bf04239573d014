//! PBKDF2-HMAC-SHA256 password hashing on a dedicated pool of low-priority
//! threads, fed by a bounded, fair queue.
//!
//! One hash takes ~85 ms of CPU. Run inline on the async runtime it starves
//! every other request; on tokio's blocking pool it competes with the request
//! threads as an equal. Here it runs on threads with a lower scheduling
//! priority (nice 10), so logins use the spare CPU and a `/auth/me` or a
//! health check is served first.
//!
//! The queue holds at most `max_wait` worth of hashing at the measured rate,
//! so a queued sign-in is answered within the client's timeout; past that
//! the caller is told when the queue will have room for it (503 with
//! `Retry-After`), not left to time out. Callers turned away are given
//! successive places, 1/rate apart, so they come back spread out. A burst of sign-ins is therefore
//! served in arrival order at the machine's hashing rate. Jobs of callers
//! that have gone are skipped, and attempts from addresses with many recent
//! failures wait behind everyone else.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use pbkdf2::password_hash::phc::PasswordHash;
use pbkdf2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use pbkdf2::{Algorithm, Params, Pbkdf2};
use shared_types::Secret;
use tokio::sync::oneshot;

/// OWASP Password Storage Cheat Sheet (2023): PBKDF2-HMAC-SHA256 with at
/// least 600,000 iterations.
pub const MIN_ITERATIONS: u32 = 600_000;

/// Nice value of the hashing threads (0 is normal, 19 the lowest).
const HASHING_NICENESS: i32 = 10;

/// Weight of the newest hash in the running mean of hash times.
const MEAN_WEIGHT: f64 = 0.1;

/// A hash to compute; answers whether it ran (its caller may have gone).
type Job = Box<dyn FnOnce() -> bool + Send>;

/// The hashing queue is full; the caller should come back after
/// `retry_after` seconds, when the queue has room again.
#[derive(Debug, thiserror::Error)]
#[error("password hashing is saturated; retry in {retry_after} s")]
pub struct HasherBusy {
    pub retry_after: u64,
}

/// Which lane of the queue a hash waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Everyone, served first, in arrival order.
    Normal,
    /// Attempts from an address with many recent failures: served when no
    /// normal attempt waits, so such an address slows down but is not shut.
    Suspect,
}

struct Lanes {
    normal: VecDeque<Job>,
    suspect: VecDeque<Job>,
    /// Places promised to tickets whose job is not queued yet.
    reserved: usize,
    mean_hash_seconds: f64,
    /// When the last caller turned away was told to come back: each next
    /// one is given the following free place, so a crowd turned away comes
    /// back spread out at the hashing rate, in arrival order, instead of
    /// all at once.
    last_comeback: Option<Instant>,
}

impl Lanes {
    fn waiting(&self) -> usize {
        self.normal.len() + self.suspect.len() + self.reserved
    }

    /// The queue's depth, for the operators' metrics.
    fn report(&self) {
        metrics::gauge!("password_hashing_waiting").set(self.waiting() as f64);
    }
}

struct Queue {
    lanes: Mutex<Lanes>,
    job_ready: Condvar,
    threads: usize,
    max_wait: Duration,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Lanes> {
        self.lanes.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn hashes_per_second(&self, lanes: &Lanes) -> f64 {
        self.threads as f64 / lanes.mean_hash_seconds.max(0.001)
    }

    /// How many attempts may wait: `max_wait` of hashing, and never fewer
    /// than two per thread.
    fn capacity(&self, lanes: &Lanes) -> usize {
        let by_time = (self.max_wait.as_secs_f64() * self.hashes_per_second(lanes)) as usize;
        by_time.max(2 * self.threads)
    }

    fn reserve(self: &Arc<Self>) -> Result<Ticket, HasherBusy> {
        let mut lanes = self.lock();
        let capacity = self.capacity(&lanes);
        let waiting = lanes.waiting();
        if waiting >= capacity {
            // A place frees every 1/rate seconds; this caller gets the first
            // one not already promised to someone turned away before.
            let per_place = Duration::from_secs_f64(1.0 / self.hashes_per_second(&lanes));
            let now = Instant::now();
            let first_free = now + per_place * (waiting + 1 - capacity) as u32;
            let comeback = lanes
                .last_comeback
                .map_or(first_free, |last| (last + per_place).max(first_free));
            lanes.last_comeback = Some(comeback);
            metrics::counter!("password_hashing_turned_away_total").increment(1);
            let seconds = comeback.duration_since(now).as_secs_f64().ceil() as u64;
            return Err(HasherBusy {
                retry_after: seconds.max(1),
            });
        }
        lanes.reserved += 1;
        lanes.report();
        Ok(Ticket {
            queue: Some(Arc::clone(self)),
        })
    }

    /// A place whatever the queue holds: for the few hashes of new
    /// passwords (accounts created by an admin or seeded at start), which
    /// must wait their turn rather than fail when sign-ins fill the queue.
    fn reserve_always(self: &Arc<Self>) -> Ticket {
        self.lock().reserved += 1;
        Ticket {
            queue: Some(Arc::clone(self)),
        }
    }

    fn next_job(&self) -> Job {
        let mut lanes = self.lock();
        loop {
            if let Some(job) = lanes.normal.pop_front().or_else(|| lanes.suspect.pop_front()) {
                lanes.report();
                return job;
            }
            lanes = self
                .job_ready
                .wait(lanes)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn record_hash_time(&self, took: Duration) {
        let mut lanes = self.lock();
        lanes.mean_hash_seconds = lanes.mean_hash_seconds * (1.0 - MEAN_WEIGHT) + took.as_secs_f64() * MEAN_WEIGHT;
    }
}

/// A place in the hashing queue, promised before the database is asked
/// about the account, so that a full queue is refused before any work.
/// Dropped unused, it gives the place back.
pub struct Ticket {
    queue: Option<Arc<Queue>>,
}

impl Ticket {
    fn submit(mut self, lane: Lane, job: Job) {
        let Some(queue) = self.queue.take() else { return };
        let mut lanes = queue.lock();
        lanes.reserved -= 1;
        match lane {
            Lane::Normal => lanes.normal.push_back(job),
            Lane::Suspect => lanes.suspect.push_back(job),
        }
        drop(lanes);
        queue.job_ready.notify_one();
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Some(queue) = self.queue.take() {
            let mut lanes = queue.lock();
            lanes.reserved -= 1;
            lanes.report();
        }
    }
}

/// Hashes and verifies passwords off the async runtime.
pub struct PasswordHasher {
    queue: Arc<Queue>,
    pbkdf2: Pbkdf2,
    /// A hash of a random password, verified against when the email is
    /// unknown so that both failures take the same time.
    decoy: String,
}

impl PasswordHasher {
    /// Starts `threads` hashing threads whose queue holds at most
    /// `max_wait` of work, and computes the decoy hash (which also gives the
    /// first measure of the hash time).
    pub async fn start(threads: usize, iterations: u32, max_wait: Duration) -> anyhow::Result<Arc<Self>> {
        let iterations = iterations.max(MIN_ITERATIONS);
        let params = Params::new(iterations).map_err(|e| anyhow::anyhow!("bad PBKDF2 parameters: {e}"))?;
        let pbkdf2 = Pbkdf2::new(Algorithm::Pbkdf2Sha256, params);
        let threads = threads.max(1);
        let queue = Arc::new(Queue {
            lanes: Mutex::new(Lanes {
                normal: VecDeque::new(),
                suspect: VecDeque::new(),
                reserved: 0,
                // Replaced by measurement from the first hash on.
                mean_hash_seconds: 0.1,
                last_comeback: None,
            }),
            job_ready: Condvar::new(),
            threads,
            max_wait,
        });
        for n in 0..threads {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("pbkdf2-{n}"))
                .spawn(move || hashing_thread(&queue))?;
        }
        let mut hasher = Self {
            queue,
            pbkdf2,
            decoy: String::new(),
        };
        let started = Instant::now();
        let random = uuid::Uuid::new_v4().to_string();
        hasher.decoy = hasher.hash(random.into()).await?;
        hasher.queue.lock().mean_hash_seconds = started.elapsed().as_secs_f64();
        Ok(Arc::new(hasher))
    }

    /// A place in the queue, or the seconds until there is one.
    pub fn reserve(&self) -> Result<Ticket, HasherBusy> {
        self.queue.reserve()
    }

    /// The seconds a sign-in queued now would wait, rounded up.
    pub fn expected_wait_seconds(&self) -> u64 {
        let lanes = self.queue.lock();
        (lanes.waiting() as f64 / self.queue.hashes_per_second(&lanes))
            .ceil()
            .max(1.0) as u64
    }

    async fn run<T: Send + 'static>(
        &self,
        ticket: Ticket,
        lane: Lane,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HasherBusy> {
        let (reply, answer) = oneshot::channel();
        // The request's span goes with the hash to its thread.
        let span = tracing::Span::current();
        let job: Job = Box::new(move || {
            let _entered = span.enter();
            // The caller gave up (its connection closed): do not spend a
            // hash on nobody.
            if reply.is_closed() {
                return false;
            }
            let _ = reply.send(work());
            true
        });
        ticket.submit(lane, job);
        answer.await.map_err(|_| HasherBusy { retry_after: 1 })
    }

    /// Hashes `password` with a fresh random salt into a PHC string
    /// (`$pbkdf2-sha256$i=600000,l=32$<salt>$<hash>`).
    pub async fn hash(&self, password: Secret) -> anyhow::Result<String> {
        let pbkdf2 = self.pbkdf2;
        let ticket = self.queue.reserve_always();
        self.run(ticket, Lane::Normal, move || {
            pbkdf2
                .hash_password(password.expose().as_bytes())
                .map(|h| h.to_string())
        })
        .await?
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    }

    /// Whether `password` matches the PHC string `stored`; with `None` (no
    /// such user) it checks against the decoy and answers false, taking the
    /// same time as a real check.
    pub async fn verify(
        &self,
        ticket: Ticket,
        lane: Lane,
        password: Secret,
        stored: Option<String>,
    ) -> Result<bool, HasherBusy> {
        let pbkdf2 = self.pbkdf2;
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.decoy.clone());
        let decoy = self.decoy.clone();
        let matches = self
            .run(ticket, lane, move || {
                let Ok(hash) = PasswordHash::new(&phc) else {
                    return false;
                };
                let matches = pbkdf2.verify_password(password.expose().as_bytes(), &hash).is_ok();
                // A cheap hash is an imported user's setup code: the decoy
                // is checked too, so that its answer takes a password's
                // time and does not tell who has not signed in yet.
                if Params::try_from(&hash).is_ok_and(|params| params.rounds() < MIN_ITERATIONS) {
                    if let Ok(decoy) = PasswordHash::new(&decoy) {
                        let _ = pbkdf2.verify_password(password.expose().as_bytes(), &decoy);
                    }
                }
                matches
            })
            .await?;
        Ok(known && matches)
    }
}

fn hashing_thread(queue: &Queue) {
    lower_priority();
    loop {
        let job = queue.next_job();
        // The CPU the hash took, not the time it took: at nice 10 a hash
        // waits while the crowd it is measured for is answered, and a
        // rate from wall time would pace that whole crowd's come-back
        // times at a fraction of what the threads hash once it is gone.
        let started = thread_cpu_time();
        if job() {
            queue.record_hash_time(thread_cpu_time().saturating_sub(started));
        }
    }
}

/// The CPU time the calling thread has used.
#[cfg(target_os = "linux")]
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec through the pointer, which
    // points at a live one.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_time() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // On Linux the nice value is per thread: PRIO_PROCESS with who = 0 is
    // the calling thread.
    // SAFETY: setpriority has no memory-safety preconditions.
    let rc = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, HASHING_NICENESS) };
    if rc != 0 {
        tracing::warn!("could not lower the priority of a hashing thread");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hash's cost is the CPU it takes: a thread that sleeps (as a hash
    /// preempted by the crowd's answers does) adds nothing to it.
    #[test]
    fn the_hash_clock_counts_work_and_not_waiting() {
        let before = thread_cpu_time();
        std::thread::sleep(Duration::from_millis(200));
        let slept = thread_cpu_time().saturating_sub(before);
        assert!(slept < Duration::from_millis(50), "sleeping counted {slept:?}");
        // Work until the clock shows 20 ms of it (however busy the machine
        // is, the thread gets them within a minute).
        let (before, started) = (thread_cpu_time(), Instant::now());
        let mut spin = 0u64;
        while thread_cpu_time().saturating_sub(before) < Duration::from_millis(20) {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the clock did not count the work"
            );
            spin = std::hint::black_box(spin.wrapping_add(1));
        }
    }
}
