//! Open tabs during the rush: thousands of students with the catalogue on
//! screen, each tab asking for seat changes every 3 s as the app does
//! (`GET /courses/seats?since=`), while the registration rush runs on a
//! fresh set of courses. Compared with the same rush without the tabs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use shared_types::courses::{SeatChanges, SEATS_AS_OF_HEADER};
use uuid::Uuid;

use crate::dataset::{self, Course, Dataset, COURSES, SEATS};
use crate::load;
use crate::nodes::Nodes;
use crate::scenarios::rush::{self, RushOutcome};

pub const TABS: usize = 5_000;
/// Tabs share connections, as the students behind a campus proxy would.
pub const CONNECTIONS: usize = 250;
/// How often a tab asks, as the app does (`live_seats::POLL_EVERY`).
const POLL_EVERY: Duration = Duration::from_secs(3);
/// Tabs whose every answer is kept, to time how long a seat change takes
/// to reach a tab.
pub const OBSERVERS: usize = 100;
/// What every answer repeats before `since` (course-service's `OVERLAP`).
const OVERLAP: Duration = Duration::from_secs(10);

/// What one observer tab was told: (course, seats taken, when).
type Sightings = Vec<(Uuid, i32, Instant)>;

pub struct TabsOutcome {
    pub rush: RushOutcome,
    pub polls: u64,
    pub poll_errors: u64,
    /// What the server sent (status line, headers, body as sent).
    pub bytes_per_tab_minute: f64,
    pub unchanged_answer_bytes: usize,
    pub unchanged_request_bytes: usize,
    /// course-service's CPU over the rush, in cores.
    pub cpu_with_tabs: f64,
    /// Seconds from a 201 to the first answer that showed it, per observed change.
    pub delays: Vec<f64>,
}

/// Bytes of an answer as it travels: status line, headers, body.
fn answer_bytes(status: StatusCode, headers: &reqwest::header::HeaderMap, body: usize) -> usize {
    let head: usize = headers.iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
    format!("HTTP/1.1 {status}\r\n").len() + head + 2 + body
}

/// One poll as a tab makes it: the `as_of` to ask from next (from the
/// answer's header, as a tab that only needs it could), the answer's size
/// on the wire, and the changes themselves when `read` (decoded as sent).
async fn poll(http: &reqwest::Client, url: &str, read: bool) -> Option<(i64, usize, Option<SeatChanges>)> {
    let response = http
        .get(url)
        .header("accept", "application/json")
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .ok()?;
    let (status, headers) = (response.status(), response.headers().clone());
    let body = response.bytes().await.ok()?;
    if status != StatusCode::OK {
        return None;
    }
    let as_of = headers.get(SEATS_AS_OF_HEADER)?.to_str().ok()?.parse().ok()?;
    let size = answer_bytes(status, &headers, body.len());
    if !read {
        return Some((as_of, size, None));
    }
    let mut json = Vec::new();
    match headers.get("content-encoding").map(|v| v.as_bytes()) {
        None => json.extend_from_slice(&body),
        Some(b"gzip") => {
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut json).ok()?;
        }
        Some(b"br") => {
            std::io::Read::read_to_end(&mut brotli::Decompressor::new(&body[..], 4096), &mut json).ok()?;
        }
        Some(_) => return None,
    }
    Some((as_of, size, Some(serde_json::from_slice(&json).ok()?)))
}

/// The catalogue's moment, where every tab starts from.
async fn catalogue_as_of(nodes: &Nodes, token: &str) -> anyhow::Result<i64> {
    let response = load::client()
        .get(format!("{}/courses", nodes.courses))
        .bearer_auth(token)
        .send()
        .await?;
    let value = response
        .headers()
        .get(SEATS_AS_OF_HEADER)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    value.ok_or_else(|| anyhow::anyhow!("the catalogue carried no {SEATS_AS_OF_HEADER}"))
}

