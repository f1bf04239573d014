//! PBKDF2-HMAC-SHA256 password hashing on a dedicated pool of low-priority
//! threads.
//!
//! One hash takes ~85 ms of CPU. Run inline on the async runtime it starves
//! every other request; on tokio's blocking pool it competes with the request
//! threads as an equal. Here it runs on threads with a lower scheduling
//! priority (nice 10), so logins use the spare CPU and a `/auth/me` or a
//! health check is served first. The queue is bounded: when it is full the
//! caller is told to come back (503) instead of piling up work.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use pbkdf2::password_hash::phc::PasswordHash;
use pbkdf2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use pbkdf2::{Algorithm, Params, Pbkdf2};
use tokio::sync::oneshot;

/// OWASP Password Storage Cheat Sheet (2023): PBKDF2-HMAC-SHA256 with at
/// least 600,000 iterations.
pub const MIN_ITERATIONS: u32 = 600_000;

/// Nice value of the hashing threads (0 is normal, 19 the lowest).
const HASHING_NICENESS: i32 = 10;

type Job = Box<dyn FnOnce() + Send>;

/// The hashing pool is saturated; the caller should retry shortly.
#[derive(Debug, thiserror::Error)]
#[error("password hashing is saturated")]
pub struct HasherBusy;

/// Hashes and verifies passwords off the async runtime.
pub struct PasswordHasher {
    jobs: SyncSender<Job>,
    pbkdf2: Pbkdf2,
    /// A hash of a random password, verified against when the email is
    /// unknown so that both failures take the same time.
    decoy: String,
}

impl PasswordHasher {
    /// Starts `threads` hashing threads and computes the decoy hash.
    pub async fn start(threads: usize, iterations: u32) -> anyhow::Result<Arc<Self>> {
        let iterations = iterations.max(MIN_ITERATIONS);
        let params = Params::new(iterations).map_err(|e| anyhow::anyhow!("bad PBKDF2 parameters: {e}"))?;
        let pbkdf2 = Pbkdf2::new(Algorithm::Pbkdf2Sha256, params);
        let (jobs, queue) = sync_channel::<Job>(256);
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("pbkdf2-{n}"))
                .spawn(move || hashing_thread(&queue))?;
        }
        let mut hasher = Self {
            jobs,
            pbkdf2,
            decoy: String::new(),
        };
        let random = uuid::Uuid::new_v4().to_string();
        hasher.decoy = hasher.hash(random).await?;
        Ok(Arc::new(hasher))
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, HasherBusy> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = reply.send(work());
        });
        match self.jobs.try_send(job) {
            Ok(()) => answer.await.map_err(|_| HasherBusy),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => Err(HasherBusy),
        }
    }

    /// Hashes `password` with a fresh random salt into a PHC string
    /// (`$pbkdf2-sha256$i=600000,l=32$<salt>$<hash>`).
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let pbkdf2 = self.pbkdf2;
        self.run(move || pbkdf2.hash_password(password.as_bytes()).map(|h| h.to_string()))
            .await?
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    }

    /// Whether `password` matches the PHC string `stored`; with `None` (no
    /// such user) it checks against the decoy and answers false, taking the
    /// same time as a real check.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, HasherBusy> {
        let pbkdf2 = self.pbkdf2;
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.decoy.clone());
        let matches = self
            .run(move || {
                PasswordHash::new(&phc)
                    .map(|hash| pbkdf2.verify_password(password.as_bytes(), &hash).is_ok())
                    .unwrap_or(false)
            })
            .await?;
        Ok(known && matches)
    }
}

fn hashing_thread(queue: &Mutex<Receiver<Job>>) {
    lower_priority();
    loop {
        // The lock is held only while waiting for the next job, not while
        // hashing, so the threads hash in parallel.
        let job = match queue.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
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
