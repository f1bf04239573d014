//! Durability: enrollments and grade writes run while course-service and
//! grade-service are killed with `kill -9` and restarted, several times.
//! Each kill waits for 100 acknowledged writes since the last and lands
//! while writes are in flight. Afterwards every write that got a 2xx must
//! be there, no course may hold more students than seats, nothing may be
//! duplicated, and no answer may have been a 500.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use service_common::auth::TokenSigner;
use service_common::demo;
use shared_types::{Grade, Role};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::cluster::{Cluster, COURSES, GRADES};
use crate::report::Row;
use crate::sabotage::Sabotage;

const COURSE_COUNT: usize = 10;
const SEATS: usize = 30;
const WRITERS: usize = 16;
const KILL_ROUNDS: usize = 3;
/// The self-test's rounds: one kill of each is enough to show a loss.
const SELF_TEST_ROUNDS: usize = 1;
/// Acknowledged writes each kill must follow, so that it lands on a
/// system under load rather than an idle one.
const WRITES_PER_KILL: usize = 100;
/// The longest a write is retried while its service is down.
const WRITE_DEADLINE: Duration = Duration::from_secs(30);

fn mint(signer: &TokenSigner, id: Uuid, name: &str, role: Role) -> String {
    let claims = signer.claims_for(id, &format!("{id}@example.edu"), name, vec![role]);
    signer.sign(&claims).expect("a token")
}

/// How a write ended.
enum Outcome {
    Answered(reqwest::Response),
    /// A 5xx other than 503: a bug of ours, never retried.
    ServerError(u16),
    Unanswered,
}

/// What the writers share with the killer and the checks.
#[derive(Default)]
struct Log {
    enrolled: Mutex<Vec<(Uuid, Uuid)>>,
    graded: Mutex<Vec<(Uuid, Uuid, f64)>>,
    in_flight: AtomicUsize,
    unanswered: AtomicUsize,
    server_errors: Mutex<Vec<u16>>,
}

/// Sends until an answer comes: a dead or restarting service (no
/// connection, or 503) is waited out, as a browser's retry would, for at
/// most [`WRITE_DEADLINE`] in all.
async fn until_answered(log: &Log, request: impl Fn() -> reqwest::RequestBuilder) -> Outcome {
    let deadline = Instant::now() + WRITE_DEADLINE;
    log.in_flight.fetch_add(1, Ordering::SeqCst);
    let outcome = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break Outcome::Unanswered;
        }
        match request().timeout(left.min(Duration::from_secs(3))).send().await {
            Ok(r) if r.status() == StatusCode::SERVICE_UNAVAILABLE => {}
            Ok(r) if r.status().is_server_error() => break Outcome::ServerError(r.status().as_u16()),
            Ok(r) => break Outcome::Answered(r),
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    log.in_flight.fetch_sub(1, Ordering::SeqCst);
    if let Outcome::ServerError(status) = outcome {
        log.server_errors.lock().expect("the log").push(status);
    }
    outcome
}

/// One kill: which node, how many writes were in flight at that moment,
/// and how many had been acknowledged since the kill before.
struct Kill {
    node: &'static str,
    in_flight: usize,
    acknowledged_since: usize,
}

