//! Campus morning: 2,000 distinct students press Sign in at the same moment
//! from one address (a campus NAT), then each loads the catalogue.
//!
//! Measures the time until all are in against the PBKDF2 bound (N / the
//! measured sign-ins per second), the answers that turned a student away
//! (503 `auth_busy` is allowed when its `Retry-After` leads to a success; a
//! 429 is not), and the catalogue's p99 during the storm against alone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use service_common::demo;
use shared_types::Role;

use crate::dataset::Dataset;
use crate::load::{self, Figures};
use crate::nodes::Nodes;

pub const STUDENTS: usize = 2_000;
/// Accounts are created through the admin API, a hash each, this many at once.
const CREATING_AT_ONCE: usize = 8;
/// Readers of the catalogue beside the storm, each reading every
/// `READ_EVERY`: students browsing (400 reads a second), not a closed loop
/// that would take the CPU from the sign-ins it is meant to observe.
const READERS: usize = 4;
const READ_EVERY: Duration = Duration::from_millis(10);
/// A student who is turned away more often than this has failed.
const MAX_TRIES: u32 = 200;

/// What the campus morning found.
pub struct CampusMorning {
    pub students: usize,
    pub all_in_seconds: f64,
    pub bound_seconds: f64,
    /// 503 `auth_busy` answers, each followed by a retry after its
    /// `Retry-After`.
    pub busy: usize,
    /// Answers that were neither 200 nor 503 `auth_busy` (429 included),
    /// or students who never got in.
    pub failures: Vec<String>,
    pub catalogue_alone: Figures,
    pub catalogue_during: Figures,
    pub catalogue_after_sign_in: Figures,
}

async fn create_students(nodes: &Nodes, admin: &str) -> anyhow::Result<Vec<String>> {
    let http = load::client();
    let emails: Vec<String> = (0..STUDENTS).map(|n| format!("campus{n}@example.edu")).collect();
    for chunk in emails.chunks(CREATING_AT_ONCE) {
        let creations = chunk.iter().map(|email| {
            let student = (email.as_str(), "Campus Student", demo::DEMO_PASSWORD);
            testkit::api::create_user(&http, &nodes.auth, admin, student, &[Role::Student]).send()
        });
        for response in testkit::join_all(creations).await {
            let status = response?.status();
            anyhow::ensure!(status == StatusCode::CREATED, "creating a campus student: {status}");
        }
    }
    Ok(emails)
}

/// Reads the catalogue from `READERS` loops until `stop`.
async fn read_catalogue(nodes: &Nodes, token: &str, name: &str, stop: Arc<AtomicBool>) -> Figures {
    let started = Instant::now();
    let readers = (0..READERS).map(|_| {
        let (url, token, stop) = (
            format!("{}/courses", nodes.courses),
            token.to_owned(),
            Arc::clone(&stop),
        );
        tokio::spawn(async move {
            let http = load::client();
            let (mut latencies, mut errors) = (Vec::new(), 0);
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let answered = match http.get(&url).bearer_auth(&token).send().await {
                    Ok(r) if r.status() == StatusCode::OK => r.bytes().await.is_ok(),
                    _ => false,
                };
                if answered {
                    latencies.push(sent.elapsed());
                } else {
                    errors += 1;
                }
                tokio::time::sleep(READ_EVERY).await;
            }
            (latencies, errors)
        })
    });
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for reader in testkit::join_all(readers).await {
        let (l, e) = reader.unwrap_or_default();
        latencies.extend(l);
        errors += e;
    }
    Figures::from_latencies(name, READERS, latencies, errors, started.elapsed())
}

/// One student: signs in until let in, honouring `Retry-After`, then loads
/// the catalogue. Returns the busy answers seen, and the catalogue latency.
async fn one_student(
    http: reqwest::Client,
    nodes: Arc<(String, String)>,
    email: String,
) -> Result<(usize, Duration), String> {
    let (auth, courses) = (&nodes.0, &nodes.1);
    let mut busy = 0;
    for _ in 0..MAX_TRIES {
        let response = testkit::api::login(&http, auth, &email, demo::DEMO_PASSWORD)
            .send()
            .await
            .map_err(|e| format!("{email}: {e}"))?;
        match response.status() {
            StatusCode::OK => {
                let token = testkit::api::token_of(response).await.map_err(|e| e.to_string())?;
                let sent = Instant::now();
                let catalogue = testkit::api::catalogue(&http, courses, &token).send().await;
                return match catalogue {
                    Ok(r) if r.status() == StatusCode::OK => Ok((busy, sent.elapsed())),
                    Ok(r) => Err(format!("{email}: catalogue {}", r.status())),
                    Err(e) => Err(format!("{email}: catalogue {e}")),
                };
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                let wait = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or_else(|| format!("{email}: 503 without Retry-After"))?;
                busy += 1;
                tokio::time::sleep(Duration::from_secs(wait)).await;
            }
            other => return Err(format!("{email}: {other}")),
        }
    }
    Err(format!("{email}: turned away {MAX_TRIES} times"))
}

pub async fn campus_morning(nodes: &Nodes, data: &Dataset, logins_per_second: f64) -> anyhow::Result<CampusMorning> {
    let emails = create_students(nodes, &data.admin).await?;
    let reader_token = data.students[0].token.clone();

    let stop = Arc::new(AtomicBool::new(false));
    let alone = {
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            stop.store(true, Ordering::Relaxed);
        })
    };
    let catalogue_alone = read_catalogue(nodes, &reader_token, "GET /courses alone (campus morning)", stop).await;
    alone.await?;

    let stop = Arc::new(AtomicBool::new(false));
    let during = read_catalogue(
        nodes,
        &reader_token,
        "GET /courses during the campus sign-in storm",
        Arc::clone(&stop),
    );
    let urls = Arc::new((nodes.auth.clone(), nodes.courses.clone()));
    let started = Instant::now();
    let storm = emails.into_iter().map(|email| {
        let urls = Arc::clone(&urls);
        // One client per student: one browser each, one connection each.
        tokio::spawn(one_student(load::client(), urls, email))
    });
    let storm = async {
        let outcomes = testkit::join_all(storm).await;
        let all_in = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        (outcomes, all_in)
    };
    let ((outcomes, all_in), catalogue_during) = tokio::join!(storm, during);

    let (mut busy, mut failures, mut after_sign_in) = (0, Vec::new(), Vec::new());
    for outcome in outcomes {
        match outcome {
            Ok(Ok((turned_away, catalogue))) => {
                busy += turned_away;
                after_sign_in.push(catalogue);
            }
            Ok(Err(failure)) => failures.push(failure),
            Err(e) => failures.push(format!("a student task failed: {e}")),
        }
    }
    Ok(CampusMorning {
        students: STUDENTS,
        all_in_seconds: all_in.as_secs_f64(),
        bound_seconds: STUDENTS as f64 / logins_per_second,
        busy,
        failures,
        catalogue_alone,
        catalogue_during,
        catalogue_after_sign_in: Figures::from_latencies(
            "GET /courses right after each campus sign-in",
            STUDENTS,
            after_sign_in,
            0,
            all_in,
        ),
    })
}
