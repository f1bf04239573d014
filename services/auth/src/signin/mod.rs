//! Who may try a password, and when: the rules of sign-in.
//!
//! Read with the contract's "sign-in limits": limits on an address count
//! only failures and slow that address down without shutting it (a campus
//! behind one NAT must keep working); limits on an account cover every
//! attempt and cap the hashes in flight for it; failures are counted per
//! (account, address) so that an attacker elsewhere cannot lock a student
//! out, and per account across all addresses to bound guessing. Failures
//! are kept in the database, so every replica of auth counts the same.

mod account_limits;
mod client_address;
mod ledger;
mod policy;

pub use account_limits::{AccountLimits, Refusal};
pub use client_address::ClientAddresses;
pub use ledger::FailureLedger;
pub use policy::{SignInPolicy, Verdict};
