#![allow(dead_code)] // Each test file uses its own part of the support code.

//! Starts the real grade-service on port 0, talking to a real
//! course-service, each with its own temporary database.

use clap::Parser;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::Value;
use service_common::demo::DemoUser;
use shared_types::Role;
use testkit::{Backend, RunningService, TestDb, TestKeys};
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
    let cli = course_service::cli::Cli::parse_from([
        "course-service".to_owned(),
        "--bind=127.0.0.1:0".into(),
        format!("--database-url={}", db.url),
        format!("--jwt-public-key={}", keys.public_dir.display()),
        "--seed-demo".into(),
    ]);
    let server = course_service::build(cli.serve).await.expect("course-service starts");
    (RunningService::spawn(server), db)
}

pub async fn spawn_grades(backend: Backend, keys: &TestKeys, courses_url: &str) -> (RunningService, TestDb) {
    let db = TestDb::create(backend);
    let cli = grade_service::cli::Cli::parse_from([
        "grade-service".to_owned(),
        "--bind=127.0.0.1:0".into(),
        format!("--database-url={}", db.url),
        format!("--jwt-public-key={}", keys.public_dir.display()),
        format!("--courses-url={courses_url}"),
        "--seed-demo".into(),
    ]);
    let server = grade_service::build(cli.serve).await.expect("grade-service starts");
    (RunningService::spawn(server), db)
}

impl TestGrades {
    /// course-service and grade-service with the demo data.
    pub async fn spawn(backend: Backend) -> Self {
        let keys = TestKeys::generate();
        let (courses, courses_db) = spawn_courses(backend, &keys).await;
        let (grades, grades_db) = spawn_grades(backend, &keys, &courses.url).await;
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

/// The status and the JSON body of an answer, checking that an error body
/// has the contract's shape.
pub async fn status_and_body(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = response.bytes().await.expect("a body");
    let body: Value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("a JSON body")
    };
    if !status.is_success() {
        assert!(
            body["error"].is_string() && body["message"].is_string(),
            "bad error body: {body}"
        );
    }
    (status, body)
}
