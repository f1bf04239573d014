//! Sessions: starting one (a signed token) and ending them before their
//! tokens expire. An ended session is stored as a revocation, applied to
//! this process's verifier at once, and pulled by every other verifier
//! (`GET /auth/revocations`); other replicas of auth read it from the
//! shared database.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use service_common::auth::Revocations;
use service_common::db::Database;
use shared_types::auth::{LoginResponse, Revocation, TOKEN_TTL_SECONDS};

use crate::error::{Error, Result};
use crate::models::{RevocationRow, UserRow};
use crate::state::AppState;
use crate::store::{self, AccountChange};

/// Refuses a setup code or temporary password past its lifetime (told
/// only to someone who gave it right).
pub fn refuse_expired_temporary(user: &UserRow) -> Result<()> {
    match user.temporary_until {
        Some(at) if user.temporary_password_expired(Utc::now().naive_utc()) => {
            Err(Error::TemporaryPasswordExpired { at })
        }
        _ => Ok(()),
    }
}

/// A fresh token for `user`, in their current session epoch; never for an
/// account that is disabled or must choose a new password.
pub fn start(state: &AppState, user: &UserRow) -> Result<LoginResponse> {
    if user.disabled {
        return Err(Error::AccountDisabled);
    }
    if user.must_change_password {
        return Err(Error::PasswordChangeRequired);
    }
    let session_epoch = user.session_epoch;
    let user = user.to_user();
    let mut claims = state
        .signer
        .claims_for(user.id, &user.email, &user.name, user.roles.clone());
    claims.session_epoch = session_epoch;
    let token = state.signer.sign(&claims)?;
    Ok(LoginResponse {
        token: token.into(),
        token_type: "Bearer".into(),
        expires_in: TOKEN_TTL_SECONDS,
        user,
    })
}

/// Applies `change` to an account and, if it ends the user's sessions,
/// honours that here at once (the other verifiers pull it). The user as
/// stored after it.
pub async fn change_account(state: &AppState, change: AccountChange) -> Result<UserRow> {
    let (user, ended) = store::change_account(&state.db, change)
        .await?
        .ok_or(Error::UserNotFound)?;
    if let Some(ended) = &ended {
        apply_here(state, ended);
    }
    Ok(user)
}

fn timestamp(seconds: i64) -> NaiveDateTime {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default().naive_utc()
}

/// Honours a stored revocation in this process at once.
pub fn apply_here(state: &AppState, row: &RevocationRow) {
    if let Some(revocation) = row.to_revocation() {
        state.verifier.revocations().add(&revocation);
    }
}

/// Revocations made at or after `since` (Unix seconds) that still matter,
/// with when the newest was made (0 for none): the answer depends on the
/// rows alone, so an unchanged list has an unchanged tag.
pub async fn since(db: &Database, since: i64) -> Result<(i64, Vec<Revocation>)> {
    let rows = store::revocations_since(db, timestamp(since), Utc::now().naive_utc()).await?;
    let newest = rows
        .iter()
        .map(|row| row.revoked_at.and_utc().timestamp())
        .max()
        .unwrap_or(0);
    Ok((newest, rows.iter().filter_map(RevocationRow::to_revocation).collect()))
}

/// Every `every`, reads the revocations other replicas of auth stored into
/// this one's verifier, and now and then forgets the expired ones. Ends
/// when the verifier's list is dropped with the service.
pub fn follow_database(db: Database, revocations: &std::sync::Arc<Revocations>, every: Duration) {
    let revocations = std::sync::Arc::downgrade(revocations);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut round: u64 = 0;
        loop {
            ticks.tick().await;
            let Some(revocations) = revocations.upgrade() else {
                return;
            };
            round += 1;
            // All of them, each time: see `RevocationList`.
            match since(&db, 0).await {
                Ok((as_of, list)) => revocations.apply(
                    &shared_types::auth::RevocationList {
                        as_of,
                        revocations: list,
                    },
                    Utc::now().timestamp(),
                ),
                Err(err) => {
                    tracing::debug!(error = %err, "cannot read revocations; keeping the ones held");
                    // A hung database keeps the abandoned read's connection
                    // until it answers: wait before taking another one.
                    tokio::time::sleep(DATABASE_AWAY_PAUSE).await;
                }
            }
            if round.is_multiple_of(PURGE_EVERY_ROUNDS) {
                if let Err(err) = store::purge_revocations(&db, Utc::now().naive_utc()).await {
                    tracing::debug!(error = %err, "cannot purge expired revocations");
                }
            }
        }
    });
}

/// Pause of the database reader after a failed read.
const DATABASE_AWAY_PAUSE: Duration = Duration::from_secs(10);
/// Expired revocations are deleted every this many reads.
const PURGE_EVERY_ROUNDS: u64 = 600;
