//! Follows grade-service's completions feed into this service's own
//! `completions`, so that prerequisites are checked without asking
//! grade-service: enrolling never waits on it, and while it is down the
//! last completions read go on serving.
//!
//! Staleness: a grade posted reaches this service within one interval
//! (`--completions-every-ms`, 2 s by default) plus a fetch while
//! grade-service answers; while it does not, the completions are those of
//! the last read. Each read starts a minute before the newest change seen,
//! so a grade whose transaction committed after a later one was read is
//! not skipped (rows are replaced, so reading one twice changes nothing).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use service_common::db::Database;
use service_common::peer::PeerClient;
use shared_types::requisites::CompletionPage;
use shared_types::Secret;

use crate::db::requisite_store;
use crate::error::Error;

/// How far before the newest change seen each read starts.
const OVERLAP: chrono::Duration = chrono::Duration::seconds(60);
/// Grades per page of the feed.
const PAGE: usize = 1000;

/// Whether a refusal on requisites rests on the completions: not before
/// the feed, when this service follows one, has been read to its end once.
#[derive(Debug)]
pub struct CompletionsFeed {
    known: AtomicBool,
}

impl CompletionsFeed {
    /// A refusal on requisites made before the completions are known is a
    /// 503 to try again, never a "missing" from absent data.
    pub fn judge(&self, error: Error) -> Error {
        match error {
            Error::PrerequisiteMissing { .. } | Error::CorequisiteMissing { .. }
                if !self.known.load(Ordering::Acquire) =>
            {
                Error::CompletionsUnknown
            }
            other => other,
        }
    }

    /// Without a feed to follow, the completions held (the registrar's)
    /// are all there are.
    pub fn unfollowed() -> Arc<Self> {
        Arc::new(Self {
            known: AtomicBool::new(true),
        })
    }

    /// Starts following `grades` (replicas tried in turn) every `every`,
    /// presenting `token`.
    pub async fn follow(db: Database, grades: PeerClient, token: Secret, every: Duration) -> Arc<Self> {
        let read_before = requisite_store::feed_position(&db).await.ok().flatten().is_some();
        let feed = Arc::new(Self {
            known: AtomicBool::new(read_before),
        });
        tokio::spawn(read_forever(Arc::downgrade(&feed), db, grades, token, every));
        feed
    }
}

async fn read_forever(
    feed: std::sync::Weak<CompletionsFeed>,
    db: Database,
    grades: PeerClient,
    token: Secret,
    every: Duration,
) {
    let mut ticks = tokio::time::interval(every.max(Duration::from_millis(100)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut reachable = true;
    loop {
        ticks.tick().await;
        let Some(feed) = feed.upgrade() else {
            return;
        };
        match read_once(&db, &grades, &token).await {
            Ok(read) => {
                if !reachable {
                    tracing::info!(read, "the completions feed is followed again");
                }
                reachable = true;
                feed.known.store(true, Ordering::Release);
            }
            Err(error) => {
                if reachable {
                    tracing::warn!(%error, "cannot read the completions feed; prerequisites are checked on the completions held");
                }
                reachable = false;
            }
        }
    }
}

/// Reads the feed from a minute before the newest change seen to its end;
/// the grades read.
async fn read_once(db: &Database, grades: &PeerClient, token: &Secret) -> anyhow::Result<usize> {
    let known_up_to = requisite_store::feed_position(db).await?;
    let mut since: NaiveDateTime = known_up_to.map_or(DateTime::UNIX_EPOCH.naive_utc(), |at| at - OVERLAP);
    let mut newest = known_up_to.unwrap_or(DateTime::UNIX_EPOCH.naive_utc());
    let mut after: Option<String> = None;
    let mut read = 0;
    loop {
        let mut path = format!(
            "/grades/completions?limit={PAGE}&since={}",
            since.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true)
        );
        if let Some(after) = &after {
            path.push_str(after);
        }
        let page: CompletionPage = grades.get_json(&path, token.expose()).await?;
        let Some(last) = page.completions.last().cloned() else {
            break;
        };
        read += page.completions.len();
        newest = newest.max(
            page.completions
                .iter()
                .map(|c| c.updated_at.naive_utc())
                .max()
                .unwrap_or(newest),
        );
        let changed = requisite_store::apply_fed(db, page.completions, known_up_to).await?;
        let now = Utc::now().naive_utc();
        for student in changed {
            requisite_store::settle_everywhere(db, student, now).await;
        }
        if !page.more {
            break;
        }
        since = last.updated_at.naive_utc();
        after = Some(format!(
            "&after_course={}&after_student={}",
            last.course_id, last.student_id
        ));
    }
    requisite_store::feed_read(db, newest).await?;
    Ok(read)
}
