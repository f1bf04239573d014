//! The requests a user makes, each tied to the nodes it needs, sent the way
//! the browser sends them: with a 3 s timeout.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use service_common::demo;
use shared_types::Grade;
use testkit::api;

use crate::cluster::{Cluster, AUTH, COURSES, GRADES, STATIC};

/// The browser's per-request timeout.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    SignIn,
    Catalogue,
    EnrollAndDrop,
    Roster,
    MyGrades,
    GradeUpload,
    StaticFiles,
}

impl Probe {
    pub const ALL: [Probe; 7] = [
        Probe::SignIn,
        Probe::Catalogue,
        Probe::EnrollAndDrop,
        Probe::Roster,
        Probe::MyGrades,
        Probe::GradeUpload,
        Probe::StaticFiles,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Probe::SignIn => "sign in",
            Probe::Catalogue => "course list",
            Probe::EnrollAndDrop => "enroll (prerequisite)",
            Probe::Roster => "roster",
            Probe::MyGrades => "my grades",
            Probe::GradeUpload => "grade upload",
            Probe::StaticFiles => "static files",
        }
    }

    /// Whether the promises let this request fail while `node` is down.
    pub fn needs(self, node: &str) -> bool {
        match self {
            Probe::SignIn => node == AUTH,
            Probe::Catalogue | Probe::EnrollAndDrop | Probe::Roster => node == COURSES,
            Probe::MyGrades => node == GRADES,
            Probe::GradeUpload => node == GRADES || node == COURSES,
            Probe::StaticFiles => node == STATIC,
        }
    }

    /// Pause between two samples: sign-in costs a PBKDF2 hash, so it is
    /// sampled less often to keep the suite from loading the machine itself,
    /// yet often enough (about 25 a window) for its p99 and maximum to mean
    /// something.
    pub fn interval(self) -> Duration {
        match self {
            Probe::SignIn => Duration::from_millis(150),
            _ => Duration::from_millis(20),
        }
    }
}

/// Tokens issued by auth before any fault.
#[derive(Clone)]
pub struct Session {
    pub student: String,
    pub teacher: String,
}

/// The answer to one request.
#[derive(Debug, Clone)]
pub struct Sample {
    pub ok: bool,
    pub latency: Duration,
    /// The status, the error code, or the transport failure.
    pub detail: String,
}

pub fn client() -> reqwest::Client {
    crate::trust::client_builder()
        .timeout(CLIENT_TIMEOUT)
        .connect_timeout(CLIENT_TIMEOUT)
        .build()
        .expect("an HTTP client")
}

pub async fn sign_in(http: &reqwest::Client, auth: &str, email: &str) -> anyhow::Result<String> {
    let response = api::login(http, auth, email, demo::DEMO_PASSWORD).send().await?;
    api::token_of(response)
        .await
        .map_err(|e| e.context(format!("sign-in as {email}")))
}

async fn expect(response: Result<reqwest::Response, reqwest::Error>, want: &[StatusCode]) -> Result<(), String> {
    match response {
        Ok(r) if want.contains(&r.status()) => Ok(()),
        Ok(r) => {
            let status = r.status();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            Err(format!("{} {}", status.as_u16(), body["error"].as_str().unwrap_or("")))
        }
        Err(e) if e.is_timeout() => Err("timeout".into()),
        Err(e) if e.is_connect() => Err("connection refused or unreachable".into()),
        Err(e) => Err(format!("transport error: {e}")),
    }
}

/// Sends one request of `probe`.
pub async fn sample(http: &reqwest::Client, urls: &Urls, session: &Session, probe: Probe, n: u64) -> Sample {
    let started = Instant::now();
    let outcome = match probe {
        Probe::SignIn => {
            // Rotating through the demo users keeps each account within its
            // sign-in attempts per minute.
            let user = demo::USERS[(n % demo::USERS.len() as u64) as usize];
            let request = api::login(http, &urls.auth, user.email, demo::DEMO_PASSWORD);
            expect(request.send().await, &[StatusCode::OK]).await
        }
        Probe::Catalogue => {
            let request = api::catalogue(http, &urls.courses, &session.student);
            expect(request.send().await, &[StatusCode::OK]).await
        }
        Probe::EnrollAndDrop => {
            // Only the enrollment is timed: the drop is the next user action,
            // and a drop that fails leaves a 409 next time, which is fine.
            let course = demo::PHYS101.id;
            let enrolled = expect(
                api::enroll(http, &urls.courses, &session.student, course).send().await,
                &[StatusCode::CREATED, StatusCode::CONFLICT],
            )
            .await;
            let latency = started.elapsed();
            if enrolled.is_ok() {
                let _ = api::drop_course(http, &urls.courses, &session.student, course)
                    .send()
                    .await;
            }
            return Sample {
                ok: enrolled.is_ok(),
                latency,
                detail: enrolled.err().unwrap_or_else(|| "ok".into()),
            };
        }
        Probe::Roster => {
            let request = api::roster(http, &urls.courses, &session.teacher, demo::CS101.id);
            expect(request.send().await, &[StatusCode::OK]).await
        }
        Probe::MyGrades => {
            let request = api::my_grades(http, &urls.grades, &session.student);
            expect(request.send().await, &[StatusCode::OK]).await
        }
        Probe::GradeUpload => {
            let grade = Grade::from_tenths(if n.is_multiple_of(2) { 35 } else { 40 }).expect("a grade of the scale");
            let (course, student) = (demo::CS101.id, demo::STUDENT.id);
            let request = api::set_grade(http, &urls.grades, &session.teacher, course, student, grade);
            expect(request.send().await, &[StatusCode::OK]).await
        }
        Probe::StaticFiles => {
            expect(
                http.get(format!("{}/config.json", urls.static_node)).send().await,
                &[StatusCode::OK],
            )
            .await
        }
    };
    Sample {
        ok: outcome.is_ok(),
        latency: started.elapsed(),
        detail: outcome.err().unwrap_or_else(|| "ok".into()),
    }
}

/// The nodes' addresses.
#[derive(Clone)]
pub struct Urls {
    pub auth: String,
    pub courses: String,
    pub grades: String,
    pub static_node: String,
}

impl Urls {
    pub fn of(cluster: &Cluster) -> Self {
        Self {
            auth: cluster.url(AUTH),
            courses: cluster.url(COURSES),
            grades: cluster.url(GRADES),
            static_node: cluster.url(STATIC),
        }
    }
}

/// Samples `probe` back to back for `window`.
pub async fn run_for(urls: Urls, session: Session, probe: Probe, window: Duration) -> Vec<Sample> {
    let http = client();
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut n = 0;
    while started.elapsed() < window {
        samples.push(sample(&http, &urls, &session, probe, n).await);
        n += 1;
        tokio::time::sleep(probe.interval()).await;
    }
    samples
}

pub fn p99(samples: &[Sample]) -> Duration {
    percentile(samples, 0.99)
}

pub fn p95(samples: &[Sample]) -> Duration {
    percentile(samples, 0.95)
}

/// The latency under which `share` of the answered samples fall.
fn percentile(samples: &[Sample], share: f64) -> Duration {
    let mut latencies: Vec<Duration> = samples.iter().filter(|s| s.ok).map(|s| s.latency).collect();
    latencies.sort_unstable();
    if latencies.is_empty() {
        return Duration::ZERO;
    }
    latencies[((latencies.len() as f64 * share).ceil() as usize).clamp(1, latencies.len()) - 1]
}
