//! The database is a node too: the services run on a PostgreSQL server of
//! the suite's own, on its own host, while a steady mix of catalogue
//! reads, enrollments, grade writes and sign-ins runs; the server is
//! restarted, crashed (`kill -9` of the postmaster), stopped (SIGSTOP of
//! every process for 10 s) and cut off (10 s). Each fault is judged on the
//! answers the users got: 503 within the bound and never a 500, normal
//! again within 2 s of the database's return, nobody throttled for our
//! failure, and afterwards no acknowledged write lost, no course
//! overbooked, nothing duplicated.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use service_common::auth::TokenSigner;
use service_common::demo;
use shared_types::{Grade, Role};
use uuid::Uuid;

use crate::cluster::{Cluster, Storage, AUTH, COURSES, GRADES};
use crate::hosts::{Hosts, Mode};
use crate::pg_server::PgServer;
use crate::report::Row;

/// The host the database runs on.
pub const DATABASE: &str = "database";
/// The host of a server standing in for a read-only standby, named first in
/// the services' multi-host URL: every connection must pass over it.
pub const STANDBY: &str = "standby";

/// The longest a user may wait for an answer while the database is away:
/// two database deadlines of 2 s (a sign-in asks the database twice).
const LONGEST_WAIT: Duration = Duration::from_secs(4);
/// Normal again within this long of the database's return.
const RECOVERY: Duration = Duration::from_secs(2);
/// How long the stopped and cut-off faults last.
const OUTAGE: Duration = Duration::from_secs(10);
/// Writes a run must have acknowledged for its durability check to count.
const MIN_ACKNOWLEDGED: usize = 100;
pub(crate) const RACE_SEATS: i64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Catalogue,
    Enroll,
    Grade,
    SignIn,
}

/// One answer a user got.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub kind: Kind,
    pub sent: Duration,
    pub latency: Duration,
    /// The status, or `None` when no answer came.
    pub status: Option<u16>,
    /// The error code of a 5xx answer.
    pub code: String,
}

impl Answer {
    pub fn done(&self) -> Duration {
        self.sent + self.latency
    }

    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s) || s == 409)
    }
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    Restart,
    Crash,
    Freeze,
    CutOff,
}

impl Fault {
    const ALL: [Fault; 4] = [Fault::Restart, Fault::Crash, Fault::Freeze, Fault::CutOff];

    fn name(self) -> &'static str {
        match self {
            Fault::Restart => "database restarted",
            Fault::Crash => "database kill -9 (postmaster)",
            Fault::Freeze => "database stopped (SIGSTOP, 10 s)",
            Fault::CutOff => "database cut off (10 s)",
        }
    }

    /// Applies the fault and heals it; returns when the database was back.
    async fn run(self, server: &mut PgServer) -> anyhow::Result<Instant> {
        match self {
            Fault::Restart => {
                server.restart().await?;
                server.wait_ready(Duration::from_secs(30)).await?;
            }
            Fault::Crash => {
                server.crash();
                tokio::time::sleep(Duration::from_secs(1)).await;
                server.recover().await?;
                server.wait_ready(Duration::from_secs(60)).await?;
            }
            Fault::Freeze => {
                server.freeze();
                tokio::time::sleep(OUTAGE).await;
                server.thaw();
            }
            Fault::CutOff => {
                server.host().cut()?;
                tokio::time::sleep(OUTAGE).await;
                server.host().reconnect()?;
            }
        }
        Ok(Instant::now())
    }
}

pub(crate) fn mint(signer: &TokenSigner, id: Uuid, name: &str, role: Role) -> String {
    let claims = signer.claims_for(id, &format!("{id}@example.edu"), name, vec![role]);
    signer.sign(&claims).expect("a token")
}

pub(crate) fn client() -> reqwest::Client {
    // Longer than any bound judged here, so that a slow answer is measured
    // rather than cut short by the harness. A replica that takes no
    // connection within 1 s is passed over for the next.
    crate::trust::client_builder()
        .timeout(Duration::from_secs(15))
        .connect_timeout(Duration::from_secs(1))
        .build()
        .expect("an HTTP client")
}

