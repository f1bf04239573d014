//! The connection pool, with dead connections found and dropped.
//!
//! diesel's r2d2 manager calls a connection broken only when its
//! transaction state is, and after a PostgreSQL restart a pooled connection
//! whose query failed on a dead socket goes on looking healthy: without
//! what follows, 10 of 10 requests after a restart answered 503 (test
//! `after_a_restart_the_dead_idle_connections_cost_one_request_not_one_each`).
//! Pinging every connection at checkout would find them, at the cost of a
//! round trip on every request.
//!
//! Instead a connection is pinged only when the work on it failed; if the
//! ping fails too, the connection is dropped, and the pool's *suspicion
//! epoch* goes up: every idle connection checked before that epoch is
//! pinged once at its next checkout, so the rest of the dead ones are found
//! without costing a user a request each. In steady state no ping is sent.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use diesel::r2d2::{ConnectionManager, ManageConnection, Pool, R2D2Connection};
use diesel::SqliteConnection;

use super::line::Line;
use super::writer::SqliteWriter;

/// A pooled connection and the epoch it was last known good in.
pub struct Tracked<C> {
    pub(crate) conn: C,
    checked_in_epoch: u64,
    dead: bool,
    /// The pool's suspicion epoch, shared with its manager.
    epoch: Arc<AtomicU64>,
}

/// Wraps diesel's manager with the suspicion epoch.
pub struct TrackedManager<C: R2D2Connection + 'static> {
    inner: ConnectionManager<C>,
    epoch: Arc<AtomicU64>,
}

impl<C: R2D2Connection + 'static> TrackedManager<C> {
    pub fn new(url: &str) -> Self {
        Self {
            inner: ConnectionManager::new(url),
            epoch: Arc::new(AtomicU64::new(0)),
        }
    }
}

/// A pool, and on PostgreSQL one permit per connection its users may work
/// on at once.
///
/// A request that passes its deadline gives its permit back while its
/// thread may still wait on a server that stopped answering (SIGSTOP, a
/// hung machine: no TCP timeout ends that wait). The PostgreSQL pool is
/// built with room for such connections beyond the permits, so new
/// connections reach a new primary instead of every slot waiting on the
/// old one until it moves again.
pub struct DbPool<C: R2D2Connection + 'static> {
    pub(crate) pool: Pool<TrackedManager<C>>,
    /// None on SQLite: its work has no deadline to give a permit back at, and
    /// a full pool answers 503 at the checkout timeout as before. On
    /// PostgreSQL, the line for the permits (see `line`).
    pub(crate) permits: Option<Arc<Line>>,
    /// SQLite only: the thread that runs every write, in batches (see
    /// `writer`). Without it, writers would wait in SQLite's busy handler,
    /// which sleeps (1, 2, 5, 10... ms) and so leaves the file idle between
    /// them and the later ones waiting longest.
    pub(crate) writer: Option<SqliteWriter>,
}

impl<C: R2D2Connection + 'static> DbPool<C> {
    pub(crate) fn new(pool: Pool<TrackedManager<C>>, permits: Option<u32>) -> Self {
        Self {
            pool,
            permits: permits.map(|n| Arc::new(Line::new(n))),
            writer: None,
        }
    }

    /// A pool whose writes go to `writer`.
    pub(crate) fn with_writer(self, writer: SqliteWriter) -> Self {
        Self {
            writer: Some(writer),
            ..self
        }
    }
}

impl DbPool<SqliteConnection> {
    /// The thread that runs this pool's writes: every SQLite pool is built
    /// with one (`connect`).
    pub fn writer(&self) -> &SqliteWriter {
        self.writer.as_ref().expect("a SQLite pool is built with its writer")
    }
}

impl<C: R2D2Connection + 'static> Clone for DbPool<C> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            permits: self.permits.clone(),
            writer: self.writer.clone(),
        }
    }
}

impl<C: R2D2Connection + Send + 'static> ManageConnection for TrackedManager<C> {
    type Connection = Tracked<C>;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Self::Connection, Self::Error> {
        Ok(Tracked {
            conn: self.inner.connect()?,
            checked_in_epoch: self.epoch.load(Ordering::Acquire),
            dead: false,
            epoch: Arc::clone(&self.epoch),
        })
    }

    fn is_valid(&self, tracked: &mut Self::Connection) -> Result<(), Self::Error> {
        let epoch = self.epoch.load(Ordering::Acquire);
        if tracked.checked_in_epoch >= epoch {
            return Ok(());
        }
        self.inner.is_valid(&mut tracked.conn)?;
        tracked.checked_in_epoch = epoch;
        Ok(())
    }

    fn has_broken(&self, tracked: &mut Self::Connection) -> bool {
        tracked.dead || self.inner.has_broken(&mut tracked.conn)
    }
}

impl<C: R2D2Connection> Tracked<C> {
    /// The work on this connection failed: if the connection itself is
    /// gone, drop it and have the idle ones checked before reuse.
    pub(crate) fn check_after_failure(&mut self) {
        if self.conn.ping().is_err() {
            self.dead = true;
            self.epoch.fetch_add(1, Ordering::AcqRel);
            tracing::warn!("a database connection was lost; checking the idle ones before reuse");
        }
    }

    /// Drops this connection when it is given back, instead of reusing it.
    pub(crate) fn discard(&mut self) {
        self.dead = true;
    }

    pub(crate) fn is_dead(&self) -> bool {
        self.dead
    }
}
