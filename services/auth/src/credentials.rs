//! Checking an email and password under the sign-in limits: the one path
//! by which a password is tried, for signing in and for changing it.

use std::net::IpAddr;

use axum::http::HeaderMap;
use shared_types::{Email, Secret};

use crate::error::{Error, Result};
use crate::models::UserRow;
use crate::password::Lane;
use crate::signin::{Refusal, Verdict};
use crate::state::AppState;
use crate::store;

/// How long an attempt from an address with many recent failures waits
/// before it queues: with the back lane of the hashing queue, this is how
/// such an address is slowed rather than shut.
const SUSPECT_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

/// The stored user whose password `password` is, from the client at `peer`.
///
/// An unknown email and a wrong password give the same 401 after the same
/// work (a decoy hash is checked), so the answer does not tell which emails
/// have accounts. Only those two count as failures: an answer of ours that
/// is not about the password (a database away, a full queue) counts
/// nothing against the user.
pub async fn verify_credentials(
    state: &AppState,
    peer: IpAddr,
    headers: &HeaderMap,
    email: &str,
    password: Secret,
) -> Result<UserRow> {
    // A string that is not an email cannot name an account; refusing it
    // early reveals nothing.
    let email = Email::parse(email).map_err(|_| Error::InvalidCredentials)?;
    let client = state.client_addresses.of(peer, headers);
    let in_flight = state
        .account_limits
        .admit(email.as_str())
        .map_err(|refusal| match refusal {
            Refusal::TooManyAttempts(retry_after) => Error::Throttled { retry_after },
            Refusal::TooManyInFlight => Error::Throttled {
                retry_after: state.hasher.expected_wait_seconds(),
            },
        })?;
    // A place in the queue first: a full queue is refused before any work.
    let mut ticket = state.hasher.reserve()?;
    let standing = state.ledger.standing(&state.db, email.as_str(), client).await?;
    let suspect = match state.ledger.policy().judge(&standing) {
        Verdict::Refuse { retry_after } => return Err(Error::Throttled { retry_after }),
        Verdict::Proceed { suspect } => suspect,
    };
    if suspect {
        // The place is given up while waiting, and taken again after.
        drop(ticket);
        tokio::time::sleep(SUSPECT_DELAY).await;
        ticket = state.hasher.reserve()?;
    }
    let user = store::find_by_email(&state.db, &email).await?;
    let stored_hash = user.as_ref().map(|u| u.password_hash.clone());
    let lane = if suspect { Lane::Suspect } else { Lane::Normal };
    in_flight.count_attempt();
    let verified = state.hasher.verify(ticket, lane, password, stored_hash).await?;
    let user = match user {
        Some(user) if verified => user,
        _ => {
            tracing::info!(email = %email, client = %client, "failed sign-in");
            state.ledger.record_failure(&state.db, email.as_str(), client).await?;
            return Err(Error::InvalidCredentials);
        }
    };
    if let Err(e) = state
        .ledger
        .record_success(&state.db, email.as_str(), client, &standing)
        .await
    {
        // The password was right; a ledger we cannot write must not turn
        // that into a refusal.
        tracing::warn!(error = %e, "could not record a sign-in");
    }
    Ok(user)
}
