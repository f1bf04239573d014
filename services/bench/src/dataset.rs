//! The registration-day data set: 50 teachers, 100 courses of 3 sections
//! each (300 sections of 40 seats, each meeting twice a week, the course
//! worth 3 to 5 credits) and 10,000 students, created through the
//! services' own APIs (students exist only as signed tokens: course-service
//! copies names from the token).

use std::sync::Arc;

use service_common::demo;
use shared_types::Role;
use uuid::Uuid;

use crate::load;
use crate::nodes::Nodes;

pub const TEACHERS: usize = 50;
/// Sections, the unit a student enrolls in: `SECTIONS_PER_COURSE` in a row
/// for each course code.
pub const COURSES: usize = 300;
pub const SECTIONS_PER_COURSE: usize = 3;
/// The demo term's limit: 5 courses of 3 to 5 credits often pass it.
pub const MAX_CREDITS: i64 = 18;
pub const SEATS: i64 = 40;
pub const STUDENTS: usize = 10_000;

pub struct Student {
    pub id: Uuid,
    pub token: String,
}

pub struct Course {
    pub id: Uuid,
    /// Its week, as (day 1-7, start, end) in minutes after midnight: empty
    /// for the plain courses of a second rush.
    pub meets: Vec<(u8, i32, i32)>,
    pub credits: i64,
}

impl Course {
    /// A course of a second rush: no meetings, and worth nothing, so that
    /// the credits the first rush left do not decide it.
    pub fn plain(id: Uuid) -> Self {
        Self {
            id,
            meets: Vec::new(),
            credits: 0,
        }
    }

    pub fn clashes_with(&self, other: &Course) -> bool {
        self.meets
            .iter()
            .any(|(day, starts, ends)| other.meets.iter().any(|(d, s, e)| d == day && starts < e && s < ends))
    }
}

/// The slots a section may meet in: Monday to Friday at 08:00, 10:00,
/// 13:00 and 15:00, 105 minutes each, twice a week (Mon/Wed, Tue/Thu, or
/// Wed/Fri), so two picks clash often enough to exercise the check.
fn week_of(slot: usize) -> Vec<(u8, i32, i32)> {
    const DAYS: [(u8, u8); 3] = [(1, 3), (2, 4), (3, 5)];
    const STARTS: [i32; 4] = [8 * 60, 10 * 60, 13 * 60, 15 * 60];
    let (first, second) = DAYS[slot % DAYS.len()];
    let starts = STARTS[(slot / DAYS.len()) % STARTS.len()];
    vec![(first, starts, starts + 105), (second, starts, starts + 105)]
}

fn hhmm(minutes: i32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn weekday(day: u8) -> &'static str {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][usize::from(day) - 1]
}

pub struct Dataset {
    pub admin: String,
    pub teacher_tokens: Vec<String>,
    pub teacher_ids: Vec<Uuid>,
    pub courses: Vec<Course>,
    pub students: Arc<Vec<Student>>,
}

pub fn token(nodes: &Nodes, id: Uuid, name: &str, role: Role) -> String {
    let claims = nodes
        .signer
        .claims_for(id, &format!("{id}@example.edu"), name, vec![role]);
    nodes.signer.sign(&claims).expect("a token")
}

/// Creates a course through the admin API and returns its id.
pub async fn create_course(
    http: &reqwest::Client,
    nodes: &Nodes,
    admin: &str,
    code: &str,
    capacity: i64,
    teacher: (Uuid, &str),
) -> anyhow::Result<Uuid> {
    testkit::write::create_course(http, &nodes.courses, admin, code, capacity, teacher).await
}

pub async fn patch(
    http: &reqwest::Client,
    nodes: &Nodes,
    admin: &str,
    id: Uuid,
    body: serde_json::Value,
) -> anyhow::Result<()> {
    let changed = http
        .patch(format!("{}/courses/{id}", nodes.courses))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await?;
    anyhow::ensure!(changed.status().is_success(), "changing a course: {}", changed.status());
    Ok(())
}

