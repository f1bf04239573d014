//! Refused attempts onto the audit trail. A refusal changed nothing, so
//! its row has no transaction to join: refusals that arrive together are
//! written together, one transaction for a batch, and each refusal is
//! answered once its row is committed. A busy morning refuses thousands
//! of students a full section in a second, many of them from this
//! replica's memory without a database round trip (`full_courses`): one
//! write each would undo that.

use std::time::Duration;

use service_common::db::Database;
use service_common::db_write;
use service_common::ApiError;
use shared_types::audit::AuditOutcome;
use tokio::sync::{mpsc, oneshot};

use chrono::Utc;

use crate::db::audit_store::{self, Attempt, Audit, EventRow};
use crate::error::Error;

/// How long a refusal waits for its row before it is answered anyway: the
/// row is still written, but a slow database does not hold the student's
/// answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(1);

/// At most this many rows in one statement.
const BATCH: usize = 500;

/// How often a batch is tried while the database does not take it, and
/// the wait before the first retry (doubled each time).
const WRITE_ATTEMPTS: u32 = 6;
const FIRST_RETRY: Duration = Duration::from_millis(200);

type Pending = (EventRow, oneshot::Sender<()>);

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
    pub async fn refused(&self, attempt: Attempt, error: Error) -> Error {
        let answer = ApiError::from(error);
        if answer.status.is_client_error() {
            let row = attempt.outcome(AuditOutcome::Refused, &answer.code, answer.message.clone());
            let (done, written) = oneshot::channel();
            if self.queue.send((row, done)).is_ok() {
                let _ = tokio::time::timeout(ANSWER_WITHIN, written).await;
            }
        }
        Error::Refused(answer)
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
        let (rows, waiting): (Vec<EventRow>, Vec<oneshot::Sender<()>>) = batch.into_iter().unzip();
        let mut retry = FIRST_RETRY;
        for attempt in 1..=WRITE_ATTEMPTS {
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
        for done in waiting {
            let _ = done.send(());
        }
    }
}
