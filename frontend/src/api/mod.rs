//! The services' APIs as typed calls, with the session's token attached.
//!
//! Every panel goes through [`Api`]: one client per service (each with its
//! own replicas and budget), and one rule for a refused token: the session
//! ends and the sign-in page says why. Each service's calls are in a file
//! of its own.

mod auth;
pub mod client;
mod courses;
mod error;
mod grades;
mod operations;
mod transfer;

use gloo_net::http::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use shared_types::import::ImportReport;

pub use auth::SignInWait;
pub use client::ServiceClient;
use client::{Body, Reply};
pub use error::{kilobytes, CallError};
pub use grades::ClassGrades;

use crate::config::Config;
use crate::service::Service;
use crate::session::CurrentSession;

#[derive(Clone)]
pub struct Api {
    auth: ServiceClient,
    courses: ServiceClient,
    grades: ServiceClient,
    session: CurrentSession,
}

impl Api {
    pub fn new(config: &Config, session: CurrentSession) -> Self {
        Self {
            auth: ServiceClient::new(Service::Auth, config.replicas(Service::Auth)),
            courses: ServiceClient::new(Service::Courses, config.replicas(Service::Courses)),
            grades: ServiceClient::new(Service::Grades, config.replicas(Service::Grades)),
            session,
        }
    }

    pub fn client(&self, service: Service) -> &ServiceClient {
        match service {
            Service::Auth => &self.auth,
            Service::Courses => &self.courses,
            Service::Grades => &self.grades,
        }
    }

    pub fn session(&self) -> CurrentSession {
        self.session
    }

    /// Sends a call with the session's token; any answer is returned, but a
    /// refused token ends the session.
    async fn send_authorized(
        &self,
        service: Service,
        method: Method,
        path: &str,
        body: Body,
    ) -> Result<Reply, CallError> {
        let Some(token) = self.session.token() else {
            return Err(CallError::Rejected {
                status: 401,
                code: "not_signed_in".into(),
                message: "Please sign in.".into(),
            });
        };
        let reply = self
            .client(service)
            .send(method, path, Some(token.expose()), &body)
            .await?;
        if reply.status == 401 {
            self.session
                .end_if_holding(&token, "Your session has ended. Please sign in again.");
        }
        Ok(reply)
    }

    /// Like [`Self::send_authorized`], with every non-2xx answer as an error.
    async fn authorized(&self, service: Service, method: Method, path: &str, body: Body) -> Result<Reply, CallError> {
        let reply = self.send_authorized(service, method, path, body).await?;
        if reply.is_success() {
            Ok(reply)
        } else {
            Err(reply.into_error(service))
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, service: Service, path: &str) -> Result<T, CallError> {
        let reply = self.authorized(service, Method::GET, path, Body::Empty).await?;
        self.client(service).decode(&reply)
    }

    /// Sends a CSV import to `path`: the report, also when the file is
    /// refused (422 with the report of each row).
    pub async fn import_csv(&self, service: Service, path: &str, csv: String) -> Result<ImportReport, CallError> {
        let reply = self
            .send_authorized(service, Method::POST, path, Body::Csv(csv))
            .await?;
        if reply.is_success() {
            return self.client(service).decode(&reply);
        }
        match serde_json::from_str::<ImportReport>(&reply.text) {
            Ok(report) if reply.status == 422 && !report.rows.is_empty() => Ok(report),
            _ => Err(reply.into_error(service)),
        }
    }

    async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        service: Service,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, CallError> {
        let json = serde_json::to_string(body).map_err(|_| CallError::BadAnswer(service))?;
        let reply = self.authorized(service, method, path, Body::Json(json)).await?;
        self.client(service).decode(&reply)
    }
}
