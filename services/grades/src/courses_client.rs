//! The HTTP client grade-service uses to ask course-service, on the
//! caller's behalf (their own token is forwarded), who teaches a course and
//! who is enrolled.
//!
//! Every call has a short timeout, so a slow, hung or cut-off course-service
//! costs a request at most that long and is reported as
//! `courses_unavailable`. With several addresses (replicas), a network error
//! or a 5xx moves on to the next one.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use service_common::request_id;
use shared_types::courses::{Course, RosterEntry};
use uuid::Uuid;

/// What asking course-service can end in, besides an answer.
#[derive(Debug, thiserror::Error)]
pub enum CoursesError {
    #[error("course-service is unavailable: {0}")]
    Unavailable(String),
    #[error("no such course")]
    NotFound,
    #[error("course-service refused the caller")]
    Forbidden,
}

/// A client of course-service.
#[derive(Clone)]
pub struct CoursesClient {
    http: reqwest::Client,
    bases: Vec<String>,
}

impl CoursesClient {
    pub fn new(bases: Vec<String>, timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(timeout)
            // A cut-off host never answers the SYN: give up on the connect
            // well before the overall timeout.
            .connect_timeout(timeout.min(Duration::from_millis(1000)))
            .pool_idle_timeout(service_common::server::CLIENT_POOL_IDLE)
            .build()?;
        let bases = bases
            .into_iter()
            .map(|b| b.trim().trim_end_matches('/').to_owned())
            .filter(|b| !b.is_empty())
            .collect::<Vec<_>>();
        anyhow::ensure!(!bases.is_empty(), "--courses-url needs at least one address");
        Ok(Self { http, bases })
    }

    /// In a span of its own, inside the request's: a line logged here says
    /// which call to course-service, for which request.
    #[tracing::instrument(name = "courses_call", skip(self, token))]
    async fn get_json<T: DeserializeOwned>(&self, path: &str, token: &str) -> Result<T, CoursesError> {
        let started = Instant::now();
        let answer = self.ask(path, token).await;
        let outcome = match &answer {
            Ok(_) => "ok",
            Err(CoursesError::Unavailable(_)) => "unavailable",
            Err(CoursesError::NotFound) => "not_found",
            Err(CoursesError::Forbidden) => "forbidden",
        };
        service_common::metrics::record_call("courses", outcome, started.elapsed());
        answer
    }

    /// Each replica in turn, the request's id forwarded (see
    /// `service_common::request_id`).
    async fn ask<T: DeserializeOwned>(&self, path: &str, token: &str) -> Result<T, CoursesError> {
        let mut last_failure = String::new();
        for base in &self.bases {
            let url = format!("{base}{path}");
            let mut request = self.http.get(&url).bearer_auth(token);
            if let Some(id) = request_id::current() {
                request = request.header(request_id::HEADER, id);
            }
            let response = match request.send().await {
                Ok(response) => response,
                Err(e) => {
                    tracing::warn!(%url, error = %e, "course-service did not answer");
                    last_failure = e.to_string();
                    continue;
                }
            };
            match response.status() {
                status if status.is_success() => {
                    return response
                        .json::<T>()
                        .await
                        .map_err(|e| CoursesError::Unavailable(format!("unreadable answer from {url}: {e}")));
                }
                StatusCode::NOT_FOUND => return Err(CoursesError::NotFound),
                StatusCode::FORBIDDEN => return Err(CoursesError::Forbidden),
                status => {
                    tracing::warn!(%url, %status, "course-service failed");
                    last_failure = format!("{url} answered {status}");
                }
            }
        }
        Err(CoursesError::Unavailable(last_failure))
    }

    pub async fn course(&self, id: Uuid, token: &str) -> Result<Course, CoursesError> {
        self.get_json(&format!("/courses/{id}"), token).await
    }

    pub async fn roster(&self, id: Uuid, token: &str) -> Result<Vec<RosterEntry>, CoursesError> {
        self.get_json(&format!("/courses/{id}/roster"), token).await
    }

    /// The course and its roster, asked at the same time.
    pub async fn course_and_roster(&self, id: Uuid, token: &str) -> Result<(Course, Vec<RosterEntry>), CoursesError> {
        tokio::try_join!(self.course(id, token), self.roster(id, token))
    }
}
