//! The HTTP client grade-service uses to ask course-service, on the
//! caller's behalf (their own token is forwarded), who teaches a course and
//! who is enrolled.
//!
//! Every call has a short timeout, so a slow, hung or cut-off course-service
//! costs a request at most that long and is reported as
//! `courses_unavailable`. With several addresses (replicas), a network error
//! or a 5xx moves on to the next one.

use std::time::Duration;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use service_common::peer::{PeerClient, PeerError};
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
    peer: PeerClient,
}

impl CoursesClient {
    pub fn new(bases: Vec<String>, timeout: Duration, ca: Option<&std::path::Path>) -> anyhow::Result<Self> {
        Ok(Self {
            peer: PeerClient::new("courses", bases, timeout, ca)?,
        })
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str, token: &str) -> Result<T, CoursesError> {
        self.peer.get_json(path, token).await.map_err(|e| match e {
            PeerError::Refused(StatusCode::NOT_FOUND) => CoursesError::NotFound,
            PeerError::Refused(StatusCode::FORBIDDEN) => CoursesError::Forbidden,
            other => CoursesError::Unavailable(other.to_string()),
        })
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
