//! Limits on one account's attempts, successes included, kept in memory:
//! attempts per minute, and hashes in flight at once. They keep one account
//! (a script, or a student pressing Sign in sixty times) from taking the
//! hashing threads from everyone else, and parallel guessing of one
//! account from getting ahead of the failure counts.
//!
//! Entries live while an attempt is in flight or their minute lasts; the
//! map is swept of ended entries whenever it has doubled since the last
//! sweep, so its size is bounded by the live entries and each check costs
//! O(1) amortised.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

const MINUTE: Duration = Duration::from_secs(60);
const MIN_SWEEP_SIZE: usize = 4096;

struct AccountUse {
    in_flight: u32,
    minute_started: Instant,
    attempts: u32,
}

struct Accounts {
    by_email: HashMap<String, AccountUse>,
    sweep_at: usize,
}

/// Per-account attempt limits of this replica.
pub struct AccountLimits {
    attempts_per_minute: u32,
    in_flight: u32,
    accounts: Mutex<Accounts>,
}

/// Why an attempt was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The account's attempts this minute are used up; seconds left.
    TooManyAttempts(u64),
    /// As many of this account's attempts as allowed are being hashed.
    TooManyInFlight,
}

/// An admitted attempt; dropping it ends it.
pub struct InFlight {
    limits: Arc<AccountLimits>,
    email: String,
}

impl AccountLimits {
    pub fn new(attempts_per_minute: u32, in_flight: u32) -> Arc<Self> {
        Arc::new(Self {
            attempts_per_minute: attempts_per_minute.max(1),
            in_flight: in_flight.max(1),
            accounts: Mutex::new(Accounts {
                by_email: HashMap::new(),
                sweep_at: MIN_SWEEP_SIZE,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Accounts> {
        self.accounts.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Admits one attempt of `email`, or says why not.
    pub fn admit(self: &Arc<Self>, email: &str) -> Result<InFlight, Refusal> {
        let now = Instant::now();
        let mut accounts = self.lock();
        if accounts.by_email.len() >= accounts.sweep_at {
            accounts
                .by_email
                .retain(|_, used| used.in_flight > 0 || now.duration_since(used.minute_started) < MINUTE);
            accounts.sweep_at = (accounts.by_email.len() * 2).max(MIN_SWEEP_SIZE);
        }
        let used = accounts.by_email.entry(email.to_owned()).or_insert(AccountUse {
            in_flight: 0,
            minute_started: now,
            attempts: 0,
        });
        if now.duration_since(used.minute_started) >= MINUTE {
            used.minute_started = now;
            used.attempts = 0;
        }
        if used.attempts >= self.attempts_per_minute {
            let left = MINUTE.saturating_sub(now.duration_since(used.minute_started));
            return Err(Refusal::TooManyAttempts(left.as_secs() + 1));
        }
        if used.in_flight >= self.in_flight {
            return Err(Refusal::TooManyInFlight);
        }
        used.in_flight += 1;
        Ok(InFlight {
            limits: Arc::clone(self),
            email: email.to_owned(),
        })
    }
}

impl InFlight {
    /// The attempt goes ahead to be hashed: only now does it count toward
    /// the account's attempts per minute, so answers of ours that are not
    /// about the password (a full queue, a database away) cost the user
    /// nothing.
    pub fn count_attempt(&self) {
        if let Some(used) = self.limits.lock().by_email.get_mut(&self.email) {
            used.attempts += 1;
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut accounts = self.limits.lock();
        if let Some(used) = accounts.by_email.get_mut(&self.email) {
            used.in_flight = used.in_flight.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_attempts_in_flight_and_gives_them_back() {
        let limits = AccountLimits::new(60, 2);
        let first = limits.admit("a@x.edu").unwrap();
        let _second = limits.admit("a@x.edu").unwrap();
        assert_eq!(limits.admit("a@x.edu").err(), Some(Refusal::TooManyInFlight));
        assert!(limits.admit("b@x.edu").is_ok(), "other accounts are not held up");
        drop(first);
        assert!(limits.admit("a@x.edu").is_ok());
    }

    #[test]
    fn caps_attempts_per_minute_with_the_real_wait() {
        let limits = AccountLimits::new(3, 10);
        // Admitted but never hashed (say, turned away by a full queue):
        // not counted.
        for _ in 0..5 {
            drop(limits.admit("a@x.edu").unwrap());
        }
        for _ in 0..3 {
            limits.admit("a@x.edu").unwrap().count_attempt();
        }
        match limits.admit("a@x.edu") {
            Err(Refusal::TooManyAttempts(seconds)) => assert!((1..=60).contains(&seconds)),
            other => panic!("expected a refusal, got {:?}", other.err()),
        }
    }
}
