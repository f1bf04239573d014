//! Registration rush: every student tries to enroll in a section of each
//! of 5 random courses at once, with the credit limit and schedule
//! conflicts checked on each; then the database is checked against every
//! answer and every rule.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use uuid::Uuid;

use crate::dataset::{Course, Dataset, Draw, COURSES, MAX_CREDITS, SECTIONS_PER_COURSE};
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
    /// The 409s: as full, past the credit limit, for a clash.
    pub full: usize,
    pub credit_limit: usize,
    pub schedule_conflict: usize,
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
    // Each student's five distinct courses (a section of each),
    // interleaved so that the attempts of one student are spread over the
    // run.
    let mut draw = Draw::new(2026);
    let mut choices: Vec<Vec<usize>> = Vec::with_capacity(data.students.len());
    for _ in 0..data.students.len() {
        let mut picked: Vec<usize> = Vec::with_capacity(CHOICES);
        while picked.len() < CHOICES {
            let code = draw.below(COURSES / SECTIONS_PER_COURSE);
            if !picked.iter().any(|c| c / SECTIONS_PER_COURSE == code) {
                picked.push(code * SECTIONS_PER_COURSE + draw.below(SECTIONS_PER_COURSE));
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
    let refusals: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let refused: Arc<Mutex<HashSet<Uuid>>> = Arc::default();
    let (students, courses_url) = (Arc::clone(&data.students), nodes.courses.clone());
    let (created_log, refusal_count, plan) = (Arc::clone(&created), Arc::clone(&refusals), Arc::clone(&attempts));
    let last_created_log = Arc::clone(&last_created);
    let refused_log = Arc::clone(&refused);
    let started = Instant::now();
    let figures = load::run(
        &format!(
            "registration rush: {} students x {CHOICES} sections{label}",
            data.students.len()
        ),
        CONNECTIONS,
        Duration::from_secs(300),
        attempts.len() as u64,
        move |http, _, n| {
            let (student_index, course) = plan[n as usize];
            let student = &students[student_index];
            let (base, token, student_id) = (courses_url.clone(), student.token.clone(), student.id);
            let (created_log, refusal_count) = (Arc::clone(&created_log), Arc::clone(&refusal_count));
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
                        let Ok(body) = response.json::<shared_types::ErrorBody>().await else {
                            return false;
                        };
                        if body.error == "course_full" {
                            refused_log.lock().expect("the log").insert(course);
                        }
                        *refusal_count.lock().expect("the log").entry(body.error).or_default() += 1;
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
    let mut violations = check(nodes, data, courses, &pairs, &refused).await?;
    violations.extend(check_students(courses, &pairs));
    let refusals = refusals.lock().expect("the log").clone();
    let count = |code: &str| refusals.get(code).copied().unwrap_or(0);
    Ok(RushOutcome {
        figures,
        enrolled: created.len(),
        acknowledged: created.iter().map(|(course, _, at)| (*course, *at)).collect(),
        seats_filled_seconds,
        full: count("course_full"),
        credit_limit: count("credit_limit"),
        schedule_conflict: count("schedule_conflict"),
        violations,
    })
}

/// Each student's sections, as the rosters confirmed them (`check` holds
/// every roster equal to the 201s): within the credit limit, no two
/// clashing, no two of one course.
fn check_students(courses: &[Course], created: &[(Uuid, Uuid)]) -> Vec<String> {
    let index: HashMap<Uuid, usize> = courses.iter().enumerate().map(|(n, c)| (c.id, n)).collect();
    let mut held: HashMap<Uuid, Vec<usize>> = HashMap::new();
    for (course, student) in created {
        if let Some(n) = index.get(course) {
            held.entry(*student).or_default().push(*n);
        }
    }
    let mut violations = Vec::new();
    for (student, sections) in held {
        let credits: i64 = sections.iter().map(|n| courses[*n].credits).sum();
        if credits > MAX_CREDITS {
            violations.push(format!("student {student} holds {credits} credits"));
        }
        for (i, a) in sections.iter().enumerate() {
            for b in &sections[i + 1..] {
                if a / SECTIONS_PER_COURSE == b / SECTIONS_PER_COURSE {
                    violations.push(format!("student {student} holds two sections of one course"));
                }
                if courses[*a].clashes_with(&courses[*b]) {
                    violations.push(format!("student {student} holds two clashing sections"));
                }
            }
        }
    }
    violations
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
