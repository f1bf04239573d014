//! A closed-loop load generator: `connections` workers, each with its own
//! HTTP connection, send requests back to back for a fixed time, and every
//! latency is kept for exact percentiles.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

/// What one scenario measured.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub scenario: String,
    pub connections: usize,
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Figures {
    pub fn from_latencies(
        scenario: &str,
        connections: usize,
        mut latencies: Vec<Duration>,
        errors: u64,
        elapsed: Duration,
    ) -> Self {
        latencies.sort_unstable();
        let pct = |p: f64| -> f64 {
            if latencies.is_empty() {
                return 0.0;
            }
            let index = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
            latencies[index].as_secs_f64() * 1000.0
        };
        let requests = latencies.len() as u64 + errors;
        Self {
            scenario: scenario.to_owned(),
            connections,
            requests,
            errors,
            seconds: elapsed.as_secs_f64(),
            requests_per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
            p50_ms: pct(0.50),
            p99_ms: pct(0.99),
        }
    }
}

/// A client with one connection per worker, as a browser per student would.
pub fn client() -> reqwest::Client {
    // Trusting the replicated deployment's authority once it has one.
    enroll_chaos::trust::client_builder()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

/// Runs `request(worker, n)` from `connections` workers until `duration` has
/// passed (or `max_requests` were sent). A request is a success when it
/// returns `true`.
pub async fn run<F, Fut>(
    scenario: &str,
    connections: usize,
    duration: Duration,
    max_requests: u64,
    request: F,
) -> Figures
where
    F: Fn(reqwest::Client, usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let sent = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::with_capacity(connections);
    for worker in 0..connections {
        let (request, sent) = (Arc::clone(&request), Arc::clone(&sent));
        workers.push(tokio::spawn(async move {
            let http = client();
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            loop {
                let n = sent.fetch_add(1, Ordering::Relaxed);
                if n >= max_requests || Instant::now() >= deadline {
                    break;
                }
                let began = Instant::now();
                if request(http.clone(), worker, n).await {
                    latencies.push(began.elapsed());
                } else {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (mut l, e) = worker.await.expect("a load worker");
        latencies.append(&mut l);
        errors += e;
    }
    Figures::from_latencies(scenario, connections, latencies, errors, started.elapsed())
}
