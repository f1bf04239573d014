//! Durability: enrollments and grade uploads run while course-service and
//! grade-service are killed with `kill -9` and restarted, several times.
//! Afterwards every write that got a 2xx must be there, no course may hold
//! more students than seats, and nothing may be duplicated.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use service_common::auth::TokenSigner;
use service_common::demo;
use shared_types::Role;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::cluster::{Cluster, COURSES, GRADES};
use crate::report::Row;

const COURSE_COUNT: usize = 10;
const SEATS: usize = 30;
const STUDENTS: usize = 500;
const CHOICES: usize = 2;
const KILL_ROUNDS: usize = 3;

fn mint(signer: &TokenSigner, id: Uuid, name: &str, role: Role) -> String {
    let claims = signer.claims_for(id, &format!("{id}@example.edu"), name, vec![role]);
    signer.sign(&claims).expect("a token")
}

/// Sends until an answer comes: a dead or restarting service is waited out,
/// as a browser's retry would. Gives up after 30 s.
async fn until_answered(request: impl Fn() -> reqwest::RequestBuilder) -> Option<reqwest::Response> {
    for _ in 0..300 {
        if let Ok(response) = request().send().await {
            if !response.status().is_server_error() {
                return Some(response);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

pub async fn durability(cluster: &mut Cluster, backend: &str) -> anyhow::Result<Vec<Row>> {
    let signer = TokenSigner::from_private_pem(&std::fs::read_to_string(&cluster.private_key)?)?;
    let admin = mint(&signer, demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    let teacher = mint(&signer, demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    let (courses_url, grades_url) = (cluster.url(COURSES), cluster.url(GRADES));
    let http = crate::probes::client();
    let mut course_ids = Vec::new();
    for n in 0..COURSE_COUNT {
        let code = format!("DUR{backend}{n}")
            .to_uppercase()
            .replace("POSTGRES", "PG")
            .replace("SQLITE", "SQ");
        let teacher = (demo::TEACHER.id, demo::TEACHER.name);
        course_ids
            .push(testkit::write::create_course(&http, &courses_url, &admin, &code, SEATS as i64, teacher).await?);
    }

    let enrolled: Arc<Mutex<Vec<(Uuid, Uuid)>>> = Arc::default();
    let graded: Arc<Mutex<Vec<(Uuid, Uuid, f64)>>> = Arc::default();
    let unanswered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (to_grade, mut grade_queue) = mpsc::unbounded_channel::<(Uuid, Uuid)>();

    // Enrollment writers: 16 at a time, each student into two courses.
    let mut writers = Vec::new();
    for worker in 0..16 {
        let (courses_url, enrolled, to_grade, unanswered, signer) = (
            courses_url.clone(),
            Arc::clone(&enrolled),
            to_grade.clone(),
            Arc::clone(&unanswered),
            signer.clone(),
        );
        let course_ids = course_ids.clone();
        writers.push(tokio::spawn(async move {
            let http = crate::probes::client();
            for s in (worker..STUDENTS).step_by(16) {
                let student = Uuid::new_v4();
                let token = mint(&signer, student, &format!("Durable Student {s}"), Role::Student);
                for c in 0..CHOICES {
                    let course = course_ids[(s * 7 + c * 3) % course_ids.len()];
                    let url = format!("{courses_url}/courses/{course}/enrollment");
                    match until_answered(|| http.post(&url).bearer_auth(&token)).await {
                        Some(r) if r.status() == StatusCode::CREATED => {
                            enrolled.lock().expect("the log").push((course, student));
                            let _ = to_grade.send((course, student));
                        }
                        Some(_) => {}
                        None => {
                            unanswered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                }
            }
        }));
    }
    drop(to_grade);

    // The grade writer: grades each acknowledged enrollment once.
    let grader = {
        let (grades_url, graded, unanswered, teacher) = (
            grades_url.clone(),
            Arc::clone(&graded),
            Arc::clone(&unanswered),
            teacher.clone(),
        );
        tokio::spawn(async move {
            let http = crate::probes::client();
            let scale = [4.0, 3.5, 3.0, 2.5, 2.0];
            while let Some((course, student)) = grade_queue.recv().await {
                let grade = scale[student.as_bytes()[0] as usize % scale.len()];
                let url = format!("{grades_url}/grades/courses/{course}/students/{student}");
                match until_answered(|| http.put(&url).bearer_auth(&teacher).json(&json!({ "grade": grade }))).await {
                    Some(r) if r.status() == StatusCode::OK => {
                        graded.lock().expect("the log").push((course, student, grade))
                    }
                    Some(_) => {}
                    None => {
                        unanswered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
        })
    };

    // The killer, meanwhile.
    let mut kills = 0;
    for _ in 0..KILL_ROUNDS {
        for node in [COURSES, GRADES] {
            tokio::time::sleep(Duration::from_millis(700)).await;
            cluster.node_mut(node).kill9();
            kills += 1;
            tokio::time::sleep(Duration::from_millis(300)).await;
            cluster.start_node(node).await?;
        }
    }
    for writer in writers {
        writer.await?;
    }
    grader.await?;
    let enrolled = enrolled.lock().expect("the log").clone();
    let graded = graded.lock().expect("the log").clone();
    verify(
        cluster,
        backend,
        &admin,
        &teacher,
        &course_ids,
        &enrolled,
        &graded,
        kills,
        unanswered.load(std::sync::atomic::Ordering::Relaxed),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn verify(
    cluster: &Cluster,
    backend: &str,
    admin: &str,
    teacher: &str,
    course_ids: &[Uuid],
    enrolled: &[(Uuid, Uuid)],
    graded: &[(Uuid, Uuid, f64)],
    kills: usize,
    unanswered: usize,
) -> anyhow::Result<Vec<Row>> {
    let http = crate::probes::client();
    let label = format!("{kills} x kill -9 of courses and grades under writes ({backend})");
    let mut lost_enrollments = 0;
    let mut over_capacity = 0;
    let mut duplicates = 0;
    let mut counter_mismatch = 0;
    let catalogue = testkit::read::catalogue(&http, &cluster.url(COURSES), admin).await?;
    let mut acknowledged: HashMap<Uuid, HashSet<Uuid>> = HashMap::new();
    for (course, student) in enrolled {
        acknowledged.entry(*course).or_default().insert(*student);
    }
    let mut lost_grades = 0;
    let mut expected_grades: HashMap<(Uuid, Uuid), f64> = HashMap::new();
    for (course, student, grade) in graded {
        expected_grades.insert((*course, *student), *grade);
    }
    for course in course_ids {
        let roster = testkit::read::roster(&http, &cluster.url(COURSES), admin, *course).await?;
        let listed: HashSet<Uuid> = roster.iter().map(|r| r.student_id).collect();
        duplicates += roster.len() - listed.len();
        over_capacity += usize::from(roster.len() > SEATS);
        lost_enrollments += acknowledged.get(course).map_or(0, |a| a.difference(&listed).count());
        let counted = catalogue
            .iter()
            .find(|c| c.id == *course)
            .map_or(0, |c| c.enrolled as usize);
        counter_mismatch += usize::from(counted != roster.len());

        let grades: Vec<serde_json::Value> = http
            .get(format!("{}/grades/courses/{course}", cluster.url(GRADES)))
            .bearer_auth(teacher)
            .send()
            .await?
            .json()
            .await?;
        let stored: HashMap<Uuid, f64> = grades
            .iter()
            .filter_map(|g| Some((g["student_id"].as_str()?.parse().ok()?, g["grade"].as_f64()?)))
            .collect();
        lost_grades += expected_grades
            .iter()
            .filter(|((c, s), grade)| c == course && stored.get(s) != Some(grade))
            .count();
    }
    Ok(vec![
        Row::new(
            &label,
            "every acknowledged enrollment is on its roster",
            lost_enrollments == 0,
            format!("{lost_enrollments} of {} lost", enrolled.len()),
        ),
        Row::new(
            &label,
            "no course over capacity, seat counts match rosters",
            over_capacity == 0 && counter_mismatch == 0,
            format!("{over_capacity} over capacity, {counter_mismatch} counters off"),
        ),
        Row::new(
            &label,
            "no duplicate enrollment",
            duplicates == 0,
            format!("{duplicates} duplicates"),
        ),
        Row::new(
            &label,
            "every acknowledged grade is stored with its value",
            lost_grades == 0,
            format!("{lost_grades} of {} lost", graded.len()),
        ),
        Row::new(
            &label,
            "every write was answered once the service was back",
            unanswered == 0,
            format!("{unanswered} unanswered"),
        ),
    ])
}
