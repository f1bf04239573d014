//! Refused attempts onto the audit trail. A refusal changed nothing, so
//! its row has no transaction to join: refusals are queued and written in
//! batches, one transaction for all that arrived together, and the
//! refusal is answered without waiting for its row. A busy morning refuses
//! thousands of students a full section in a second, most of them from
//! this replica's memory without a database round trip (`full_courses`):
//! a write each, or an answer held until its row is written, would undo
//! that (waiting cut the SQLite rush from 10,700 to 3,200 requests a
//! second; see docs/design.md).
//!
//! What that costs: a row is in the database a batch after its answer
//! (milliseconds; retried while the database is away), and a replica
//! killed in between loses the refusals it had queued, which changed
//! nothing. A read of the trail through this replica first waits for the
//! rows it has queued ([`AuditLog::flush`]), so a reader sees every
//! refusal this replica answered before the read.

use std::time::Duration;

use service_common::db::Database;
use service_common::db_write;
use service_common::ApiError;
use shared_types::audit::AuditOutcome;
use tokio::sync::{mpsc, oneshot};

use chrono::Utc;

use crate::db::audit_store::{self, Attempt, Audit, EventRow};
use crate::error::Error;

/// How long a read of the trail waits for the rows queued before it: the
/// rows are still written after, but a slow database does not hold the
/// reader.
const FLUSH_WITHIN: Duration = Duration::from_secs(2);

/// At most this many rows in one statement.
const BATCH: usize = 500;

/// How often a batch is tried while the database does not take it, and
/// the wait before the first retry (doubled each time).
const WRITE_ATTEMPTS: u32 = 6;
const FIRST_RETRY: Duration = Duration::from_millis(200);

/// A row to write, or none: a marker whose answer says every row queued
/// before it has been written.
type Pending = (Option<EventRow>, Option<oneshot::Sender<()>>);

/// The handle requests record their refusals through.
#[derive(Clone)]
pub struct AuditLog {
    queue: mpsc::UnboundedSender<Pending>,
}

impl AuditLog {
    /// Starts the writer on `db`.
    pub fn start(db: Database) -> Self {
        let (queue, pending) = mpsc::unbounded_channel();
        tokio::spawn(write_batches(db, pending));
        Self { queue }
    }

    /// Removes the events older than `days` now and then once a day (every
    /// replica does; the second finds nothing), unless `days` is 0.
    pub fn keep_for(&self, db: Database, days: u32) {
        if days == 0 {
            return;
        }
        tokio::spawn(async move {
            let mut daily = tokio::time::interval(Duration::from_secs(24 * 60 * 60));
            loop {
                daily.tick().await;
                let cutoff = Utc::now().naive_utc() - chrono::Duration::days(i64::from(days));
                match audit_store::prune(&db, cutoff).await {
                    Ok(removed) => tracing::info!(removed, days, "audit trail pruned"),
                    Err(error) => tracing::warn!(%error, "audit trail not pruned; tried again tomorrow"),
                }
            }
        });
    }

    /// Records `attempt` refused with `error` (only a refusal: an error of
    /// ours, a 5xx, is no answer to the attempt and is not recorded), and
    /// gives the error back to answer with.
    pub fn refused(&self, attempt: Attempt, error: Error) -> Error {
        let answer = ApiError::from(error);
        if answer.status.is_client_error() {
            let row = attempt.outcome(AuditOutcome::Refused, &answer.code, answer.message.clone());
            if self.queue.send((Some(row), None)).is_err() {
                tracing::error!("the audit writer has stopped: a refusal is not recorded");
            }
        }
        Error::Refused(answer)
    }

    /// Waits (up to [`FLUSH_WITHIN`]) until every row queued before this
    /// call is written.
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.queue.send((None, Some(done))).is_ok() {
            let _ = tokio::time::timeout(FLUSH_WITHIN, written).await;
        }
    }
}

async fn write_batches(db: Database, mut pending: mpsc::UnboundedReceiver<Pending>) {
    while let Some(first) = pending.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match pending.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (rows, waiting): (Vec<Option<EventRow>>, Vec<Option<oneshot::Sender<()>>>) = batch.into_iter().unzip();
        let rows: Vec<EventRow> = rows.into_iter().flatten().collect();
        let mut retry = FIRST_RETRY;
        for attempt in 1..=WRITE_ATTEMPTS {
            if rows.is_empty() {
                break;
            }
            let batch = rows.clone();
            match db_write!(db, |conn| conn.record_all(&batch)) {
                Ok(()) => break,
                Err(error) if attempt < WRITE_ATTEMPTS => {
                    tracing::warn!(%error, rows = rows.len(), "refusals not recorded yet; trying again");
                    tokio::time::sleep(retry).await;
                    retry *= 2;
                }
                Err(error) => {
                    tracing::error!(%error, rows = rows.len(), "refusals lost from the audit trail");
                }
            }
        }
        for done in waiting.into_iter().flatten() {
            let _ = done.send(());
        }
    }
}
