//! SQLite's writes, committed together.
//!
//! SQLite runs one write transaction at a time. With a transaction per
//! request, a rush spent most of each write's time outside its statements:
//! handing the write lock from one blocking thread to the next, and
//! committing (each commit appends every page it changed to the WAL, and
//! every thousand pages the WAL is checkpointed). The registration rush
//! took 1,400-1,900 seats/s so, with a quarter of the CPU idle.
//!
//! So one thread writes. It takes the writes queued for it, runs each in a
//! savepoint of one `BEGIN IMMEDIATE` transaction, commits once, and only
//! then answers each: a write is acknowledged only once it is committed.
//! - Each write sees the ones before it in its batch, as in a serial order.
//! - A write that fails rolls back its own savepoint, nothing else.
//! - A commit that fails answers every write of its batch "unavailable",
//!   refusals included: a refusal may rest on an earlier write of the batch
//!   that is now gone.
//! - Nothing waits to gather a batch: an idle writer commits a write alone,
//!   and a batch grows only from writes that queued while the last one ran.
//!
//! Other processes on the same file still meet SQLite's busy handler.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::r2d2::{Pool, PooledConnection};
use diesel::SqliteConnection;

use super::{DbError, TrackedManager};

/// How long a write may wait in the queue before it is answered
/// unavailable without being run: as long as SQLite's `busy_timeout` would
/// have let it wait for the lock.
const QUEUE_WAIT: Duration = Duration::from_secs(10);

/// The most writes committed together: it bounds what one failed commit
/// takes with it, and how long the first write of a batch waits for the
/// last.
const BATCH_LIMIT: usize = 64;

/// Called once the batch's commit is known: the write's own outcome is
/// sent to its caller if the commit succeeded, else why it did not.
type Answer = Box<dyn FnOnce(Result<(), String>) + Send>;

/// A write: run on the connection (or, if refused its turn, not run), it
/// gives back how to answer its caller.
type Job = Box<dyn FnOnce(Result<&mut SqliteConnection, DbError>) -> Answer + Send>;

struct Queued {
    job: Job,
    queued_at: Instant,
}

/// The queue to the writing thread; clones share it. The thread ends when
/// the last clone is dropped.
#[derive(Clone)]
pub struct SqliteWriter {
    queue: Sender<Queued>,
}

type Writing = PooledConnection<TrackedManager<SqliteConnection>>;

impl SqliteWriter {
    /// Starts the writing thread, which takes its connection from `pool`.
    /// Its connection is taken now, before readers can fill the pool.
    pub(crate) fn start(pool: Pool<TrackedManager<SqliteConnection>>) -> Result<Self, DbError> {
        let writing = pool.get().map_err(|e| DbError::Unavailable(e.to_string()))?;
        let (queue, jobs) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_batches(&pool, Some(writing), &jobs))
            .map_err(|e| DbError::Unavailable(format!("cannot start the writer: {e}")))?;
        Ok(Self { queue })
    }

    /// Runs `work` in the next batch, in a savepoint of its transaction,
    /// and answers its outcome once the batch is committed. A write whose
    /// caller has gone (a closed connection) before its turn is not run.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut SqliteConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (reply, replied) = tokio::sync::oneshot::channel::<Result<T, E>>();
        // The request's span goes with the work, so a database error logged
        // on the writing thread still names its request.
        let span = tracing::Span::current();
        let job: Job = Box::new(move |turn| {
            let outcome = match turn {
                Ok(_) if reply.is_closed() => None,
                Ok(conn) => Some(span.in_scope(|| work(conn))),
                Err(refused) => Some(Err(E::from(refused))),
            };
            Box::new(move |committed| {
                if let Some(outcome) = outcome {
                    let _ = reply.send(committed.map_err(|why| E::from(DbError::Unavailable(why))).and(outcome));
                }
            })
        });
        let queued = Queued {
            job,
            queued_at: Instant::now(),
        };
        self.queue
            .send(queued)
            .map_err(|_| E::from(DbError::Unavailable("the writer has stopped".into())))?;
        replied
            .await
            .map_err(|_| E::from(DbError::Unavailable("the write was cut off".into())))?
    }
}