/// Adds section `n` (from 0) of the course `first` is a section of.
async fn add_section(
    http: &reqwest::Client,
    nodes: &Nodes,
    admin: &str,
    first: Uuid,
    n: usize,
    teacher: (Uuid, &str),
) -> anyhow::Result<Uuid> {
    let added = http
        .post(format!("{}/courses/{first}/sections", nodes.courses))
        .bearer_auth(admin)
        .json(
            &serde_json::json!({"section": format!("{:02}", n + 1), "capacity": SEATS,
                                  "teacher_id": teacher.0, "teacher_name": teacher.1}),
        )
        .send()
        .await?;
    anyhow::ensure!(added.status().is_success(), "adding a section: {}", added.status());
    Ok(added.json::<shared_types::courses::Course>().await?.id)
}

/// `n` students no scenario has used, as (id, token), named `label` and a
/// number.
pub fn fresh_students(nodes: &Nodes, n: usize, label: &str) -> Vec<(Uuid, String)> {
    (0..n)
        .map(|k| {
            let id = Uuid::new_v4();
            (id, token(nodes, id, &format!("{label} {k}"), Role::Student))
        })
        .collect()
}

/// `count` fresh courses of `seats` each (codes `prefix` and a number),
/// without meetings and worth no credits, so that what the students hold
/// from the rushes before decides nothing in a later scenario.
pub async fn fresh_courses(
    nodes: &Nodes,
    data: &Dataset,
    prefix: &str,
    count: usize,
    seats: i64,
) -> anyhow::Result<Vec<Uuid>> {
    let http = load::client();
    let mut courses = Vec::with_capacity(count);
    for n in 0..count {
        let teacher = n % data.teacher_ids.len();
        let name = format!("Teacher {teacher}");
        let code = format!("{prefix}{n:04}");
        let id = create_course(
            &http,
            nodes,
            &data.admin,
            &code,
            seats,
            (data.teacher_ids[teacher], &name),
        )
        .await?;
        patch(&http, nodes, &data.admin, id, serde_json::json!({ "credits": 0 })).await?;
        courses.push(id);
    }
    Ok(courses)
}

pub async fn seed(nodes: &Nodes) -> anyhow::Result<Dataset> {
    let admin = token(nodes, demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    let teacher_ids: Vec<Uuid> = (0..TEACHERS).map(|_| Uuid::new_v4()).collect();
    let teacher_tokens = teacher_ids
        .iter()
        .enumerate()
        .map(|(n, id)| token(nodes, *id, &format!("Teacher {n}"), Role::Teacher))
        .collect();
    let http = load::client();
    let mut courses = Vec::with_capacity(COURSES);
    let mut draw = Draw::new(7);
    for code in 0..COURSES / SECTIONS_PER_COURSE {
        let credits = 3 + (code % 3) as i64;
        let mut first = None;
        for section in 0..SECTIONS_PER_COURSE {
            let teacher = (code * SECTIONS_PER_COURSE + section) % TEACHERS;
            let name = format!("Teacher {teacher}");
            let id = match first {
                None => {
                    let id = create_course(
                        &http,
                        nodes,
                        &admin,
                        &format!("C{code:04}"),
                        SEATS,
                        (teacher_ids[teacher], &name),
                    )
                    .await?;
                    patch(&http, nodes, &admin, id, serde_json::json!({ "credits": credits })).await?;
                    first = Some(id);
                    id
                }
                Some(first) => add_section(&http, nodes, &admin, first, section, (teacher_ids[teacher], &name)).await?,
            };
            let meets = week_of(draw.below(12));
            let week: Vec<serde_json::Value> = meets
                .iter()
                .map(|(day, starts, ends)| {
                    serde_json::json!({"day": weekday(*day), "starts": hhmm(*starts), "ends": hhmm(*ends), "room": "R-1"})
                })
                .collect();
            let set = http
                .put(format!("{}/courses/{id}/meetings", nodes.courses))
                .bearer_auth(&admin)
                .json(&week)
                .send()
                .await?;
            anyhow::ensure!(set.status().is_success(), "setting a week: {}", set.status());
            courses.push(Course { id, meets, credits });
        }
    }
    let students = (0..STUDENTS)
        .map(|n| {
            let id = Uuid::new_v4();
            Student {
                id,
                token: token(nodes, id, &format!("Student {n:05}"), Role::Student),
            }
        })
        .collect();
    Ok(Dataset {
        admin,
        teacher_tokens,
        teacher_ids,
        courses,
        students: Arc::new(students),
    })
}

/// A small deterministic generator (xorshift64*), so every run draws the
/// same choices.
pub struct Draw(u64);

impl Draw {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    }
}