pub async fn rush_with_open_tabs(nodes: &Nodes, data: &Dataset) -> anyhow::Result<TabsOutcome> {
    let courses: Vec<Course> = dataset::fresh_courses(nodes, data, "R", COURSES, SEATS)
        .await?
        .into_iter()
        .map(Course::plain)
        .collect();
    let url = format!("{}/courses/seats", nodes.courses);
    let student = &data.students[0].token;

    // An unchanged refresh: asked once nothing has changed for longer
    // than the overlap every answer repeats.
    tokio::time::sleep(OVERLAP + Duration::from_secs(1)).await;
    let since = catalogue_as_of(nodes, student).await?;
    let http = load::client();
    let (_, unchanged_answer_bytes, quiet) = poll(&http, &format!("{url}?since={since}"), true)
        .await
        .ok_or_else(|| anyhow::anyhow!("an unchanged poll failed"))?;
    let carried = quiet.map_or(usize::MAX, |quiet| quiet.courses.len());
    anyhow::ensure!(carried == 0, "a quiet poll carried {carried} courses");
    let unchanged_request_bytes = format!(
        "GET /courses/seats?since={since} HTTP/1.1\r\nhost: 127.0.0.1:00000\r\naccept: application/json\r\naccept-encoding: gzip, br\r\n\r\n"
    )
    .len();

    let stop = Arc::new(AtomicBool::new(false));
    let (polls, errors, bytes) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let seen: Arc<Mutex<Vec<Sightings>>> = Arc::new(Mutex::new(vec![Vec::new(); OBSERVERS]));
    let tabs_started = Instant::now();
    let mut workers = Vec::with_capacity(CONNECTIONS);
    for worker in 0..CONNECTIONS {
        let tabs: Vec<usize> = (worker..TABS).step_by(CONNECTIONS).collect();
        let (stop, polls, errors, bytes, seen) = (
            Arc::clone(&stop),
            Arc::clone(&polls),
            Arc::clone(&errors),
            Arc::clone(&bytes),
            Arc::clone(&seen),
        );
        let url = url.clone();
        workers.push(tokio::spawn(async move {
            let http = load::client();
            let mut since: HashMap<usize, i64> = tabs.iter().map(|&t| (t, since)).collect();
            // Tabs opened at moments spread over one interval.
            let offset = POLL_EVERY.mul_f64(worker as f64 / CONNECTIONS as f64);
            tokio::time::sleep(offset).await;
            let mut next = tokio::time::Instant::now();
            while !stop.load(Ordering::Relaxed) {
                for &tab in &tabs {
                    let tab_since = since[&tab];
                    let observer = tab < OBSERVERS;
                    match poll(&http, &format!("{url}?since={tab_since}"), observer).await {
                        Some((as_of, size, changes)) => {
                            polls.fetch_add(1, Ordering::Relaxed);
                            bytes.fetch_add(size as u64, Ordering::Relaxed);
                            since.insert(tab, as_of);
                            if let Some(changes) = changes {
                                let now = Instant::now();
                                let mut seen = seen.lock().expect("the observers' log");
                                seen[tab].extend(changes.courses.iter().map(|c| (c.id, c.enrolled, now)));
                            }
                        }
                        None => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                next += POLL_EVERY;
                tokio::time::sleep_until(next).await;
            }
        }));
    }
    // Every tab is polling before the rush starts.
    tokio::time::sleep(POLL_EVERY * 2).await;

    let cpu_before = nodes.course_service_cpu_seconds();
    let rush_started = Instant::now();
    let rush = rush::registration_rush_on(nodes, data, &courses, " (with 5,000 open tabs)").await?;
    let cpu_with_tabs =
        (nodes.course_service_cpu_seconds() - cpu_before) / rush_started.elapsed().as_secs_f64().max(f64::EPSILON);
    // Long enough for every tab to ask once more.
    tokio::time::sleep(POLL_EVERY + Duration::from_secs(1)).await;
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        let _ = worker.await;
    }
    let minutes = tabs_started.elapsed().as_secs_f64() / 60.0;

    let delays = change_delays(&rush.acknowledged, &seen.lock().expect("the observers' log"));
    Ok(TabsOutcome {
        rush,
        polls: polls.load(Ordering::Relaxed),
        poll_errors: errors.load(Ordering::Relaxed),
        bytes_per_tab_minute: bytes.load(Ordering::Relaxed) as f64 / TABS as f64 / minutes,
        unchanged_answer_bytes,
        unchanged_request_bytes,
        cpu_with_tabs,
        delays,
    })
}

/// For each observer tab and each seat taken: the time from the 201 that
/// took the k-th seat of a course to the first answer showing at least k
/// taken.
fn change_delays(acknowledged: &[(Uuid, Instant)], seen: &[Sightings]) -> Vec<f64> {
    let mut taken_at: HashMap<Uuid, Vec<Instant>> = HashMap::new();
    for (course, at) in acknowledged {
        taken_at.entry(*course).or_default().push(*at);
    }
    for times in taken_at.values_mut() {
        times.sort_unstable();
    }
    let mut delays = Vec::new();
    for answers in seen {
        let mut shown: HashMap<Uuid, usize> = HashMap::new();
        for (course, enrolled, at) in answers {
            let Some(times) = taken_at.get(course) else {
                continue;
            };
            let before = shown.get(course).copied().unwrap_or(0);
            let now_shown = (*enrolled as usize).min(times.len());
            for time in times.iter().take(now_shown).skip(before) {
                delays.push(at.saturating_duration_since(*time).as_secs_f64());
            }
            shown.insert(*course, now_shown.max(before));
        }
    }
    delays
}
