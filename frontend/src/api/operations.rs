//! What the registration-day view reads: each service's own metrics, and
//! the catalogue's counts.

use futures_util::future::join;
use gloo_net::http::Method;
use shared_types::catalogue::TOTAL_COUNT_HEADER;

use super::client::Body;
use super::{Api, CallError};
use crate::service::Service;

impl Api {
    /// A service's `/metrics` (Prometheus text; for admins).
    pub async fn metrics_text(&self, service: Service) -> Result<String, CallError> {
        let reply = self.authorized(service, Method::GET, "/metrics", Body::Empty).await?;
        Ok(reply.text)
    }

    /// How many courses have a free seat, and how many there are: the
    /// `X-Total-Count` of one-row searches, not the whole catalogue.
    pub async fn course_counts(&self) -> Result<(usize, usize), CallError> {
        let (open, all) = join(
            self.matching_courses("/courses?open=true&limit=1"),
            self.matching_courses("/courses?limit=1"),
        )
        .await;
        Ok((open?, all?))
    }

    async fn matching_courses(&self, path: &str) -> Result<usize, CallError> {
        let reply = self
            .authorized(Service::Courses, Method::GET, path, Body::Empty)
            .await?;
        reply
            .headers
            .get(TOTAL_COUNT_HEADER)
            .and_then(|total| total.trim().parse().ok())
            .ok_or(CallError::BadAnswer(Service::Courses))
    }
}
