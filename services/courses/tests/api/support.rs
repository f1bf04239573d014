//! Starts the real course-service on port 0 with a temporary database.

use clap::Parser;
use course_service::cli::Cli;
use reqwest::{Client, Method, Response};
use serde_json::Value;
use shared_types::Role;
use testkit::{Backend, RunningService, TestDb, TestKeys};
use uuid::Uuid;

pub struct TestCourses {
    pub service: RunningService,
    pub db: TestDb,
    /// Databases of other services this test started, dropped with it.
    pub other_dbs: Vec<TestDb>,
    pub keys: TestKeys,
    pub client: Client,
}

impl TestCourses {
    /// course-service with the demo courses.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, &[]).await
    }

    /// course-service with the demo courses and `extra` flags.
    pub async fn spawn_with(backend: Backend, extra: &[&str]) -> Self {
        Self::spawn_with_keys(backend, TestKeys::generate(), extra).await
    }

    /// course-service with the demo courses, and the real auth-service
    /// (demo users, its own database) that it asks for teachers.
    pub async fn spawn_with_auth(backend: Backend) -> (Self, RunningService) {
        let keys = TestKeys::generate();
        let auth_db = TestDb::create(backend);
        let auth = auth_service::build(
            auth_service::cli::Cli::parse_from([
                "auth-service".to_owned(),
                "--bind=127.0.0.1:0".into(),
                format!("--database-url={}", auth_db.url),
                format!("--jwt-private-key={}", keys.private_key.display()),
                format!("--jwt-public-key={}", keys.public_dir.display()),
                "--seed-demo".into(),
            ])
            .serve,
        )
        .await
        .expect("auth-service starts");
        let auth = RunningService::spawn(auth);
        let auth_url = format!("--auth-url={}", auth.url);
        let mut courses = Self::spawn_with_keys(backend, keys, &[&auth_url]).await;
        courses.other_dbs.push(auth_db);
        (courses, auth)
    }

    pub async fn spawn_with_keys(backend: Backend, keys: TestKeys, extra: &[&str]) -> Self {
        let db = TestDb::create(backend);
        let mut args = vec![
            "course-service".to_owned(),
            "--bind=127.0.0.1:0".into(),
            format!("--database-url={}", db.url),
            format!("--jwt-public-key={}", keys.public_dir.display()),
            "--seed-demo".into(),
        ];
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let cli = Cli::parse_from(args);
        let server = course_service::build(cli.serve).await.expect("course-service starts");
        Self {
            service: RunningService::spawn(server),
            db,
            other_dbs: Vec::new(),
            keys,
            client: testkit::http_client(),
        }
    }

    /// Another replica: a second course-service on the same database and keys.
    pub async fn replica(&self) -> RunningService {
        let cli = Cli::parse_from([
            "course-service".to_owned(),
            "--bind=127.0.0.1:0".into(),
            format!("--database-url={}", self.db.url),
            format!("--jwt-public-key={}", self.keys.public_dir.display()),
        ]);
        RunningService::spawn(course_service::build(cli.serve).await.expect("course-service starts"))
    }

    pub fn token(&self, id: Uuid, name: &str, role: Role) -> String {
        self.keys.token(id, name, &[role])
    }

    pub async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Response {
        let mut request = self.client.request(method, self.service.at(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request sent")
    }

    pub async fn enroll(&self, course: Uuid, token: &str) -> Response {
        self.call(Method::POST, &format!("/courses/{course}/enrollment"), token, None)
            .await
    }
}
