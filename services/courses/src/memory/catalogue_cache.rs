//! A short-lived cache of the serialized catalogue.
//!
//! On registration day thousands of students reload the catalogue while its
//! seat counts change with every enrollment. Reading 300 rows and writing
//! ~100 KB of JSON for each of them would make the catalogue the most
//! expensive request of the system; serving the same bytes for a fraction
//! of a second makes it nearly free. The cost is that seat counts may lag
//! by up to the time-to-live (writes through this process clear it at
//! once); enrollment itself always checks the database, so a stale count
//! can never overbook.
//!
//! The last catalogue read is also kept past its time-to-live, for when the
//! database is away (a failover takes seconds): the catalogue then stays
//! readable, its `X-Seats-As-Of` saying how old its counts are.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use chrono::Utc;

use crate::memory::prepared_body::PreparedBody;

struct Cached {
    loaded_at: Instant,
    generation: u64,
    body: Arc<PreparedBody>,
}

pub struct CatalogueCache {
    ttl: Duration,
    /// Bumped by every write, so that a load that raced a write is not kept.
    generation: AtomicU64,
    current: RwLock<Option<Cached>>,
    /// The last catalogue read, whatever writes came since.
    last_read: RwLock<Option<Arc<PreparedBody>>>,
    /// Set when a load found the database away, cleared by the next load
    /// that succeeds: meanwhile a request that would queue behind a load in
    /// progress (each may wait its full deadline) gets the last read at once.
    away: AtomicBool,
    /// One reload at a time: when the entry expires under load, one request
    /// reads the database and the others wait for its result.
    reloading: tokio::sync::Mutex<()>,
}

impl CatalogueCache {
    /// A zero `ttl` disables the cache.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            generation: AtomicU64::new(0),
            current: RwLock::new(None),
            last_read: RwLock::new(None),
            away: AtomicBool::new(false),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    /// Forgets the cached catalogue; called after every write.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut current) = self.current.write() {
            *current = None;
        }
    }

    /// The last catalogue read, however old: for when the database is away.
    pub fn last_read(&self) -> Option<Arc<PreparedBody>> {
        self.last_read.read().ok()?.clone()
    }

    /// A load found the database away (see `away`).
    pub fn note_database_away(&self) {
        self.away.store(true, Ordering::SeqCst);
    }

    fn keep_read(&self, body: &Arc<PreparedBody>) {
        self.away.store(false, Ordering::SeqCst);
        if let Ok(mut last_read) = self.last_read.write() {
            *last_read = Some(body.clone());
        }
    }

    fn fresh(&self) -> Option<Arc<PreparedBody>> {
        let generation = self.generation.load(Ordering::SeqCst);
        let current = self.current.read().ok()?;
        current
            .as_ref()
            .filter(|c| c.generation == generation && c.loaded_at.elapsed() < self.ttl)
            .map(|c| c.body.clone())
    }

    /// The cached catalogue, or `load`'s answer (kept for the next callers).
    pub async fn get_or_load<E, F, Fut>(&self, load: F) -> Result<Arc<PreparedBody>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Bytes, E>>,
    {
        if self.ttl.is_zero() {
            let as_of = Utc::now().timestamp_millis();
            let body = Arc::new(PreparedBody::prepare(load().await?, as_of).await);
            self.keep_read(&body);
            return Ok(body);
        }
        if let Some(body) = self.fresh() {
            return Ok(body);
        }
        let _reloading = match self.reloading.try_lock() {
            Ok(free) => free,
            Err(_) => match self.last_read().filter(|_| self.away.load(Ordering::SeqCst)) {
                Some(last) => return Ok(last),
                None => self.reloading.lock().await,
            },
        };
        if let Some(body) = self.fresh() {
            return Ok(body);
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let loaded_at = Instant::now();
        let as_of = Utc::now().timestamp_millis();
        let body = Arc::new(PreparedBody::prepare(load().await?, as_of).await);
        self.keep_read(&body);
        if self.generation.load(Ordering::SeqCst) == generation {
            if let Ok(mut current) = self.current.write() {
                *current = Some(Cached {
                    loaded_at,
                    generation,
                    body: body.clone(),
                });
            }
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_cached_bytes_until_invalidated() {
        let cache = CatalogueCache::new(Duration::from_secs(60));
        let first: Result<_, ()> = cache.get_or_load(|| async { Ok(Bytes::from("one")) }).await;
        let second: Result<_, ()> = cache.get_or_load(|| async { Ok(Bytes::from("two")) }).await;
        assert_eq!(
            (first.unwrap().json.clone(), second.unwrap().json.clone()),
            (Bytes::from("one"), Bytes::from("one"))
        );
        cache.invalidate();
        let third: Result<_, ()> = cache.get_or_load(|| async { Ok(Bytes::from("three")) }).await;
        assert_eq!(third.unwrap().json, Bytes::from("three"));
    }

    #[tokio::test]
    async fn a_load_that_raced_a_write_is_not_kept() {
        let cache = CatalogueCache::new(Duration::from_secs(60));
        let stale: Result<_, ()> = cache
            .get_or_load(|| async {
                cache.invalidate();
                Ok(Bytes::from("stale"))
            })
            .await;
        assert_eq!(stale.unwrap().json, Bytes::from("stale"));
        let fresh: Result<_, ()> = cache.get_or_load(|| async { Ok(Bytes::from("fresh")) }).await;
        assert_eq!(fresh.unwrap().json, Bytes::from("fresh"));
    }
}
