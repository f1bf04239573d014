//! Test support: real services on port 0 with a temporary database
//! (a SQLite file, or a fresh PostgreSQL database), test keys and tokens.
//! Nothing here mocks a service or a database.

pub mod api;
mod database;
mod keys;
pub mod metrics;
pub mod openapi;
mod running;

pub use database::{postgres_available, postgres_base, Backend, TestDb};
pub use keys::TestKeys;
pub use running::{ClosedPort, RunningService};

pub use futures_util::future::join_all;

/// Declares `mod <case> { sqlite, postgres }` tests that run the async
/// function `<case>(Backend)` once per backend. The PostgreSQL variant is
/// skipped (and says so) when no server is reachable, unless
/// `REQUIRE_POSTGRES=1`, as in CI, where that is a failure.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$case($crate::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if $crate::postgres_available() {
                    super::$case($crate::Backend::Postgres).await
                }
            }
        }
    )*};
}

/// An HTTP client for tests: no proxy, short timeouts.
pub fn http_client() -> reqwest::Client {
    service_common::tls::client(None, std::time::Duration::from_secs(30)).expect("an HTTP client")
}

/// The status and the JSON body of an answer (`null` for an empty one),
/// checking that an error has the contract's body: `error` and `message`.
pub async fn status_and_body(response: reqwest::Response) -> (reqwest::StatusCode, serde_json::Value) {
    let status = response.status();
    let bytes = response.bytes().await.expect("a body");
    let body: serde_json::Value = if bytes.is_empty() {
        serde_json::Value::Null
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

/// Typed reads of the services' APIs, for harnesses that check what the
/// services hold after a run.
pub mod read {
    use shared_types::courses::{Course, RosterEntry};
    use uuid::Uuid;

    use crate::api;

    async fn json_of<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> anyhow::Result<T> {
        let response = request.send().await?;
        let url = response.url().clone();
        anyhow::ensure!(response.status().is_success(), "GET {url}: {}", response.status());
        Ok(response.json().await?)
    }

    /// `GET /courses` of course-service at `courses`.
    pub async fn catalogue(http: &reqwest::Client, courses: &str, token: &str) -> anyhow::Result<Vec<Course>> {
        json_of(api::catalogue(http, courses, token)).await
    }

    /// `GET /courses/{id}/roster` of course-service at `courses`.
    pub async fn roster(
        http: &reqwest::Client,
        courses: &str,
        token: &str,
        course: Uuid,
    ) -> anyhow::Result<Vec<RosterEntry>> {
        json_of(api::roster(http, courses, token, course)).await
    }
}

/// Typed writes through the services' APIs, for harnesses that set up data.
pub mod write {
    use reqwest::StatusCode;
    use shared_types::courses::{Course, CreateCourseRequest};
    use uuid::Uuid;

    use crate::api;

    /// `POST /courses` as the admin `admin`; the new course's id.
    pub async fn create_course(
        http: &reqwest::Client,
        courses: &str,
        admin: &str,
        code: &str,
        capacity: i64,
        teacher: (Uuid, &str),
    ) -> anyhow::Result<Uuid> {
        let course = CreateCourseRequest {
            code: code.to_owned(),
            title: format!("Course {code}"),
            description: "A course of the test harness, with a description of typical length for a university listing."
                .to_owned(),
            capacity,
            teacher_id: teacher.0,
            teacher_name: teacher.1.to_owned(),
            credits: None,
            term_id: None,
            section: None,
        };
        let response = api::create_course(http, courses, admin, &course).send().await?;
        anyhow::ensure!(
            response.status() == StatusCode::CREATED,
            "creating {code}: {}",
            response.status()
        );
        Ok(response.json::<Course>().await?.id)
    }
}
