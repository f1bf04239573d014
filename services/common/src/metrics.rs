//! What operators read on registration day, at `/metrics` in Prometheus'
//! text format: every routed request by route, method and status with its
//! latency, the database pool (in use, idle, the wait for a connection),
//! and what each service counts of its own work (enrollments and refusals
//! by reason, sign-ins by outcome, the hashing queue, calls to another
//! service). Recorded through the `metrics` facade, rendered by
//! `metrics-exporter-prometheus`; nothing here formats the text by hand.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Seconds: from an answer held in memory to the request timeout.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often recorded latencies are folded into their buckets when nobody
/// scrapes (they are held until then).
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process's recorder. A service process has one; the tests build
/// several services in one process, which then share it.
pub fn recorder() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
                .expect("the buckets are not empty")
                .install_recorder()
                .expect("nothing else installs a metrics recorder");
            let upkeep = handle.clone();
            // A thread, not a task: a runtime (a test's) may end before
            // the process does.
            std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                })
                .expect("a thread for the metrics upkeep");
            handle
        })
        .clone()
}

/// Counts and times each request that matched a route, by its route
/// template (`/courses/{id}/enrollment`), not its path, so ids do not make
/// a series each.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = method_label(request.method());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(
        "http_requests_total",
        "method" => method,
        "route" => route.clone(),
        "status" => status
    )
    .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// A request's method as a label: the standard ones by name, anything
/// else a client makes up as `other`, so that nobody grows `/metrics` by
/// sending methods of their own (a series each, 8 KB names included).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// One call to another service, by its outcome (`ok`, `unavailable`, ...).
pub fn record_call(target: &'static str, outcome: &'static str, took: Duration) {
    metrics::counter!("service_calls_total", "target" => target, "outcome" => outcome).increment(1);
    metrics::histogram!("service_call_duration_seconds", "target" => target).record(took.as_secs_f64());
}

#[cfg(test)]
mod method_tests {
    use super::*;

    #[test]
    fn made_up_methods_share_one_label() {
        assert_eq!(method_label(&Method::POST), "POST");
        let made_up = Method::from_bytes(&[b'X'; 8_192]).unwrap();
        assert_eq!(method_label(&made_up), "other");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }
}
