//! A panel's data, loaded on its own: a request with its own budget, retries
//! with backoff while its service is away, and a periodic refresh.
//!
//! Each panel owns one [`Loader`], so a slow or dead service only ever holds
//! the panels that need it.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::CallError;

/// What a panel shows.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadState<T> {
    Loading,
    Ready(T),
    Failed(CallError),
}

impl<T> LoadState<T> {
    /// The `data-state` of the panel: `loading`, `ready` or `error`.
    pub fn name(&self) -> &'static str {
        match self {
            LoadState::Loading => "loading",
            LoadState::Ready(_) => "ready",
            LoadState::Failed(_) => "error",
        }
    }
}

type Fetch<T> = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<T, CallError>>>>>;

/// First retry after this long, doubling up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(1_000);
const MAX_BACKOFF: Duration = Duration::from_millis(5_000);

pub struct Loader<T: 'static> {
    state: RwSignal<LoadState<T>>,
    fetch: StoredValue<Fetch<T>, LocalStorage>,
    /// Bumped by every load, so an older answer never overwrites a newer one.
    generation: StoredValue<u64>,
    failures: StoredValue<u32>,
    /// Whether a failed refresh leaves the data on screen (see
    /// [`keep_on_failure`](Self::keep_on_failure)).
    keep: StoredValue<bool>,
    /// Whether the data on screen is older than a refresh that failed.
    stale: RwSignal<bool>,
}

impl<T> Clone for Loader<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Loader<T> {}

impl<T: Clone + Send + Sync + 'static> Loader<T> {
    /// A loader that starts loading at once.
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = Result<T, CallError>> + 'static,
    {
        let fetch: Fetch<T> = Rc::new(move || Box::pin(fetch()));
        let loader = Self {
            state: RwSignal::new(LoadState::Loading),
            fetch: StoredValue::new_local(fetch),
            generation: StoredValue::new(0),
            failures: StoredValue::new(0),
            keep: StoredValue::new(false),
            stale: RwSignal::new(false),
        };
        loader.reload();
        loader
    }

    pub fn state(&self) -> ReadSignal<LoadState<T>> {
        self.state.read_only()
    }

    /// A refresh that fails while its service is away (a database failover
    /// takes seconds) leaves the data on screen, marked stale, and is
    /// retried with backoff; only a first load that fails shows the error.
    pub fn keep_on_failure(self) -> Self {
        self.keep.set_value(true);
        self
    }

    /// Whether the data on screen is from before a refresh that failed.
    pub fn stale(&self) -> ReadSignal<bool> {
        self.stale.read_only()
    }

    /// Loads again now. What is on screen stays until the answer comes.
    pub fn reload(self) {
        let Some(generation) = self.generation.try_update_value(|g| {
            *g += 1;
            *g
        }) else {
            return;
        };
        let Some(fetch) = self.fetch.try_get_value() else {
            return;
        };
        spawn_local(async move {
            let result = fetch().await;
            if self.generation.try_get_value() != Some(generation) {
                return;
            }
            match result {
                Ok(data) => {
                    self.failures.try_update_value(|f| *f = 0);
                    self.stale.try_set(false);
                    self.state.try_set(LoadState::Ready(data));
                }
                Err(error) => {
                    let failures = self
                        .failures
                        .try_update_value(|f| {
                            *f += 1;
                            *f
                        })
                        .unwrap_or(1);
                    let transient = is_transient(&error);
                    let shown = self.state.try_with_untracked(|s| matches!(s, LoadState::Ready(_))) == Some(true);
                    if transient && shown && self.keep.try_get_value() == Some(true) {
                        self.stale.try_set(true);
                    } else {
                        self.state.try_set(LoadState::Failed(error));
                    }
                    if transient {
                        set_timeout(
                            move || {
                                if self.generation.try_get_value() == Some(generation) {
                                    self.reload();
                                }
                            },
                            backoff(failures),
                        );
                    }
                }
            }
        });
    }

    /// Also reloads every `period` while the data is on screen (failed
    /// loads have their own retry), until the panel goes away.
    pub fn refresh_every(self, period: Duration) -> Self {
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if self.state.try_with_untracked(|s| matches!(s, LoadState::Ready(_))) == Some(true) {
                    self.reload();
                }
            },
            period,
        ) {
            on_cleanup(move || handle.clear());
        }
        self
    }
}

/// Worth retrying by itself: the service is away or failed, not the request.
fn is_transient(error: &CallError) -> bool {
    match error {
        CallError::Unavailable(_) | CallError::BadAnswer(_) | CallError::Stalled { .. } => true,
        CallError::Rejected { status, .. } => *status >= 500 || *status == 429,
    }
}

fn backoff(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(8);
    (FIRST_BACKOFF * 2u32.pow(doublings)).min(MAX_BACKOFF)
}
