//! Time tickets: the same rush of students, each a browser of its own that
//! sends its five enrollments the moment registration opens for it, once
//! with everyone's window opening at the same second and once with time
//! tickets that open it in waves. What a student sees is the wait from
//! their opening to their last answer; the tickets should cut its p99
//! while the seats still go at the same pace.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::dataset::{self, Dataset, Draw};
use crate::load::{self, Figures};
use crate::nodes::Nodes;

pub const STUDENTS: usize = 2_000;
pub const WAVES: usize = 4;
pub const WAVE_GAP: Duration = Duration::from_millis(1_500);
const COURSES: usize = 100;
const SEATS: i64 = 100;
const CHOICES: usize = 5;

/// One run: the per-request figures, the p99 of each student's wait, and
/// the answers that came before a student's ticket (none, if the tickets
/// and the client agree).
pub struct TicketRun {
    pub figures: Figures,
    pub student_wait_p99_ms: f64,
    pub early: usize,
    /// What the first answer that was neither 201 nor 409 was, if any.
    pub first_error: Option<String>,
}

pub struct TicketsOutcome {
    pub at_once: TicketRun,
    pub in_waves: TicketRun,
}

pub async fn time_tickets(nodes: &Nodes, data: &Dataset) -> anyhow::Result<TicketsOutcome> {
    let at_once = run(nodes, data, "TA", 1).await?;
    let in_waves = run(nodes, data, "TW", WAVES).await?;
    Ok(TicketsOutcome { at_once, in_waves })
}

/// The rush with the students' windows opening in `waves` (1: all at once).
async fn run(nodes: &Nodes, data: &Dataset, prefix: &str, waves: usize) -> anyhow::Result<TicketRun> {
    let courses = dataset::fresh_courses(nodes, data, prefix, COURSES, SEATS).await?;
    let students = dataset::fresh_students(nodes, STUDENTS, "Ticket student");
    // Every student's window opens at a ticket: a second from now for the
    // first wave (time to set them all), a wave gap later for each next.
    let opening = Instant::now() + Duration::from_secs(2);
    let opening_utc = Utc::now() + chrono::Duration::seconds(2);
    let offset = |n: usize| WAVE_GAP * u32::try_from(n % waves).unwrap_or(0);
    let term = current_term(nodes, data).await?;
    let tickets: Vec<serde_json::Value> = students
        .iter()
        .enumerate()
        .map(|(n, (id, _))| {
            let opens = opening_utc + chrono::Duration::from_std(offset(n)).unwrap_or_default();
            serde_json::json!({"student_id": id, "opens_at": opens})
        })
        .collect();
    let set = load::client()
        .put(format!("{}/terms/{term}/time-tickets", nodes.courses))
        .bearer_auth(&data.admin)
        .json(&serde_json::json!({ "tickets": tickets }))
        .send()
        .await?;
    anyhow::ensure!(set.status() == StatusCode::OK, "setting time tickets: {}", set.status());
    anyhow::ensure!(
        Instant::now() < opening,
        "the tickets took longer to set than the lead allowed"
    );

    let mut draw = Draw::new(2027);
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let waits: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let (early, errors) = (Arc::new(Mutex::new(0usize)), Arc::new(Mutex::new(0u64)));
    let first_error: Arc<Mutex<Option<String>>> = Arc::default();
    let mut tasks = Vec::with_capacity(STUDENTS);
    for (n, (_, token)) in students.into_iter().enumerate() {
        let mut picked: Vec<Uuid> = Vec::with_capacity(CHOICES);
        while picked.len() < CHOICES {
            let course = courses[draw.below(COURSES)];
            if !picked.contains(&course) {
                picked.push(course);
            }
        }
        let starts = opening + offset(n);
        let base = nodes.courses.clone();
        let (latencies, waits) = (Arc::clone(&latencies), Arc::clone(&waits));
        let (early, errors) = (Arc::clone(&early), Arc::clone(&errors));
        let first_error = Arc::clone(&first_error);
        tasks.push(tokio::spawn(async move {
            // A browser of its own, connected before its window opens.
            let http = load::client();
            tokio::time::sleep_until(starts.into()).await;
            for course in picked {
                let began = Instant::now();
                match testkit::api::enroll(&http, &base, &token, course).send().await {
                    Ok(answer) if answer.status() == StatusCode::CREATED => {
                        latencies.lock().expect("the log").push(began.elapsed());
                    }
                    Ok(answer) if answer.status() == StatusCode::CONFLICT => {
                        latencies.lock().expect("the log").push(began.elapsed());
                        let body: serde_json::Value = answer.json().await.unwrap_or_default();
                        if body["error"] == "registration_closed" {
                            *early.lock().expect("the count") += 1;
                        }
                    }
                    other => {
                        *errors.lock().expect("the count") += 1;
                        let what = match other {
                            Ok(answer) => {
                                let status = answer.status();
                                let body: serde_json::Value = answer.json().await.unwrap_or_default();
                                format!("HTTP {status} {}", body["error"].as_str().unwrap_or("(no code)"))
                            }
                            Err(error) => error.to_string(),
                        };
                        first_error.lock().expect("the note").get_or_insert(what);
                    }
                }
            }
            waits.lock().expect("the log").push(starts.elapsed());
        }));
    }
    for task in tasks {
        task.await?;
    }
    let elapsed = opening.elapsed();
    let latencies = latencies.lock().expect("the log").clone();
    let mut waits = waits.lock().expect("the log").clone();
    waits.sort_unstable();
    let p99 = waits
        .get(((waits.len() as f64 * 0.99).ceil() as usize).clamp(1, waits.len().max(1)) - 1)
        .map_or(0.0, |wait| wait.as_secs_f64() * 1000.0);
    let label = if waves == 1 {
        format!("{STUDENTS} students' windows opening at once, {CHOICES} enrollments each")
    } else {
        format!("{STUDENTS} students' windows opening in {waves} waves by time ticket, {CHOICES} enrollments each")
    };
    let errors = *errors.lock().expect("the count");
    let early = *early.lock().expect("the count");
    let first_error = first_error.lock().expect("the note").clone();
    Ok(TicketRun {
        figures: Figures::from_latencies(&label, STUDENTS, latencies, errors, elapsed),
        student_wait_p99_ms: p99,
        early,
        first_error,
    })
}

/// The current term's id, which the rush's courses are in.
async fn current_term(nodes: &Nodes, data: &Dataset) -> anyhow::Result<Uuid> {
    let terms: Vec<shared_types::terms::Term> = load::client()
        .get(format!("{}/terms", nodes.courses))
        .bearer_auth(&data.admin)
        .send()
        .await?
        .json()
        .await?;
    terms
        .into_iter()
        .find(|term| term.current)
        .map(|term| term.id)
        .ok_or_else(|| anyhow::anyhow!("no current term"))
}
