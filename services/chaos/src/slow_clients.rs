//! Slow clients: 2,000 connections to course-service that start a request
//! and never finish its headers, while students use the catalogue. The
//! service must keep serving them as fast as before, refuse nobody, and
//! close every slow connection itself (its header-read timeout).

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::cluster::{Cluster, COURSES};
use crate::faults::{all_probes, ms};
use crate::probes::{p99, Probe, Sample, Session, Urls};
use crate::report::Row;

const SLOW_CONNECTIONS: usize = 2_000;
const WINDOW: Duration = Duration::from_secs(4);
/// The services' header-read timeout (10 s) and a margin.
const CLOSE_DEADLINE: Duration = Duration::from_secs(20);
/// The requests that need course-service, judged while the slow clients
/// hold their connections.
const JUDGED: [Probe; 2] = [Probe::Catalogue, Probe::EnrollAndDrop];

/// One slow client: connects, sends half a request, waits for the server
/// to close the connection. Returns whether it connected and when (since
/// `started`) the server closed it, if it did before the deadline.
async fn slow_client(addr: String, started: Instant) -> (bool, Option<Duration>) {
    let Ok(mut stream) = TcpStream::connect(&addr).await else {
        return (false, None);
    };
    if stream
        .write_all(b"GET /courses HTTP/1.1\r\nHost: slow-client\r\nX-Slow: ")
        .await
        .is_err()
    {
        return (true, Some(started.elapsed()));
    }
    let mut buffer = [0u8; 512];
    let closed = tokio::time::timeout(CLOSE_DEADLINE, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    (true, closed.ok().map(|()| started.elapsed()))
}

/// Every probe over a window, keeping the ones that need course-service.
async fn window(urls: &Urls, session: &Session) -> Vec<(Probe, Vec<Sample>)> {
    let mut runs = all_probes(urls, session, WINDOW).await;
    runs.retain(|(probe, _)| JUDGED.contains(probe));
    runs
}

pub async fn slow_clients(cluster: &Cluster, session: &Session, backend: &str) -> anyhow::Result<Vec<Row>> {
    let urls = Urls::of(cluster);
    let label = format!("{SLOW_CONNECTIONS} connections that never finish their headers, against courses ({backend})");
    println!("fault: {label}");
    let before = window(&urls, session).await;

    let addr = cluster.url(COURSES).trim_start_matches("http://").to_owned();
    let started = Instant::now();
    let clients: Vec<_> = (0..SLOW_CONNECTIONS)
        .map(|_| tokio::spawn(slow_client(addr.clone(), started)))
        .collect();
    // Let them connect and send their half requests before judging.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let during = window(&urls, session).await;

    let mut connected = 0;
    let mut closed = Vec::new();
    for client in clients {
        let (ok, closed_at) = client.await?;
        connected += usize::from(ok);
        closed.extend(closed_at);
    }

    let mut served_ok = true;
    let mut figures = Vec::new();
    for (probe, samples) in &during {
        let base = before
            .iter()
            .find(|(p, _)| p == probe)
            .map_or(Duration::ZERO, |(_, s)| p99(s));
        let now = p99(samples);
        let bound = (base * 2).max(base + Duration::from_millis(25));
        let failures: Vec<&Sample> = samples.iter().filter(|s| !s.ok).collect();
        served_ok &= failures.is_empty() && now <= bound;
        figures.push(format!(
            "{} p99 {} (bound {}) vs {} before, {} of {} failed{}",
            probe.name(),
            ms(now),
            ms(bound),
            ms(base),
            failures.len(),
            samples.len(),
            failures.first().map_or(String::new(), |s| format!(" ({})", s.detail))
        ));
    }
    let last_closed = closed.iter().max().copied().unwrap_or_default();
    Ok(vec![
        Row::new(
            &label,
            "the slow clients really hold their connections (all connected)",
            connected == SLOW_CONNECTIONS,
            format!("{connected} of {SLOW_CONNECTIONS} connected"),
        ),
        Row::new(
            &label,
            "course list and enroll keep working meanwhile: nothing refused, p99 within 2x (or +25 ms)",
            served_ok,
            figures.join("; "),
        ),
        Row::new(
            &label,
            "the service closes every slow connection itself (header-read timeout 10 s)",
            closed.len() == SLOW_CONNECTIONS,
            format!(
                "{} of {SLOW_CONNECTIONS} closed by the service, the last {} after they opened (bound {})",
                closed.len(),
                ms(last_closed),
                ms(CLOSE_DEADLINE)
            ),
        ),
    ])
}
