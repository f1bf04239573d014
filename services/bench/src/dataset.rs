//! The registration-day data set: 50 teachers, 300 courses of 40 seats and
//! 10,000 students, created through the services' own APIs (students exist
//! only as signed tokens: course-service copies names from the token).

use std::sync::Arc;

use service_common::demo;
use shared_types::Role;
use uuid::Uuid;

use crate::load;
use crate::nodes::Nodes;

pub const TEACHERS: usize = 50;
pub const COURSES: usize = 300;
pub const SEATS: i64 = 40;
pub const STUDENTS: usize = 10_000;

pub struct Student {
    pub id: Uuid,
    pub token: String,
}

pub struct Course {
    pub id: Uuid,
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
    for n in 0..COURSES {
        let teacher = n % TEACHERS;
        let name = format!("Teacher {teacher}");
        let id = create_course(
            &http,
            nodes,
            &admin,
            &format!("C{n:04}"),
            SEATS,
            (teacher_ids[teacher], &name),
        )
        .await?;
        courses.push(Course { id });
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
