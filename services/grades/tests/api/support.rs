//! Starts the real grade-service on port 0, talking to a real
//! course-service, each with its own temporary database.

use clap::Parser;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::Value;
use service_common::demo::DemoUser;
use shared_types::Role;
use testkit::{status_and_body, Backend, RunningService, TestDb, TestKeys};
use uuid::Uuid;

pub struct TestGrades {
    pub grades: RunningService,
    pub courses: RunningService,
    pub grades_db: TestDb,
    pub courses_db: TestDb,
    pub keys: TestKeys,
    pub client: Client,
}

pub async fn spawn_courses(backend: Backend, keys: &TestKeys) -> (RunningService, TestDb) {
    let db = TestDb::create(backend);
    (start_courses(&db, keys).await, db)
}

/// course-service with the demo data on `db`, which may already hold it:
/// another replica, or the same service restarted.
pub async fn start_courses(db: &TestDb, keys: &TestKeys) -> RunningService {
    start_courses_with(db, keys, &[]).await
}

/// [`start_courses`] with `extra` flags.
pub async fn start_courses_with(db: &TestDb, keys: &TestKeys, extra: &[String]) -> RunningService {
    let mut args = vec![
        "course-service".to_owned(),
        "--bind=127.0.0.1:0".into(),
        format!("--database-url={}", db.url),
        format!("--jwt-public-key={}", keys.public_dir.display()),
        "--seed-demo".into(),
    ];
    args.extend(extra.iter().cloned());
    let cli = course_service::cli::Cli::parse_from(args);
    let server = course_service::build(cli.serve).await.expect("course-service starts");
    RunningService::spawn(server)
}

/// grade-service on a new database; `courses_url` may list several
/// addresses, comma separated.
pub async fn spawn_grades(backend: Backend, keys: &TestKeys, courses_url: &str) -> (RunningService, TestDb) {
    let db = TestDb::create(backend);
    (start_grades(&db, keys, courses_url).await, db)
}

/// grade-service with the demo data on `db`, which may already hold it.
pub async fn start_grades(db: &TestDb, keys: &TestKeys, courses_url: &str) -> RunningService {
    start_grades_with(db, keys, courses_url, &[]).await
}

/// [`start_grades`] with `extra` flags.
pub async fn start_grades_with(db: &TestDb, keys: &TestKeys, courses_url: &str, extra: &[String]) -> RunningService {
    let mut args = vec![
        "grade-service".to_owned(),
        "--bind=127.0.0.1:0".into(),
        format!("--database-url={}", db.url),
        format!("--jwt-public-key={}", keys.public_dir.display()),
        format!("--courses-url={courses_url}"),
        "--seed-demo".into(),
    ];
    args.extend(extra.iter().cloned());
    let cli = grade_service::cli::Cli::parse_from(args);
    let server = grade_service::build(cli.serve).await.expect("grade-service starts");
    RunningService::spawn(server)
}

impl TestGrades {
    /// course-service and grade-service with the demo data.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with_keys(backend, TestKeys::generate()).await
    }

    /// Both services with the demo data, verifying tokens with the keys of
    /// `keys.public_dir`.
    pub async fn spawn_with_keys(backend: Backend, keys: TestKeys) -> Self {
        let (courses, courses_db) = spawn_courses(backend, &keys).await;
        let courses_url = courses.url.clone();
        Self::with_courses_urls(backend, keys, (courses, courses_db), &courses_url).await
    }

    /// grade-service asking course-service at `courses_urls` (comma
    /// separated, tried in turn), beside `courses`, which it may or may not
    /// list.
    pub async fn with_courses_urls(
        backend: Backend,
        keys: TestKeys,
        (courses, courses_db): (RunningService, TestDb),
        courses_urls: &str,
    ) -> Self {
        let (grades, grades_db) = spawn_grades(backend, &keys, courses_urls).await;
        Self::of((grades, grades_db), (courses, courses_db), keys)
    }

    /// The two services as started.
    pub fn of(
        (grades, grades_db): (RunningService, TestDb),
        (courses, courses_db): (RunningService, TestDb),
        keys: TestKeys,
    ) -> Self {
        Self {
            grades,
            courses,
            grades_db,
            courses_db,
            keys,
            client: testkit::http_client(),
        }
    }

    pub fn token_of(&self, user: DemoUser) -> String {
        self.keys.token(user.id, user.name, user.roles)
    }

    pub fn new_student(&self, name: &str) -> (Uuid, String) {
        let id = Uuid::new_v4();
        (id, self.keys.token(id, name, &[Role::Student]))
    }

    pub async fn call(
        &self,
        service: &RunningService,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.client.request(method, service.at(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request sent")
    }

    pub async fn set_grade(&self, token: &str, course: Uuid, student: Uuid, grade: Value) -> Response {
        let path = format!("/grades/courses/{course}/students/{student}");
        self.call(
            &self.grades,
            Method::PUT,
            &path,
            token,
            Some(serde_json::json!({ "grade": grade })),
        )
        .await
    }

    pub async fn upload(&self, token: &str, course: Uuid, content_type: &str, body: String) -> Response {
        self.client
            .post(self.grades.at(&format!("/grades/courses/{course}")))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("upload sent")
    }

    /// The grade history of one student in a course as the course's
    /// teacher reads it, oldest first: `(old grade, new grade)` per change.
    pub async fn history_steps(&self, course: Uuid, student: Uuid) -> Vec<(Option<f64>, f64)> {
        let teacher = self.token_of(service_common::demo::TEACHER);
        let path = format!("/grades/courses/{course}/history?student_id={student}");
        let (status, history) =
            status_and_body(self.call(&self.grades, Method::GET, &path, &teacher, None).await).await;
        assert_eq!(status, StatusCode::OK, "{history}");
        history
            .as_array()
            .expect("a list of changes")
            .iter()
            .map(|change| {
                (
                    change["old_grade"].as_f64(),
                    change["new_grade"].as_f64().expect("a new grade"),
                )
            })
            .collect()
    }

    /// `GET /grades/courses/{course}` as the demo teacher: every enrolled
    /// student with their grade.
    pub async fn teacher_view(&self, course: Uuid) -> Value {
        let teacher = self.token_of(service_common::demo::TEACHER);
        let path = format!("/grades/courses/{course}");
        let (status, list) = status_and_body(self.call(&self.grades, Method::GET, &path, &teacher, None).await).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        list
    }

    /// Rows of `grades` and of `grade_changes`, counted in the database.
    pub fn stored_counts(&self) -> (u64, u64) {
        let count = |table: &str| -> u64 {
            self.grades_db
                .select_text(&format!("SELECT CAST(COUNT(*) AS TEXT) AS value FROM {table}"))
                .remove(0)
                .parse()
                .expect("a count")
        };
        (count("grades"), count("grade_changes"))
    }

    /// Enrolls a student through course-service, as the student.
    pub async fn enroll(&self, course: Uuid, student_token: &str) {
        let response = self
            .call(
                &self.courses,
                Method::POST,
                &format!("/courses/{course}/enrollment"),
                student_token,
                None,
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
}
