//! The scenarios. Each states what it measures; the figures go in the table.

pub mod auth;
pub mod campus;
pub mod catalogue;
pub mod grades;
pub mod open_tabs;
pub mod rush;
pub mod tickets;
pub mod waitlist;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;

/// How long a steady-load scenario runs.
pub const WINDOW: Duration = Duration::from_secs(5);

/// A request for [`crate::load::run`].
pub type Request = Pin<Box<dyn Future<Output = bool> + Send>>;

/// GETs one of `urls` (by request number) with one of `tokens` and succeeds
/// on 200.
pub fn get_ok(
    urls: Arc<Vec<String>>,
    tokens: Arc<Vec<String>>,
) -> impl Fn(reqwest::Client, usize, u64) -> Request + Send + Sync {
    move |http, _, n| {
        let url = urls[n as usize % urls.len()].clone();
        let token = tokens[n as usize % tokens.len()].clone();
        Box::pin(async move {
            http.get(url)
                .bearer_auth(token)
                .send()
                .await
                .is_ok_and(|r| r.status() == StatusCode::OK)
        })
    }
}

pub fn one<T>(value: T) -> Arc<Vec<T>> {
    Arc::new(vec![value])
}
