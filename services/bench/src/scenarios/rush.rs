//! Registration rush: every student tries to enroll in 5 random courses at
//! once; then the database is checked against every answer.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use uuid::Uuid;

use crate::dataset::{Course, Dataset, Draw, COURSES};
use crate::load::{self, Figures};
use crate::nodes::Nodes;

pub const CHOICES: usize = 5;
pub const CONNECTIONS: usize = 128;

/// What the rush found, beside its table row.
pub struct RushOutcome {
    pub figures: Figures,
    pub enrolled: usize,
    /// Each 201: the course, and when it was answered.
    pub acknowledged: Vec<(Uuid, Instant)>,
    /// From the first request to the last 201: how long the seats lasted.
    pub seats_filled_seconds: f64,
    pub full: usize,
    pub violations: Vec<String>,
}

pub async fn registration_rush(nodes: &Nodes, data: &Dataset) -> anyhow::Result<RushOutcome> {
    registration_rush_on(nodes, data, &data.courses, "").await
}

/// The rush on `courses` (a fresh set, for a second rush); `label` tells
/// its table row apart.
pub async fn registration_rush_on(
    nodes: &Nodes,
    data: &Dataset,
    courses: &[Course],
    label: &str,
) -> anyhow::Result<RushOutcome> {
    // Each student's five distinct courses, interleaved so that the
    // attempts of one student are spread over the run.
    let mut draw = Draw::new(2026);
    let mut choices: Vec<Vec<usize>> = Vec::with_capacity(data.students.len());
    for _ in 0..data.students.len() {
        let mut picked = Vec::with_capacity(CHOICES);
        while picked.len() < CHOICES {
            let c = draw.below(COURSES);
            if !picked.contains(&c) {
                picked.push(c);
            }
        }
        choices.push(picked);
    }
    let attempts: Arc<Vec<(usize, Uuid)>> = Arc::new(
        (0..CHOICES)
            .flat_map(|round| choices.iter().enumerate().map(move |(s, picked)| (s, picked[round])))
            .map(|(s, c)| (s, courses[c].id))
            .collect(),
    );
    let created: Arc<Mutex<Vec<(Uuid, Uuid, Instant)>>> = Arc::default();
    let last_created: Arc<Mutex<Option<Instant>>> = Arc::default();
    let full = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let refused: Arc<Mutex<HashSet<Uuid>>> = Arc::default();
    let (students, courses_url) = (Arc::clone(&data.students), nodes.courses.clone());
    let (created_log, full_count, plan) = (Arc::clone(&created), Arc::clone(&full), Arc::clone(&attempts));
    let last_created_log = Arc::clone(&last_created);
    let refused_log = Arc::clone(&refused);
    let started = Instant::now();
    let figures = load::run(
        &format!(
            "registration rush: {} students x {CHOICES} courses{label}",
            data.students.len()
        ),
        CONNECTIONS,
        Duration::from_secs(300),
        attempts.len() as u64,
        move |http, _, n| {
            let (student_index, course) = plan[n as usize];
            let student = &students[student_index];
            let (base, token, student_id) = (courses_url.clone(), student.token.clone(), student.id);
            let (created_log, full_count) = (Arc::clone(&created_log), Arc::clone(&full_count));
            let last_created_log = Arc::clone(&last_created_log);
            let refused_log = Arc::clone(&refused_log);
            Box::pin(async move {
                let Ok(response) = testkit::api::enroll(&http, &base, &token, course).send().await else {
                    return false;
                };
                match response.status() {
                    StatusCode::CREATED => {
                        let now = Instant::now();
                        created_log.lock().expect("the log").push((course, student_id, now));
                        *last_created_log.lock().expect("the clock") = Some(now);
                        true
                    }
                    StatusCode::CONFLICT => {
                        full_count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        refused_log.lock().expect("the log").insert(course);
                        true
                    }
                    _ => false,
                }
            }) as crate::scenarios::Request
        },
    )
    .await;
    let created = created.lock().expect("the log").clone();
    let seats_filled_seconds = last_created
        .lock()
        .expect("the clock")
        .map_or(0.0, |last| last.duration_since(started).as_secs_f64());
    let pairs: Vec<(Uuid, Uuid)> = created.iter().map(|(course, student, _)| (*course, *student)).collect();
    let refused = refused.lock().expect("the log").clone();
    let violations = check(nodes, data, courses, &pairs, &refused).await?;
    Ok(RushOutcome {
        figures,
        enrolled: created.len(),
        acknowledged: created.iter().map(|(course, _, at)| (*course, *at)).collect(),
        seats_filled_seconds,
        full: full.load(std::sync::atomic::Ordering::Relaxed),
        violations,
    })
}

/// No course over capacity, no duplicate, every 201 present, nothing else;
/// and no course that refused a student (nobody drops in the rush) left
/// with a seat free.
async fn check(
    nodes: &Nodes,
    data: &Dataset,
    courses: &[Course],
    created: &[(Uuid, Uuid)],
    refused: &HashSet<Uuid>,
) -> anyhow::Result<Vec<String>> {
    let http = load::client();
    let mut violations = Vec::new();
    let mut acknowledged: HashMap<Uuid, HashSet<Uuid>> = HashMap::new();
    for (course, student) in created {
        if !acknowledged.entry(*course).or_default().insert(*student) {
            violations.push(format!("two 201s for student {student} in course {course}"));
        }
    }
    for course in courses {
        let roster = testkit::read::roster(&http, &nodes.courses, &data.admin, course.id).await?;
        let listed: HashSet<Uuid> = roster.iter().map(|r| r.student_id).collect();
        if listed.len() != roster.len() {
            violations.push(format!("course {} lists a student twice", course.id));
        }
        if roster.len() > crate::dataset::SEATS as usize {
            violations.push(format!(
                "course {} holds {} students for {} seats",
                course.id,
                roster.len(),
                crate::dataset::SEATS
            ));
        }
        if refused.contains(&course.id) && roster.len() < crate::dataset::SEATS as usize {
            violations.push(format!(
                "course {} refused a student with {} of {} seats taken",
                course.id,
                roster.len(),
                crate::dataset::SEATS
            ));
        }
        let expected = acknowledged.remove(&course.id).unwrap_or_default();
        if expected != listed {
            violations.push(format!(
                "course {}: {} acknowledged, {} on the roster",
                course.id,
                expected.len(),
                listed.len()
            ));
        }
    }
    Ok(violations)
}
