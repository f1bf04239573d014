//! Failed sign-ins in auth's database, so that every replica counts the
//! same failures and a restart forgets nothing.
//!
//! Each check reads at most four rows by primary key, and each failure
//! writes three: O(1) per attempt. Rows whose window has ended are deleted
//! now and then, so the table holds only live windows.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use service_common::db::Database;
use service_common::{db_run, db_write};

use super::client_address::address_key;
use super::policy::{SignInPolicy, Standing};
use crate::error::{Error, Result};
use crate::schema::login_failures;

/// One in this many recorded failures also sweeps out ended windows.
const SWEEP_EVERY: u32 = 64;

/// The shared record of failed sign-ins.
pub struct FailureLedger {
    policy: SignInPolicy,
    writes: AtomicU32,
}

struct Subjects {
    pair: String,
    account: String,
    address: String,
    known: String,
}

impl Subjects {
    fn new(email: &str, client: IpAddr) -> Self {
        let address = address_key(client);
        Self {
            pair: format!("pair:{email} {address}"),
            account: format!("account:{email}"),
            known: format!("known:{email} {address}"),
            address: format!("address:{address}"),
        }
    }
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

fn seconds_until(end: NaiveDateTime, now: NaiveDateTime) -> u64 {
    u64::try_from((end - now).num_seconds()).unwrap_or(0) + 1
}

fn window_end(now: NaiveDateTime, window: Duration) -> NaiveDateTime {
    now + chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX)
}

impl FailureLedger {
    pub fn new(policy: SignInPolicy) -> Self {
        Self {
            policy,
            writes: AtomicU32::new(0),
        }
    }

    pub fn policy(&self) -> &SignInPolicy {
        &self.policy
    }

    /// The live counts for `email` signing in from `client`.
    pub async fn standing(&self, db: &Database, email: &str, client: IpAddr) -> Result<Standing> {
        let subjects = Subjects::new(email, client);
        let keys = [
            subjects.pair.clone(),
            subjects.account.clone(),
            subjects.address.clone(),
            subjects.known.clone(),
        ];
        let now = now();
        let rows: Vec<(String, i32, NaiveDateTime)> = db_run!(db, |conn| login_failures::table
            .filter(login_failures::subject.eq_any(&keys))
            .filter(login_failures::window_ends_at.gt(now))
            .select((
                login_failures::subject,
                login_failures::failures,
                login_failures::window_ends_at,
            ))
            .load(conn)
            .map_err(Error::from))?;
        let mut standing = Standing::default();
        for (subject, failures, ends) in rows {
            let count = u32::try_from(failures).unwrap_or(0);
            if subject == subjects.pair {
                standing.pair = (count, seconds_until(ends, now));
            } else if subject == subjects.account {
                standing.account = (count, seconds_until(ends, now));
            } else if subject == subjects.address {
                standing.address = count;
            } else if subject == subjects.known {
                standing.known_address = true;
            }
        }
        Ok(standing)
    }

    /// A wrong password (or an unknown email): one more failure for the
    /// pair, the account and the address.
    pub async fn record_failure(&self, db: &Database, email: &str, client: IpAddr) -> Result<()> {
        let subjects = Subjects::new(email, client);
        let policy = self.policy;
        let sweep = self.writes.fetch_add(1, Ordering::Relaxed).is_multiple_of(SWEEP_EVERY);
        db_write!(db, |conn| {
            let now = now();
            for (subject, window) in [
                (&subjects.pair, policy.pair_window),
                (&subjects.account, policy.account_window),
                (&subjects.address, policy.address_window),
            ] {
                let counted = diesel::update(
                    login_failures::table
                        .filter(login_failures::subject.eq(subject))
                        .filter(login_failures::window_ends_at.gt(now)),
                )
                .set(login_failures::failures.eq(login_failures::failures + 1))
                .execute(conn)?;
                if counted == 0 {
                    // No live window: open one (replacing an ended one).
                    let ends = window_end(now, window);
                    diesel::insert_into(login_failures::table)
                        .values((
                            login_failures::subject.eq(subject),
                            login_failures::failures.eq(1),
                            login_failures::window_ends_at.eq(ends),
                        ))
                        .on_conflict(login_failures::subject)
                        .do_update()
                        .set((login_failures::failures.eq(1), login_failures::window_ends_at.eq(ends)))
                        .execute(conn)?;
                }
            }
            if sweep {
                diesel::delete(login_failures::table.filter(login_failures::window_ends_at.le(now))).execute(conn)?;
            }
            Ok::<_, Error>(())
        })
    }

    /// The right password: the pair's failures are forgiven (the person is
    /// here), and the address is remembered as one the account uses. The
    /// account's and the address's failures stand. Nothing is written when
    /// there is nothing new (a known address, no failures), so an everyday
    /// sign-in costs no write.
    pub async fn record_success(&self, db: &Database, email: &str, client: IpAddr, before: &Standing) -> Result<()> {
        if before.known_address && before.pair.0 == 0 {
            return Ok(());
        }
        let subjects = Subjects::new(email, client);
        let window = self.policy.known_address_window;
        db_write!(db, |conn| {
            let now = now();
            diesel::delete(login_failures::table.filter(login_failures::subject.eq(&subjects.pair))).execute(conn)?;
            let ends = window_end(now, window);
            diesel::insert_into(login_failures::table)
                .values((
                    login_failures::subject.eq(&subjects.known),
                    login_failures::failures.eq(0),
                    login_failures::window_ends_at.eq(ends),
                ))
                .on_conflict(login_failures::subject)
                .do_update()
                .set(login_failures::window_ends_at.eq(ends))
                .execute(conn)?;
            Ok::<_, Error>(())
        })
    }
}