/// The writing thread: a batch per turn until the queue is closed.
/// After any failure of a batch its connection is dropped (which rolls back
/// whatever it still held open) and another is taken for the next one.
fn write_batches(pool: &Pool<TrackedManager<SqliteConnection>>, mut writing: Option<Writing>, jobs: &Receiver<Queued>) {
    while let Ok(first) = jobs.recv() {
        if writing.is_none() {
            match pool.get() {
                Ok(conn) => writing = Some(conn),
                Err(e) => {
                    // Every write queued now is refused at once, not each
                    // after a checkout timeout of its own.
                    let why = e.to_string();
                    refuse(first, DbError::Unavailable(why.clone()));
                    while let Ok(queued) = jobs.try_recv() {
                        refuse(queued, DbError::Unavailable(why.clone()));
                    }
                    continue;
                }
            }
        }
        let conn = writing.as_mut().expect("a connection was just checked out");
        // A `BEGIN` that fails never runs the batch: `first` is dropped
        // with it, and its caller is answered unavailable.
        let mut answers: Vec<Answer> = Vec::new();
        let committed = catch_unwind(AssertUnwindSafe(|| {
            conn.conn
                .immediate_transaction(|conn| run_batch(conn, first, jobs, &mut answers))
        }));
        metrics::histogram!("sqlite_write_batch_size").record(answers.len() as f64);
        let committed = match committed {
            // Committed, and nothing left open: a savepoint whose release
            // failed would leave the commit releasing it instead.
            Ok(Ok(())) if transaction_depth(&mut conn.conn) == Ok(0) => Ok(()),
            Ok(Ok(())) => {
                tracing::error!("a batch of writes was left open; it is rolled back");
                conn.discard();
                Err("the writes were not committed".to_owned())
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "a batch of writes could not be committed");
                conn.discard();
                Err(format!("the writes were not committed: {e}"))
            }
            Err(_) => {
                // A write panicked: its savepoint and the transaction are in
                // an unknown state. The connection is dropped, which rolls
                // the transaction back, and every write of the batch is
                // answered unavailable.
                tracing::error!("a write panicked; its batch is rolled back");
                conn.discard();
                Err("a write of the batch failed; it was rolled back".to_owned())
            }
        };
        if writing.as_ref().is_some_and(|conn| conn.is_dead()) {
            writing = None;
        }
        for answer in answers {
            answer(committed.clone());
        }
    }
}

/// Runs `first` and the writes that queue behind it, up to the batch's
/// limit, each in its savepoint (the body's own `transaction`). Fails, so
/// that the batch is not committed, if a write left the batch's
/// transaction: SQLite ends a transaction itself on some errors (a full
/// disk, I/O), and the writes after it would each commit alone, unanswered
/// as such.
fn run_batch(
    conn: &mut SqliteConnection,
    first: Queued,
    jobs: &Receiver<Queued>,
    answers: &mut Vec<Answer>,
) -> diesel::QueryResult<()> {
    let mut next = Some(first);
    while let Some(Queued { job, queued_at }) = next.take() {
        let waited = queued_at.elapsed();
        metrics::histogram!("db_checkout_wait_seconds").record(waited.as_secs_f64());
        answers.push(if waited > QUEUE_WAIT {
            job(Err(DbError::Unavailable(format!(
                "no turn to write within {QUEUE_WAIT:?}"
            ))))
        } else {
            job(Ok(conn))
        });
        if transaction_depth(conn) != Ok(1) {
            return Err(diesel::result::Error::QueryBuilderError(
                "a write ended the batch's transaction".into(),
            ));
        }
        if answers.len() < BATCH_LIMIT {
            // Empty, or closed: the batch ends here either way.
            next = jobs.try_recv().ok();
        }
    }
    Ok(())
}

/// How many transactions diesel holds open on `conn` (the batch's is 1,
/// each savepoint one more); `Err` when its transaction manager is broken.
fn transaction_depth(conn: &mut SqliteConnection) -> Result<u32, ()> {
    AnsiTransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .map(|depth| depth.map_or(0, std::num::NonZeroU32::get))
        .map_err(|_| ())
}

