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

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use service_common::db::Database;
use service_common::peer::PeerClient;
use shared_types::requisites::CompletionPage;
use shared_types::Secret;
use uuid::Uuid;

use crate::db::requisite_store;
use crate::error::Error;

/// How far before the newest change seen each read starts.
const OVERLAP: chrono::Duration = chrono::Duration::seconds(60);
/// Grades per page of the feed.
const PAGE: usize = 1000;
/// How often the position is noted when nothing moved.
const NOTE_EVERY: Duration = Duration::from_secs(30);

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
    let mut memory = FeedMemory::default();
    loop {
        ticks.tick().await;
        let Some(feed) = feed.upgrade() else {
            return;
        };
        match read_once(&db, &grades, &token, &mut memory).await {
            Ok(applied) => {
                if !reachable {
                    tracing::info!(applied, "the completions feed is followed again");
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

/// What the reader remembers between reads: the grades of the overlap
/// already stored (each read goes over the last minute again, and writing
/// them again would cost a transaction every read), and when the position
/// was last noted.
#[derive(Default)]
struct FeedMemory {
    stored: HashMap<(Uuid, Uuid), DateTime<Utc>>,
    noted_at: Option<Instant>,
}

/// Reads the feed from a minute before the newest change seen to its end;
/// the grades stored (new or changed).
async fn read_once(
    db: &Database,
    grades: &PeerClient,
    token: &Secret,
    memory: &mut FeedMemory,
) -> anyhow::Result<usize> {
    let known_up_to = requisite_store::feed_position(db).await?;
    let mut since: NaiveDateTime = known_up_to.map_or(DateTime::UNIX_EPOCH.naive_utc(), |at| at - OVERLAP);
    let mut newest = known_up_to.unwrap_or(DateTime::UNIX_EPOCH.naive_utc());
    let mut after: Option<String> = None;
    let mut applied = 0;
    let mut changed: Vec<Uuid> = Vec::new();
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
        newest = newest.max(last.updated_at.naive_utc());
        let fresh: Vec<_> = page
            .completions
            .into_iter()
            .filter(|c| memory.stored.get(&(c.student_id, c.course_id)) != Some(&c.updated_at))
            .collect();
        if !fresh.is_empty() {
            let keys: Vec<_> = fresh
                .iter()
                .map(|c| ((c.student_id, c.course_id), c.updated_at))
                .collect();
            applied += fresh.len();
            for student in requisite_store::apply_fed(db, fresh).await? {
                if !changed.contains(&student) {
                    changed.push(student);
                }
            }
            memory.stored.extend(keys);
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
    // Offered their lists' seats once every page is stored: a student ahead
    // of them on a list may have a grade on a later page.
    let now = Utc::now().naive_utc();
    for student in changed {
        requisite_store::settle_everywhere(db, student, now).await;
    }
    // Only the overlap is read again: older grades need not be remembered.
    let horizon = (newest - OVERLAP).and_utc();
    memory.stored.retain(|_, at| *at >= horizon);
    // Noted when it moved, and at least every half minute (when it was
    // last read to its end, for the admins' view), not at every read.
    let due = memory.noted_at.is_none_or(|at| at.elapsed() >= NOTE_EVERY);
    if due || known_up_to != Some(newest) {
        requisite_store::feed_read(db, newest).await?;
        memory.noted_at = Some(Instant::now());
    }
    Ok(applied)
}