/// `sabotage` is the self-test's deliberate harm; the suite itself passes
/// `Sabotage::None`.
pub async fn durability(cluster: &mut Cluster, backend: &str, sabotage: Sabotage) -> anyhow::Result<Vec<Row>> {
    let rounds = if sabotage == Sabotage::None {
        KILL_ROUNDS
    } else {
        SELF_TEST_ROUNDS
    };
    let signer = TokenSigner::from_private_pem(&std::fs::read_to_string(&cluster.private_key)?)?;
    let admin = mint(&signer, demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    let teacher = mint(&signer, demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    let (courses_url, grades_url) = (cluster.url(COURSES), cluster.url(GRADES));
    let http = crate::probes::client();
    let tag = if backend == "postgres" { "PG" } else { "SQ" };
    let teacher_pair = (demo::TEACHER.id, demo::TEACHER.name);
    let mut race_courses = Vec::new();
    for n in 0..COURSE_COUNT {
        let code = format!("DUR{tag}{n}");
        race_courses
            .push(testkit::write::create_course(&http, &courses_url, &admin, &code, SEATS as i64, teacher_pair).await?);
    }
    // Room for every write of the run, beside the few contended seats.
    let volume_course = testkit::write::create_course(
        &http,
        &courses_url,
        &admin,
        &format!("DUR{tag}V"),
        i64::from(shared_types::Capacity::MAX),
        teacher_pair,
    )
    .await?;

    // The self-test's lost disk cache takes the database back to here, at
    // rest: every enrollment of the run is then lost, whenever SQLite last
    // copied its log into the file.
    let at_rest = match sabotage {
        Sabotage::LoseWal => cluster.sqlite_file(COURSES).map(|file| DiskImage::of(&file)),
        _ => None,
    };

    let log = Arc::new(Log::default());
    let stop = Arc::new(AtomicBool::new(false));
    // Bounded, so that enrollments wait for grading to keep up: both
    // services stay under load, and the run ends with little to drain.
    let (to_grade, mut grade_queue) = mpsc::channel::<(Uuid, Uuid)>(200);

    // Enrollment writers: each new student into one contended course and
    // the big one, until the killer is done.
    let mut writers = Vec::new();
    for worker in 0..WRITERS {
        let (courses_url, log, stop, to_grade, signer) = (
            courses_url.clone(),
            Arc::clone(&log),
            Arc::clone(&stop),
            to_grade.clone(),
            signer.clone(),
        );
        let race_courses = race_courses.clone();
        writers.push(tokio::spawn(async move {
            let http = crate::probes::client();
            let mut s = worker;
            while !stop.load(Ordering::Relaxed) {
                let student = Uuid::new_v4();
                let token = mint(&signer, student, &format!("Durable Student {s}"), Role::Student);
                for course in [race_courses[(s * 7) % race_courses.len()], volume_course] {
                    let enroll = || testkit::api::enroll(&http, &courses_url, &token, course);
                    if let Outcome::Answered(r) = until_answered(&log, enroll).await {
                        if r.status() == StatusCode::CREATED {
                            log.enrolled.lock().expect("the log").push((course, student));
                            let _ = to_grade.send((course, student)).await;
                        }
                    }
                }
                s += WRITERS;
            }
        }));
    }
    drop(to_grade);

    // The grade writer: grades each acknowledged enrollment once.
    let grader = {
        let (grades_url, log, teacher) = (grades_url.clone(), Arc::clone(&log), teacher.clone());
        tokio::spawn(async move {
            let http = crate::probes::client();
            let scale = [4.0, 3.5, 3.0, 2.5, 2.0];
            while let Some((course, student)) = grade_queue.recv().await {
                let grade = scale[student.as_bytes()[0] as usize % scale.len()];
                let on_scale = Grade::from_f64(grade).expect("a grade of the scale");
                let outcome = until_answered(&log, || {
                    testkit::api::set_grade(&http, &grades_url, &teacher, course, student, on_scale)
                })
                .await;
                match outcome {
                    Outcome::Answered(r) if r.status() == StatusCode::OK => {
                        log.graded.lock().expect("the log").push((course, student, grade))
                    }
                    Outcome::Unanswered => {
                        log.unanswered.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {}
                }
            }
        })
    };

    // The killer, meanwhile: each kill waits for enough acknowledged writes
    // of the node it kills, and lands while writes are in flight.
    let mut kills = Vec::new();
    let acknowledged = |node: &str| match node {
        COURSES => log.enrolled.lock().expect("the log").len(),
        _ => log.graded.lock().expect("the log").len(),
    };
    let mut last = [(COURSES, 0), (GRADES, 0)];
    for _ in 0..rounds {
        for (node, before) in &mut last {
            let waited = Instant::now();
            while acknowledged(node) < *before + WRITES_PER_KILL && waited.elapsed() < Duration::from_secs(30) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            // Between two requests no write is in flight for a moment: wait
            // (briefly) for one that is, so that the kill lands under load.
            let waited = Instant::now();
            while log.in_flight.load(Ordering::SeqCst) == 0 && waited.elapsed() < Duration::from_secs(2) {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            let now = acknowledged(node);
            let in_flight = log.in_flight.load(Ordering::SeqCst);
            cluster.node_mut(node).kill9();
            if let (Some(image), COURSES) = (&at_rest, *node) {
                image.restore();
            }
            kills.push(Kill {
                node,
                in_flight,
                acknowledged_since: now - *before,
            });
            *before = now;
            tokio::time::sleep(Duration::from_millis(300)).await;
            cluster.start_node(node).await?;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await?;
    }
    grader.await?;
    let enrolled = log.enrolled.lock().expect("the log").clone();
    let graded = log.graded.lock().expect("the log").clone();
    let server_errors = log.server_errors.lock().expect("the log").clone();
    let mut course_ids = race_courses;
    course_ids.push(volume_course);
    let mut rows = verify(
        cluster,
        backend,
        &admin,
        &teacher,
        &course_ids,
        &enrolled,
        &graded,
        kills.len(),
        log.unanswered.load(Ordering::Relaxed),
    )
    .await?;
    let label = format!(
        "{} x kill -9 of courses and grades under writes ({backend})",
        kills.len()
    );
    let loaded = kills
        .iter()
        .all(|k| k.in_flight > 0 && k.acknowledged_since >= WRITES_PER_KILL);
    rows.push(Row::new(
        &label,
        format!("each kill lands under load: writes in flight, {WRITES_PER_KILL}+ acknowledged since the last"),
        loaded,
        kills
            .iter()
            .map(|k| {
                format!(
                    "{}: {} in flight, {} acknowledged",
                    k.node, k.in_flight, k.acknowledged_since
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    ));
    rows.push(Row::new(
        &label,
        "no 500 (a server error is never retried away)",
        server_errors.is_empty(),
        format!("{} server errors {:?}", server_errors.len(), server_errors),
    ));
    Ok(rows)
}

/// The self-test's lost disk cache: a database's files as they were at one
/// moment, put back after a kill. Throwing the write-ahead log away alone
/// lost nothing when SQLite had just copied it into the file (one run in
/// many: "0 of 329 lost").
struct DiskImage {
    file: PathBuf,
    database: Vec<u8>,
    log: Option<Vec<u8>>,
}

impl DiskImage {
    /// Taken while nothing is written, so the file and its log agree.
    fn of(file: &Path) -> Self {
        Self {
            file: file.to_owned(),
            database: std::fs::read(file).unwrap_or_default(),
            log: std::fs::read(wal_of(file)).ok(),
        }
    }

    fn restore(&self) {
        let _ = std::fs::write(&self.file, &self.database);
        let _ = match &self.log {
            Some(log) => std::fs::write(wal_of(&self.file), log),
            None => std::fs::remove_file(wal_of(&self.file)),
        };
        // The shared-memory index is rebuilt from the log at the next open.
        let _ = std::fs::remove_file(format!("{}-shm", self.file.display()));
    }
}

fn wal_of(file: &Path) -> PathBuf {
    PathBuf::from(format!("{}-wal", file.display()))
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
    let mut missing_courses = 0;
    for course in course_ids {
        let listing = catalogue.iter().find(|c| c.id == *course);
        // A course that is gone lost its whole roster with it.
        let Some(listing) = listing else {
            missing_courses += 1;
            lost_enrollments += acknowledged.get(course).map_or(0, HashSet::len);
            lost_grades += expected_grades.keys().filter(|(c, _)| c == course).count();
            continue;
        };
        let roster = testkit::read::roster(&http, &cluster.url(COURSES), admin, *course).await?;
        let listed: HashSet<Uuid> = roster.iter().map(|r| r.student_id).collect();
        duplicates += roster.len() - listed.len();
        let capacity = listing.capacity as usize;
        over_capacity += usize::from(roster.len() > capacity);
        lost_enrollments += acknowledged.get(course).map_or(0, |a| a.difference(&listed).count());
        let counted = listing.enrolled as usize;
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
            lost_enrollments == 0 && missing_courses == 0,
            format!(
                "{lost_enrollments} of {} lost, {missing_courses} courses gone",
                enrolled.len()
            ),
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
