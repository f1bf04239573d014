//! The database: one code path for SQLite and PostgreSQL. The URL picks the
//! backend; migrations are embedded in each service and run at start-up.
//!
//! Queries are written once with diesel's DSL and compiled for both
//! backends by the [`db_run!`](crate::db_run) and
//! [`db_write!`](crate::db_write) macros, which hand the closure body a
//! concrete `PgConnection` or `SqliteConnection`. That keeps backend-specific
//! needs (an immediate transaction on SQLite) in one place.

mod connect;
mod error;
mod line;
mod pool;
pub mod statistics;
mod text_uuid;
mod url;
mod writer;

pub use connect::{connect, sqlite_file, Backend, Database, DbOptions};
pub use error::{DbError, DuplicateMeans, HoldsDbError};
pub use line::{LINE_BUDGET, SILENT_FOR};
pub use pool::{DbPool, Tracked, TrackedManager};
pub use text_uuid::TextUuid;
pub use url::redacted;
pub use writer::SqliteWriter;

/// Runs `$body` on a pooled connection, off the async runtime, and yields
/// its `Result`. The error type must implement `From<DbError>`.
///
/// ```ignore
/// let rows = db_run!(state.db, |conn| courses::table.load::<CourseRow>(conn).map_err(Error::from))?;
/// ```
#[macro_export]
macro_rules! db_run {
    ($db:expr, |$conn:ident| $body:expr) => {{
        match $db.clone() {
            $crate::db::Database::Postgres(pool) => {
                $crate::db::run_blocking(
                    pool,
                    $crate::db::PG_DEADLINE,
                    move |$conn: &mut ::diesel::PgConnection| $body,
                )
                .await
            }
            $crate::db::Database::Sqlite(pool) => {
                $crate::db::run_blocking(pool, None, move |$conn: &mut ::diesel::SqliteConnection| $body).await
            }
        }
    }};
}

/// Like [`db_run!`](crate::db_run), inside one write transaction: on
/// PostgreSQL a plain one (the body locks what it must); on SQLite a
/// savepoint of the writer's `IMMEDIATE` transaction, which holds the write
/// lock from the start so that a read-then-write cannot fail with "database
/// is locked" half way, and is committed with the writes queued beside it
/// (see [`SqliteWriter`]).
#[macro_export]
macro_rules! db_write {
    ($db:expr, |$conn:ident| $body:expr) => {{
        use ::diesel::Connection as _;
        match $db.clone() {
            $crate::db::Database::Postgres(pool) => {
                $crate::db::run_blocking(
                    pool,
                    $crate::db::PG_DEADLINE,
                    move |conn: &mut ::diesel::PgConnection| {
                        // A transaction PostgreSQL gave up to a deadlock or a
                        // serialization failure was rolled back whole: run again,
                        // it goes through (see `CONTENTION_ATTEMPTS`).
                        let mut attempt = 1;
                        loop {
                            match conn.transaction(|$conn| $body) {
                                Err(e)
                                    if attempt < $crate::db::CONTENTION_ATTEMPTS
                                        && $crate::db::gave_up_to_contention(&e) =>
                                {
                                    attempt += 1;
                                }
                                outcome => break outcome,
                            }
                        }
                    },
                )
                .await
            }
            $crate::db::Database::Sqlite(pool) => {
                pool.writer()
                    .write(move |conn: &mut ::diesel::SqliteConnection| conn.transaction(|$conn| $body))
                    .await
            }
        }
    }};
}

/// How many times a write runs when PostgreSQL gives it up to contention
/// (a deadlock between two requests that lock rows in different orders,
/// as a drop that settles the dropper's lists and a promotion may). A
/// busy database is not a dead one: the request is run again, within its
/// deadline, instead of answered 503.
pub const CONTENTION_ATTEMPTS: u32 = 4;

/// Whether `error` is PostgreSQL ending the transaction so that another
/// could go on (see [`CONTENTION_ATTEMPTS`]).
pub fn gave_up_to_contention<E: HoldsDbError>(error: &E) -> bool {
    error.db_error().is_some_and(DbError::is_contention)
}

/// How long a request's work on PostgreSQL may take once it has its place
/// (checkout included) before it is answered 503: the contract's 2 s. The
/// wait for the place is the line's (`line`): a busy database is not a
/// dead one. A server that is stopped (SIGSTOP) or
/// hung still acknowledges packets, so no TCP timeout ends a query sent to
/// it; this does, and the query's thread finishes (or fails) on its own
/// when the server moves again. SQLite has no such fault: a local file
/// answers or fails, and waits for its write lock are bounded by
/// `busy_timeout`.
pub const PG_DEADLINE: Option<std::time::Duration> = Some(std::time::Duration::from_secs(2));

/// Checks a connection out of `pool` and runs `work` on tokio's blocking
/// pool, within `deadline` if one is given, after a place in the pool's
/// line (PostgreSQL: [`DbError::Busy`] when the line does not move in
/// time, [`DbError::Unavailable`] when the database is silent). A pool that
/// cannot hand out a connection in time, or a deadline passed, is reported
/// as [`DbError::Unavailable`]; a connection whose work failed is checked, and
/// dropped if it is dead (see [`pool`]).
pub async fn run_blocking<C, T, E, F>(pooled: DbPool<C>, deadline: Option<std::time::Duration>, work: F) -> Result<T, E>
where
    C: diesel::r2d2::R2D2Connection + Send + 'static,
    F: FnOnce(&mut C) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let DbPool { pool, permits, .. } = pooled;
    let asked = std::time::Instant::now();
    // A place in line first (PostgreSQL): a busy database keeps the
    // request waiting, a silent one answers it at once (see `line`).
    // The permit is held until the work ends or its deadline passes, even
    // though the thread may go on waiting on a hung server.
    let _permit = match &permits {
        Some(line) => Some(line.enter().await.map_err(E::from)?),
        None => None,
    };
    // The request's span goes with the work, so a database error logged
    // on the blocking thread still names its request.
    let span = tracing::Span::current();
    let task = tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let _in_flight = permits.as_ref().map(|line| line.start());
        let checkout = pool.get();
        // The line's wait and the pool's, together: what a request waited
        // before its query could start.
        metrics::histogram!("db_checkout_wait_seconds").record(asked.elapsed().as_secs_f64());
        let mut tracked = checkout.map_err(|e| E::from(DbError::Unavailable(e.to_string())))?;
        let outcome = work(&mut tracked.conn);
        if outcome.is_err() {
            tracked.check_after_failure();
        }
        outcome
    });
    let finished = match deadline {
        Some(deadline) => tokio::time::timeout(deadline, task)
            .await
            .map_err(|_| E::from(DbError::Unavailable(format!("no answer within {deadline:?}"))))?,
        None => task.await,
    };
    finished.map_err(|e| E::from(DbError::Unavailable(format!("database task failed: {e}"))))?
}