/// Answers a write without running it.
fn refuse(queued: Queued, why: DbError) {
    let answer = (queued.job)(Err(why));
    answer(Ok(()));
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    use super::*;

    diesel::table! {
        seats (n) {
            n -> Integer,
        }
    }

    fn writer_on(dir: &tempfile::TempDir) -> (SqliteWriter, Pool<TrackedManager<SqliteConnection>>) {
        let path = dir.path().join("writes.db").to_string_lossy().into_owned();
        let pool = Pool::builder()
            .max_size(2)
            .build(TrackedManager::<SqliteConnection>::new(&path))
            .expect("a pool");
        pool.get()
            .expect("a connection")
            .conn
            .batch_execute("PRAGMA journal_mode = WAL; CREATE TABLE seats (n INTEGER PRIMARY KEY);")
            .expect("the table");
        (SqliteWriter::start(pool.clone()).expect("the writer"), pool)
    }

    fn stored(pool: &Pool<TrackedManager<SqliteConnection>>) -> Vec<i32> {
        seats::table
            .select(seats::n)
            .order(seats::n)
            .load(&mut pool.get().expect("a connection").conn)
            .expect("the rows")
    }

    /// A write as `db_write!` makes it: the body in its own savepoint.
    async fn insert(writer: &SqliteWriter, n: i32) -> Result<(), DbError> {
        writer
            .write(move |conn: &mut SqliteConnection| {
                conn.transaction(|conn| {
                    diesel::insert_into(seats::table).values(seats::n.eq(n)).execute(conn)?;
                    Ok::<_, DbError>(())
                })
            })
            .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_write_of_a_batch_commits_or_rolls_back_alone_and_sees_the_ones_before_it() {
        let dir = tempfile::tempdir().expect("a folder");
        let (writer, pool) = writer_on(&dir);
        // 400 writes at once, two for each of 200 seats: the second of each
        // pair must see the first, committed or still in the batch.
        let attempts: Vec<_> = (0..400)
            .map(|k| {
                let writer = writer.clone();
                tokio::spawn(async move { insert(&writer, k % 200).await.is_ok() })
            })
            .collect();
        let mut succeeded = 0;
        for attempt in attempts {
            succeeded += usize::from(attempt.await.expect("the write's task"));
        }
        assert_eq!(succeeded, 200, "exactly one write per seat succeeds");
        assert_eq!(stored(&pool), (0..200).collect::<Vec<_>>());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_that_fails_takes_nothing_of_its_batch_with_it() {
        let dir = tempfile::tempdir().expect("a folder");
        let (writer, pool) = writer_on(&dir);
        let first = hold_the_writer(&writer, 0).await;
        // Two rows, then a failure, in one savepoint: both rows go; the
        // writes beside it stay.
        let failing = writer.write(|conn: &mut SqliteConnection| {
            conn.transaction(|conn| {
                diesel::insert_into(seats::table).values(seats::n.eq(1)).execute(conn)?;
                diesel::insert_into(seats::table).values(seats::n.eq(2)).execute(conn)?;
                diesel::sql_query("SELECT no_such_function()").execute(conn)?;
                Ok::<_, DbError>(())
            })
        });
        let (failed, next, last) = tokio::join!(failing, insert(&writer, 3), insert(&writer, 4));
        assert!(failed.is_err());
        next.expect("the write after it in the batch");
        last.expect("the last write of the batch");
        first.await.expect("the task").expect("the first write");
        assert_eq!(stored(&pool), vec![0, 3, 4]);
    }

    /// A write that a slow first one holds in the queue, so that the
    /// writes sent after it share its batch.
    async fn hold_the_writer(writer: &SqliteWriter, n: i32) -> tokio::task::JoinHandle<Result<(), DbError>> {
        let (started, running) = std::sync::mpsc::channel();
        let slow = writer.clone();
        let first = tokio::spawn(async move {
            slow.write(move |conn: &mut SqliteConnection| {
                conn.transaction(|conn| {
                    diesel::insert_into(seats::table).values(seats::n.eq(n)).execute(conn)?;
                    started.send(()).expect("the test waits");
                    std::thread::sleep(Duration::from_millis(300));
                    Ok::<_, DbError>(())
                })
            })
            .await
        });
        tokio::task::spawn_blocking(move || running.recv().expect("the first write runs"))
            .await
            .expect("the wait");
        first
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_that_ends_the_transaction_fails_its_batch_and_the_next_writes_wait_for_another() {
        let dir = tempfile::tempdir().expect("a folder");
        let (writer, pool) = writer_on(&dir);
        let first = hold_the_writer(&writer, 0).await;
        // As SQLite does itself on a full disk: the whole transaction is
        // rolled back under the savepoint.
        let ending = writer.write(|conn: &mut SqliteConnection| {
            conn.transaction(|conn| {
                diesel::insert_into(seats::table).values(seats::n.eq(1)).execute(conn)?;
                diesel::sql_query("ROLLBACK").execute(conn)?;
                Ok::<_, DbError>(())
            })
        });
        let (ended, after) = tokio::join!(ending, insert(&writer, 2));
        assert!(ended.is_err(), "the write that ended the transaction");
        assert!(
            matches!(first.await.expect("the task"), Err(DbError::Unavailable(_))),
            "the write before it was rolled back with the batch, and is told so"
        );
        after.expect("the write after it, run in a batch of its own");
        insert(&writer, 3).await.expect("the writer goes on");
        assert_eq!(stored(&pool), vec![2, 3]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_write_is_answered_unavailable_and_the_writer_goes_on() {
        let dir = tempfile::tempdir().expect("a folder");
        let (writer, pool) = writer_on(&dir);
        let panicked = writer
            .write(|conn: &mut SqliteConnection| {
                conn.transaction(|conn| {
                    diesel::insert_into(seats::table).values(seats::n.eq(7)).execute(conn)?;
                    panic!("a bug in a write");
                    #[allow(unreachable_code)]
                    Ok::<_, DbError>(())
                })
            })
            .await;
        assert!(matches!(panicked, Err(DbError::Unavailable(_))), "{panicked:?}");
        insert(&writer, 8).await.expect("the next write");
        assert_eq!(stored(&pool), vec![8], "the panicking write's row is rolled back");
    }
}
