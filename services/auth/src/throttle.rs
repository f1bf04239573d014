//! Throttling of failed logins, per email and per client address.
//!
//! An attempt is counted when it starts, not when it fails, so a burst of
//! parallel guesses cannot slip through before the first failure is
//! recorded; a success takes its attempt back. Counts live in this process:
//! each auth replica throttles on its own, which bounds guessing per replica.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Limits of the throttle.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub per_email: u32,
    pub per_client: u32,
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        // Five guesses at one account per quarter hour; a client address (a
        // campus NAT may hide many people) gets more.
        Self {
            per_email: 5,
            per_client: 50,
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    attempts: u32,
}

struct Counter<K> {
    windows: HashMap<K, Window>,
}

impl<K: Eq + Hash + Clone> Counter<K> {
    fn new() -> Self {
        Self {
            windows: HashMap::new(),
        }
    }

    fn current(&mut self, key: &K, now: Instant, window: Duration) -> Window {
        let entry = self.windows.entry(key.clone()).or_insert(Window {
            started: now,
            attempts: 0,
        });
        if now.duration_since(entry.started) >= window {
            *entry = Window {
                started: now,
                attempts: 0,
            };
        }
        *entry
    }

    fn add(&mut self, key: &K, delta: i32) {
        if let Some(w) = self.windows.get_mut(key) {
            w.attempts = w.attempts.saturating_add_signed(delta);
        }
    }

    fn forget_expired(&mut self, now: Instant, window: Duration) {
        self.windows.retain(|_, w| now.duration_since(w.started) < window);
    }
}

struct Counters {
    by_email: Counter<String>,
    by_client: Counter<IpAddr>,
}

/// The login throttle.
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    counters: Mutex<Counters>,
}

/// An attempt that was let through; hand it back on success.
#[derive(Debug)]
pub struct Attempt {
    email: String,
    client: IpAddr,
}

impl LoginThrottle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self {
            policy,
            counters: Mutex::new(Counters {
                by_email: Counter::new(),
                by_client: Counter::new(),
            }),
        }
    }

    /// Counts an attempt, or refuses it with the seconds until the window
    /// that blocks it ends.
    pub fn begin(&self, email: &str, client: IpAddr) -> Result<Attempt, u64> {
        let now = Instant::now();
        let window = self.policy.window;
        let mut counters = self.counters.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Keep memory bounded under a flood of distinct emails.
        if counters.by_email.windows.len() > 100_000 {
            counters.by_email.forget_expired(now, window);
            counters.by_client.forget_expired(now, window);
        }
        let email_key = email.to_owned();
        let by_email = counters.by_email.current(&email_key, now, window);
        let by_client = counters.by_client.current(&client, now, window);
        let retry_after = |w: Window| window.saturating_sub(now.duration_since(w.started)).as_secs().max(1);
        if by_email.attempts >= self.policy.per_email {
            return Err(retry_after(by_email));
        }
        if by_client.attempts >= self.policy.per_client {
            return Err(retry_after(by_client));
        }
        counters.by_email.add(&email_key, 1);
        counters.by_client.add(&client, 1);
        Ok(Attempt {
            email: email_key,
            client,
        })
    }

    /// The attempt succeeded: the account's failures are forgiven and the
    /// attempt no longer counts against the client.
    pub fn succeeded(&self, attempt: Attempt) {
        let mut counters = self.counters.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        counters.by_email.windows.remove(&attempt.email);
        counters.by_client.add(&attempt.client, -1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy {
            per_email: 3,
            per_client: 5,
            window: Duration::from_secs(60),
        }
    }

    #[test]
    fn blocks_an_email_after_its_limit_but_not_others() {
        let throttle = LoginThrottle::new(policy());
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            throttle.begin("a@x.edu", ip).unwrap();
        }
        assert!(throttle.begin("a@x.edu", ip).unwrap_err() >= 1);
        throttle.begin("b@x.edu", ip).unwrap();
    }

    #[test]
    fn blocks_a_client_after_its_limit_and_success_gives_back() {
        let throttle = LoginThrottle::new(policy());
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        let first = throttle.begin("u0@x.edu", ip).unwrap();
        throttle.succeeded(first);
        for n in 0..5 {
            throttle.begin(&format!("u{n}@x.edu"), ip).unwrap();
        }
        assert!(throttle.begin("other@x.edu", ip).is_err());
        throttle.begin("other@x.edu", "10.0.0.3".parse().unwrap()).unwrap();
    }
}
