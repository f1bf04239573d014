//! The limits and the decision they lead to, free of I/O so they can be
//! tested on their own.

use std::time::Duration;

/// Limits of sign-in.
#[derive(Debug, Clone, Copy)]
pub struct SignInPolicy {
    /// Failures of one account from one address before that pair is
    /// refused until its window ends.
    pub failures_per_pair: u32,
    pub pair_window: Duration,
    /// Failures of one account from all addresses together before only the
    /// addresses it has signed in from may still try (ASVS V2.2.1: at most
    /// 100 failed guesses an hour).
    pub failures_per_account: u32,
    pub account_window: Duration,
    /// Failures from one address (all accounts) before its attempts wait
    /// behind everyone else's: slowed, never refused.
    pub failures_per_address: u32,
    pub address_window: Duration,
    /// How long an address an account signed in from is remembered.
    pub known_address_window: Duration,
    /// Attempts, successes included, of one account per minute (per
    /// replica).
    pub attempts_per_account_minute: u32,
    /// Hashes of one account in flight at once (per replica).
    pub in_flight_per_account: u32,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        Self {
            failures_per_pair: 5,
            pair_window: Duration::from_secs(15 * 60),
            failures_per_account: 100,
            account_window: Duration::from_secs(60 * 60),
            failures_per_address: 50,
            address_window: Duration::from_secs(15 * 60),
            known_address_window: Duration::from_secs(30 * 24 * 60 * 60),
            attempts_per_account_minute: 60,
            in_flight_per_account: 2,
        }
    }
}

/// What the ledger holds about one attempt's account and address; each
/// count is of the current window only, with the seconds until it ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    pub pair: (u32, u64),
    pub account: (u32, u64),
    pub address: u32,
    /// The account has signed in from this address before.
    pub known_address: bool,
}

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Hash the password; `suspect` puts it behind everyone else.
    Proceed { suspect: bool },
    /// Refused; the seconds until an attempt from here can succeed.
    Refuse { retry_after: u64 },
}

impl SignInPolicy {
    pub fn judge(&self, standing: &Standing) -> Verdict {
        let (pair_failures, pair_left) = standing.pair;
        if pair_failures >= self.failures_per_pair {
            return Verdict::Refuse {
                retry_after: pair_left.max(1),
            };
        }
        let (account_failures, account_left) = standing.account;
        if account_failures >= self.failures_per_account && !standing.known_address {
            return Verdict::Refuse {
                retry_after: account_left.max(1),
            };
        }
        Verdict::Proceed {
            suspect: standing.address >= self.failures_per_address,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_refused_for_the_rest_of_its_window() {
        let policy = SignInPolicy::default();
        let standing = Standing {
            pair: (5, 120),
            ..Standing::default()
        };
        assert_eq!(policy.judge(&standing), Verdict::Refuse { retry_after: 120 });
    }

    #[test]
    fn an_account_under_attack_still_admits_its_known_addresses() {
        let policy = SignInPolicy::default();
        let mut standing = Standing {
            account: (100, 3000),
            ..Standing::default()
        };
        assert_eq!(policy.judge(&standing), Verdict::Refuse { retry_after: 3000 });
        standing.known_address = true;
        assert_eq!(policy.judge(&standing), Verdict::Proceed { suspect: false });
    }

    #[test]
    fn a_busy_address_is_slowed_not_refused() {
        let policy = SignInPolicy::default();
        let standing = Standing {
            address: 10_000,
            ..Standing::default()
        };
        assert_eq!(policy.judge(&standing), Verdict::Proceed { suspect: true });
    }
}
