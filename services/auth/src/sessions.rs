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
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::models::{RevocationRow, UserRow};
use crate::state::AppState;
use crate::store::{self, AccountChange};

/// A fresh token for `user`, in their current session epoch.
pub fn start(state: &AppState, user: &UserRow) -> Result<LoginResponse> {
    let session_epoch = user.session_epoch;
    let user = user.to_user();
    let mut claims = state
        .signer
        .claims_for(user.id, &user.email, &user.name, user.roles.clone());
    claims.session_epoch = session_epoch;
    let token = state.signer.sign(&claims)?;
    Ok(LoginResponse {
        token,
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

/// Stores a new password hash for `user` and ends every session of theirs;
/// `must_change` says whether it is a temporary one.
pub async fn replace_password(
    state: &AppState,
    user: Uuid,
    password_hash: String,
    must_change: bool,
) -> Result<UserRow> {
    change_account(
        state,
        AccountChange {
            user,
            password_hash: Some(password_hash),
            must_change_password: Some(must_change),
            end_sessions: true,
            ..AccountChange::default()
        },
    )
    .await
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

/// Revocations stored since `since` (Unix seconds) that still matter.
pub async fn since(db: &Database, since: i64) -> Result<(i64, Vec<Revocation>)> {
    let now = Utc::now();
    // Stamped on this clock: a `since` from the future finds nothing new
    // yet, and is answered as such.
    let rows = store::revocations_since(db, timestamp(since), now.naive_utc()).await?;
    Ok((
        now.timestamp(),
        rows.iter().filter_map(RevocationRow::to_revocation).collect(),
    ))
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
            match since(&db, revocations.next_since()).await {
                Ok((as_of, list)) => revocations.apply(
                    &shared_types::auth::RevocationList {
                        as_of,
                        revocations: list,
                    },
                    as_of,
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