/// What the workers write down.
#[derive(Default)]
pub(crate) struct Journal {
    pub answers: Vec<Answer>,
    pub enrolled: Vec<(Uuid, Uuid)>,
    /// Course, student, grade, and when the 200 came (since the mix began).
    pub graded: Vec<(Uuid, Uuid, f64, Duration)>,
}

pub(crate) struct Mix {
    pub journal: Arc<Mutex<Journal>>,
    pub epoch: Instant,
    stop: Arc<AtomicBool>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Mix {
    /// Stops the workers; what they wrote down.
    pub async fn finish(self) -> Journal {
        self.stop.store(true, Ordering::Relaxed);
        for worker in self.workers {
            let _ = worker.await;
        }
        let mut journal = self.journal.lock().expect("the journal");
        std::mem::take(&mut *journal)
    }
}

/// Where the mix sends its requests: every replica of each service, tried
/// in turn when one takes no connection (as the browser app does).
#[derive(Clone)]
pub(crate) struct Targets {
    pub auth: Vec<String>,
    pub courses: Vec<String>,
    pub grades: Vec<String>,
}

impl Targets {
    fn of(cluster: &Cluster) -> Self {
        Self {
            auth: vec![cluster.url(AUTH)],
            courses: vec![cluster.url(COURSES)],
            grades: vec![cluster.url(GRADES)],
        }
    }
}

/// Sends `request` to the first replica of `bases` that answers, and
/// writes down what the user got and how long it took in all.
async fn timed(
    journal: &Mutex<Journal>,
    epoch: Instant,
    kind: Kind,
    bases: &[String],
    request: impl Fn(&str) -> reqwest::RequestBuilder,
) -> Option<reqwest::Response> {
    let sent = epoch.elapsed();
    let started = Instant::now();
    let mut response = None;
    for base in bases {
        if let Ok(answer) = request(base).send().await {
            response = Some(answer);
            break;
        }
    }
    let status = response.as_ref().map(|r| r.status().as_u16());
    let mut code = String::new();
    if status.is_some_and(|s| s >= 500) {
        if let Some(failed) = response.take() {
            let body: serde_json::Value = failed.json().await.unwrap_or_default();
            code = body["error"].as_str().unwrap_or_default().to_owned();
        }
    }
    journal.lock().expect("the journal").answers.push(Answer {
        kind,
        sent,
        latency: started.elapsed(),
        status,
        code,
    });
    response
}

pub(crate) fn start_mix(targets: &Targets, signer: &TokenSigner, big_course: Uuid, race_course: Uuid) -> Mix {
    let journal: Arc<Mutex<Journal>> = Arc::default();
    let epoch = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let Targets { auth, courses, grades } = targets.clone();
    let mut workers = Vec::new();

    let reader = mint(signer, demo::STUDENT.id, demo::STUDENT.name, Role::Student);
    {
        let (journal, stop, courses) = (Arc::clone(&journal), Arc::clone(&stop), courses.clone());
        workers.push(tokio::spawn(async move {
            let http = client();
            while !stop.load(Ordering::Relaxed) {
                timed(&journal, epoch, Kind::Catalogue, &courses, |base| {
                    http.get(format!("{base}/courses")).bearer_auth(&reader)
                })
                .await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    let (to_grade, mut grade_queue) = tokio::sync::mpsc::unbounded_channel::<(Uuid, Uuid)>();
    for worker in 0..4 {
        let (journal, stop, courses, signer, to_grade) = (
            Arc::clone(&journal),
            Arc::clone(&stop),
            courses.clone(),
            signer.clone(),
            to_grade.clone(),
        );
        workers.push(tokio::spawn(async move {
            let http = client();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let student = Uuid::new_v4();
                let token = mint(&signer, student, &format!("Steady Student {worker}-{n}"), Role::Student);
                n += 1;
                // Every fourth student also races for one of the few seats.
                let targets: &[Uuid] = if n % 4 == 0 {
                    &[big_course, race_course]
                } else {
                    &[big_course]
                };
                for course in targets {
                    let answer = timed(&journal, epoch, Kind::Enroll, &courses, |base| {
                        testkit::api::enroll(&http, base, &token, *course)
                    })
                    .await;
                    if answer.is_some_and(|r| r.status() == StatusCode::CREATED) {
                        journal.lock().expect("the journal").enrolled.push((*course, student));
                        if *course == big_course {
                            let _ = to_grade.send((*course, student));
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }));
    }
    drop(to_grade);
    {
        let (journal, stop, teacher) = (
            Arc::clone(&journal),
            Arc::clone(&stop),
            mint(signer, demo::TEACHER.id, demo::TEACHER.name, Role::Teacher),
        );
        workers.push(tokio::spawn(async move {
            let http = client();
            let scale = [4.0, 3.5, 3.0, 2.5, 2.0];
            while let Some((course, student)) = grade_queue.recv().await {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let grade = scale[student.as_bytes()[0] as usize % scale.len()];
                let on_scale = Grade::from_f64(grade).expect("a grade of the scale");
                let request = |base: &str| testkit::api::set_grade(&http, base, &teacher, course, student, on_scale);
                if timed(&journal, epoch, Kind::Grade, &grades, request)
                    .await
                    .is_some_and(|r| r.status() == StatusCode::OK)
                {
                    journal
                        .lock()
                        .expect("the journal")
                        .graded
                        .push((course, student, grade, epoch.elapsed()));
                }
            }
        }));
    }
    {
        let (journal, stop) = (Arc::clone(&journal), Arc::clone(&stop));
        workers.push(tokio::spawn(async move {
            let http = client();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let user = demo::USERS[n % demo::USERS.len()];
                n += 1;
                timed(&journal, epoch, Kind::SignIn, &auth, |base| {
                    testkit::api::login(&http, base, user.email, demo::DEMO_PASSWORD)
                })
                .await;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }));
    }
    Mix {
        journal,
        epoch,
        stop,
        workers,
    }
}

pub(crate) fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

/// The rows of one fault, from the answers between its start and the end
/// of its recovery window.
fn judge(fault: Fault, answers: &[Answer], began: Duration, returned: Duration, ended: Duration) -> Vec<Row> {
    let window: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.done() >= began && a.done() < ended)
        .collect();
    let needs_db = |a: &&&Answer| a.kind != Kind::Catalogue;
    let first_503 = window
        .iter()
        .filter(|a| a.status == Some(503))
        .map(|a| a.done().saturating_sub(began))
        .min();
    let longest = window.iter().map(|a| a.latency).max().unwrap_or_default();
    let errors_500 = window.iter().filter(|a| a.status == Some(500)).count();
    let unanswered = window.iter().filter(|a| a.status.is_none()).count();
    let first_success = window
        .iter()
        .filter(needs_db)
        .filter(|a| a.ok() && a.done() >= returned)
        .map(|a| a.done() - returned)
        .min();
    let late_failures: Vec<String> = window
        .iter()
        .filter(needs_db)
        .filter(|a| a.sent >= returned + RECOVERY && !a.ok())
        .map(|a| {
            format!(
                "{:?} {} {} sent {} after",
                a.kind,
                a.status.map_or("unanswered".to_owned(), |s| s.to_string()),
                a.code,
                ms(a.sent - returned)
            )
        })
        .collect();
    let failed_after_recovery = late_failures.len();
    let throttled = window
        .iter()
        .filter(|a| a.kind == Kind::SignIn && matches!(a.status, Some(401 | 429)))
        .count();
    let name = fault.name();
    let first_503_text = first_503.map_or("none".to_owned(), ms);
    vec![
        Row::new(
            name,
            format!(
                "answers while it is away: 503s (the fault shows), never a 500, every one within {}",
                ms(LONGEST_WAIT)
            ),
            first_503.is_some() && errors_500 == 0 && unanswered == 0 && longest <= LONGEST_WAIT,
            format!(
                "first 503 after {first_503_text}; longest wait {}; {errors_500} x 500; {unanswered} unanswered; {} requests",
                ms(longest),
                window.len()
            ),
        ),
        Row::new(
            name,
            format!("normal again within {} of the database's return", ms(RECOVERY)),
            first_success.is_some_and(|d| d <= RECOVERY) && failed_after_recovery == 0,
            format!(
                "first success {} after; {failed_after_recovery} failures later{}",
                first_success.map_or("never".to_owned(), ms),
                if late_failures.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", late_failures.join(", "))
                }
            ),
        ),
        Row::new(
            name,
            "nobody with the right password refused (401 or 429)",
            throttled == 0,
            format!(
                "{throttled} of {} sign-ins",
                window.iter().filter(|a| a.kind == Kind::SignIn).count()
            ),
        ),
    ]
}

pub(crate) async fn create_course(
    http: &reqwest::Client,
    courses: &str,
    admin: &str,
    code: &str,
    seats: i64,
) -> anyhow::Result<Uuid> {
    let teacher = (demo::TEACHER.id, demo::TEACHER.name);
    testkit::write::create_course(http, courses, admin, code, seats, teacher).await
}

/// Runs the four database faults; `hosts` must include [`DATABASE`].
pub async fn database_faults(
    hosts: &Hosts,
    bin_dir: &std::path::Path,
    logs: &std::path::Path,
) -> anyhow::Result<Vec<Row>> {
    std::fs::create_dir_all(logs)?;
    let mut server = PgServer::start(hosts.get(DATABASE), logs, false).await?;
    let standby = PgServer::start(hosts.get(STANDBY), logs, true).await?;
    let storage = Storage::PostgresHosts {
        servers: vec![standby.base_url(), server.base_url()],
        prefix: format!(
            "postgresql://postgres@{}:5432,{}:5432",
            standby.host().ip,
            server.host().ip
        ),
        query: "?target_session_attrs=read-write".into(),
    };
    let cluster = Cluster::start(hosts, bin_dir, &storage, logs).await?;
    let signer = TokenSigner::from_private_pem(&std::fs::read_to_string(&cluster.private_key)?)?;
    let admin = mint(&signer, demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    let http = client();
    let courses = cluster.url(COURSES);
    let big_course = create_course(
        &http,
        &courses,
        &admin,
        "DBF100",
        i64::from(shared_types::Capacity::MAX),
    )
    .await?;
    let race_course = create_course(&http, &courses, &admin, "DBF200", RACE_SEATS).await?;

    let mix = start_mix(&Targets::of(&cluster), &signer, big_course, race_course);
    let mut rows = Vec::new();
    let mut periods = Vec::new();
    tokio::time::sleep(Duration::from_secs(2)).await;
    for fault in Fault::ALL {
        if matches!(fault, Fault::CutOff) && hosts.mode != Mode::Namespaces {
            rows.push(Row::skipped(
                fault.name(),
                "cutting a host off needs network namespaces",
            ));
            continue;
        }
        println!("  {}...", fault.name());
        let began = mix.epoch.elapsed();
        let returned = fault.run(&mut server).await?.duration_since(mix.epoch);
        tokio::time::sleep(RECOVERY * 2).await;
        // Answers sent from here on belong to the next fault.
        periods.push((fault, began, returned, mix.epoch.elapsed()));
    }
    let journal = mix.finish().await;
    for (fault, began, returned, ended) in periods {
        rows.extend(judge(fault, &journal.answers, began, returned, ended));
    }
    let label = "all four database faults, steady writes";
    let (courses, grades) = (cluster.url(COURSES), cluster.url(GRADES));
    let written = Written {
        courses: &courses,
        grades: &grades,
        big_course,
        race_course,
        journal: &journal,
    };
    rows.extend(verify(label, &written, &admin, &signer).await?);
    rows.push(standby_untouched(&standby));
    Ok(rows)
}

/// The services reached the primary through a URL naming the read-only
/// standby first: nothing of theirs may be on the standby.
fn standby_untouched(standby: &PgServer) -> Row {
    let psql = |database: &str, sql: &str| -> Option<String> {
        let output = std::process::Command::new("psql")
            .args([&format!("{}/{database}", standby.base_url()), "-qAtc", sql])
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let databases = psql(
        "postgres",
        "SELECT datname FROM pg_database WHERE datname LIKE 'enroll_chaos_%'",
    )
    .unwrap_or_default();
    let names: Vec<&str> = databases.lines().collect();
    let tables: usize = names
        .iter()
        .filter_map(|db| psql(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
        .filter_map(|count| count.trim().parse::<usize>().ok())
        .sum();
    Row::new(
        "multi-host URL, first host a read-only standby",
        "every service found the writable host; nothing was written to the standby",
        names.len() == 3 && tables == 0,
        format!("{} databases on the standby, {tables} tables in them", names.len()),
    )
}

/// What a run wrote, and where to read it back.
pub(crate) struct Written<'a> {
    pub courses: &'a str,
    pub grades: &'a str,
    pub big_course: Uuid,
    pub race_course: Uuid,
    pub journal: &'a Journal,
}

/// After the faults: every acknowledged write is there, and the race
/// course holds no more than its seats, each student once.
pub(crate) async fn verify(
    label: &str,
    written: &Written<'_>,
    admin: &str,
    signer: &TokenSigner,
) -> anyhow::Result<Vec<Row>> {
    let Written {
        courses,
        grades,
        big_course,
        race_course,
        journal,
    } = *written;
    let http = client();
    let mut lost_enrollments = 0;
    let mut duplicates = 0;
    let mut race_size = 0;
    for course in [big_course, race_course] {
        let roster = testkit::read::roster(&http, courses, admin, course).await?;
        let listed: HashSet<Uuid> = roster.iter().map(|r| r.student_id).collect();
        duplicates += roster.len() - listed.len();
        lost_enrollments += journal
            .enrolled
            .iter()
            .filter(|(c, s)| *c == course && !listed.contains(s))
            .count();
        if course == race_course {
            race_size = roster.len();
        }
    }
    let teacher = mint(signer, demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    let grades: Vec<serde_json::Value> = http
        .get(format!("{grades}/grades/courses/{big_course}"))
        .bearer_auth(&teacher)
        .send()
        .await?
        .json()
        .await?;
    let stored: std::collections::HashMap<String, f64> = grades
        .iter()
        .filter_map(|g| Some((g["student_id"].as_str()?.to_owned(), g["grade"].as_f64()?)))
        .collect();
    let lost: Vec<&(Uuid, Uuid, f64, Duration)> = journal
        .graded
        .iter()
        .filter(|(_, s, grade, _)| stored.get(&s.to_string()) != Some(grade))
        .collect();
    let lost_grades = lost.len();
    let unlisted = lost
        .iter()
        .filter(|(_, s, _, _)| !stored.contains_key(&s.to_string()))
        .count();
    let lost_detail = if lost.is_empty() {
        String::new()
    } else {
        let when: Vec<String> = lost
            .iter()
            .take(5)
            .map(|(.., at)| format!("{:.1} s", at.as_secs_f64()))
            .collect();
        format!(
            " ({unlisted} of them not listed at all; acknowledged at {} into the run; {} grades listed)",
            when.join(", "),
            stored.len()
        )
    };
    let acknowledged = journal.enrolled.len() + journal.graded.len();
    let errors_500 = journal.answers.iter().filter(|a| a.status == Some(500)).count();
    Ok(vec![
        Row::new(
            label,
            format!("every acknowledged write is stored (at least {MIN_ACKNOWLEDGED} acknowledged)"),
            lost_enrollments == 0 && lost_grades == 0 && acknowledged >= MIN_ACKNOWLEDGED,
            format!(
                "{lost_enrollments} of {} enrollments and {lost_grades} of {} grades lost{lost_detail}",
                journal.enrolled.len(),
                journal.graded.len()
            ),
        ),
        Row::new(
            label,
            format!("no overbooking ({RACE_SEATS} seats raced for), no duplicates"),
            race_size as i64 <= RACE_SEATS && duplicates == 0,
            format!("{race_size} of {RACE_SEATS} seats taken; {duplicates} duplicates"),
        ),
        Row::new(
            label,
            "no 500 in the whole run",
            errors_500 == 0,
            format!("{errors_500} of {} answers", journal.answers.len()),
        ),
    ])
}
