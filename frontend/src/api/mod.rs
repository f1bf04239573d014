//! The services' APIs as typed calls, with the session's token attached.
//!
//! Every panel goes through [`Api`]: one client per service (each with its
//! own replicas and budget), and one rule for a refused token: the session
//! ends and the sign-in page says why.

pub mod client;
mod error;
mod transfer;

use gloo_net::http::Method;
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use shared_types::auth::{
    ChangePasswordRequest, CreateUserRequest, LoginRequest, LoginResponse, PasswordResetRequest, UpdateUserRequest,
    User,
};
use shared_types::courses::{Course, CreateCourseRequest, Enrollment, MyEnrollment, SeatChanges, SEATS_AS_OF_HEADER};
use shared_types::grades::{GradeRecord, MyGrade, StudentGrade, UploadReport, ROSTER_COMPLETE_HEADER};
use shared_types::{Grade, Role};
use uuid::Uuid;

pub use client::ServiceClient;
use client::{Body, Reply};
pub use error::{kilobytes, ApiError};

use crate::config::Config;
use crate::service::Service;
use crate::session::Session;

/// How long the sign-in form keeps waiting out a busy queue before it
/// shows the refusal.
const SIGN_IN_QUEUE_LIMIT_MS: f64 = 5.0 * 60_000.0;

/// The seconds to wait when `reply` is auth's "queue full" answer.
fn queue_wait_seconds(reply: &Reply) -> Option<u32> {
    let body: shared_types::ErrorBody = serde_json::from_str(&reply.text).ok()?;
    if reply.status != 503 || body.error != "auth_busy" {
        return None;
    }
    let seconds = reply.headers.get("retry-after")?.trim().parse::<u32>().ok()?;
    Some(seconds.clamp(1, 60))
}

/// The grades of one class, and whether the roster behind them is complete.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassGrades {
    pub students: Vec<StudentGrade>,
    /// `false` when grade-service could not ask course-service for the
    /// roster: only students who already have a grade are listed.
    pub roster_complete: bool,
}

#[derive(Clone)]
pub struct Api {
    auth: ServiceClient,
    courses: ServiceClient,
    grades: ServiceClient,
    session: RwSignal<Option<Session>>,
    notice: RwSignal<Option<String>>,
}

impl Api {
    pub fn new(config: &Config, session: RwSignal<Option<Session>>, notice: RwSignal<Option<String>>) -> Self {
        Self {
            auth: ServiceClient::new(Service::Auth, config.replicas(Service::Auth)),
            courses: ServiceClient::new(Service::Courses, config.replicas(Service::Courses)),
            grades: ServiceClient::new(Service::Grades, config.replicas(Service::Grades)),
            session,
            notice,
        }
    }

    pub fn client(&self, service: Service) -> &ServiceClient {
        match service {
            Service::Auth => &self.auth,
            Service::Courses => &self.courses,
            Service::Grades => &self.grades,
        }
    }

    pub fn notice(&self) -> RwSignal<Option<String>> {
        self.notice
    }

    pub fn start_session(&self, session: Session) {
        session.store();
        self.notice.set(None);
        self.session.set(Some(session));
    }

    /// Ends the session; `why` is shown on the sign-in page.
    pub fn end_session(&self, why: Option<&str>) {
        Session::clear();
        self.notice.set(why.map(str::to_owned));
        self.session.set(None);
    }

    /// Sends a call with the session's token; any answer is returned, but a
    /// refused token ends the session.
    async fn send_authorized(
        &self,
        service: Service,
        method: Method,
        path: &str,
        body: Body,
    ) -> Result<Reply, ApiError> {
        let Some(token) = self.session.with_untracked(|s| s.as_ref().map(|s| s.token.clone())) else {
            return Err(ApiError::Rejected {
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
            // Only the session that sent the token ends, not a newer one.
            let still_current = self
                .session
                .with_untracked(|s| s.as_ref().is_some_and(|s| s.token == token));
            if still_current {
                self.end_session(Some("Your session has ended. Please sign in again."));
            }
        }
        Ok(reply)
    }

    /// Like [`Self::send_authorized`], with every non-2xx answer as an error.
    async fn authorized(&self, service: Service, method: Method, path: &str, body: Body) -> Result<Reply, ApiError> {
        let reply = self.send_authorized(service, method, path, body).await?;
        if reply.is_success() {
            Ok(reply)
        } else {
            Err(reply.into_error(service))
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, service: Service, path: &str) -> Result<T, ApiError> {
        let reply = self.authorized(service, Method::GET, path, Body::Empty).await?;
        self.client(service).decode(&reply)
    }

    async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        service: Service,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let json = serde_json::to_string(body).map_err(|_| ApiError::BadAnswer(service))?;
        let reply = self.authorized(service, method, path, Body::Json(json)).await?;
        self.client(service).decode(&reply)
    }

    // auth-service

    /// Signs in. A full sign-in queue (503 `auth_busy`, on registration
    /// morning) is waited out here: the attempt is repeated after the
    /// server's `Retry-After`, and `on_queue` hears how long, so a person
    /// never has to press twice.
    pub async fn login(&self, email: &str, password: &str, on_queue: impl Fn(u32)) -> Result<LoginResponse, ApiError> {
        let body = serde_json::to_string(&LoginRequest {
            email: email.to_owned(),
            password: password.into(),
        })
        .map_err(|_| ApiError::BadAnswer(Service::Auth))?;
        let started = js_sys::Date::now();
        loop {
            let reply = self
                .auth
                .send(Method::POST, "/auth/login", None, &Body::Json(body.clone()))
                .await?;
            if reply.is_success() {
                return self.auth.decode(&reply);
            }
            match queue_wait_seconds(&reply) {
                Some(wait) if js_sys::Date::now() - started < SIGN_IN_QUEUE_LIMIT_MS => {
                    on_queue(wait);
                    gloo_timers::future::TimeoutFuture::new(wait.saturating_mul(1000)).await;
                }
                _ => return Err(reply.into_error(Service::Auth)),
            }
        }
    }

    /// Signs out here: the session ends in this browser at once, and auth
    /// is told to end the token too (if it is away, the token still
    /// expires within the hour; nothing here waits for it).
    pub fn sign_out(&self) {
        let token = self.session.with_untracked(|s| s.as_ref().map(|s| s.token.clone()));
        self.end_session(None);
        if let Some(token) = token {
            let auth = self.auth.clone();
            leptos::task::spawn_local(async move {
                let _ = auth
                    .send(Method::POST, "/auth/logout", Some(token.expose()), &Body::Empty)
                    .await;
            });
        }
    }

    /// Ends every session of the signed-in user, on every device; this
    /// one ends only once auth has done it.
    pub async fn sign_out_everywhere(&self) -> Result<(), ApiError> {
        self.authorized(Service::Auth, Method::POST, "/auth/logout?everywhere=true", Body::Empty)
            .await?;
        self.end_session(Some("You are signed out on every device."));
        Ok(())
    }

    /// Changes a password (no token needed: the current password proves
    /// who asks); the answer is a new session, every older one has ended.
    pub async fn change_password(&self, request: &ChangePasswordRequest) -> Result<LoginResponse, ApiError> {
        let body = serde_json::to_string(request).map_err(|_| ApiError::BadAnswer(Service::Auth))?;
        let reply = self
            .auth
            .send(Method::POST, "/auth/password", None, &Body::Json(body))
            .await?;
        if !reply.is_success() {
            return Err(reply.into_error(Service::Auth));
        }
        self.auth.decode(&reply)
    }

    pub async fn reset_password(&self, user: Uuid, temporary_password: String) -> Result<User, ApiError> {
        let path = format!("/auth/users/{user}/password-reset");
        let request = PasswordResetRequest {
            temporary_password: temporary_password.into(),
        };
        self.send_json(Service::Auth, Method::POST, &path, &request).await
    }

    pub async fn set_disabled(&self, user: Uuid, disabled: bool) -> Result<User, ApiError> {
        let path = format!("/auth/users/{user}");
        let request = UpdateUserRequest {
            disabled: Some(disabled),
        };
        self.send_json(Service::Auth, Method::PATCH, &path, &request).await
    }

    pub async fn users(&self, role: Option<Role>) -> Result<Vec<User>, ApiError> {
        let path = match role {
            Some(role) => format!("/auth/users?role={role}"),
            None => "/auth/users".to_owned(),
        };
        self.get_json(Service::Auth, &path).await
    }

    pub async fn create_user(&self, request: &CreateUserRequest) -> Result<User, ApiError> {
        self.send_json(Service::Auth, Method::POST, "/auth/users", request)
            .await
    }

    // course-service

    /// The catalogue, and when its seat counts were read (the service's
    /// clock, milliseconds), where seat updates start from.
    pub async fn catalogue(&self) -> Result<(Vec<Course>, Option<i64>), ApiError> {
        let reply = self
            .authorized(Service::Courses, Method::GET, "/courses", Body::Empty)
            .await?;
        let as_of = reply
            .headers
            .get(SEATS_AS_OF_HEADER)
            .and_then(|v| v.trim().parse().ok());
        Ok((self.courses.decode(&reply)?, as_of))
    }

    /// The seat counts that changed since `since` (an earlier `as_of`).
    /// Sent without the token: a simple request, with no CORS preflight
    /// before each poll.
    pub async fn seat_changes(&self, since: i64) -> Result<SeatChanges, ApiError> {
        let path = format!("/courses/seats?since={since}");
        let reply = self.courses.send(Method::GET, &path, None, &Body::Empty).await?;
        if !reply.is_success() {
            return Err(reply.into_error(Service::Courses));
        }
        self.courses.decode(&reply)
    }

    pub async fn create_course(&self, request: &CreateCourseRequest) -> Result<Course, ApiError> {
        self.send_json(Service::Courses, Method::POST, "/courses", request)
            .await
    }

    pub async fn enroll(&self, course_id: Uuid) -> Result<Enrollment, ApiError> {
        let path = format!("/courses/{course_id}/enrollment");
        let reply = self
            .authorized(Service::Courses, Method::POST, &path, Body::Empty)
            .await?;
        self.courses.decode(&reply)
    }

    pub async fn drop_course(&self, course_id: Uuid) -> Result<(), ApiError> {
        let path = format!("/courses/{course_id}/enrollment");
        self.authorized(Service::Courses, Method::DELETE, &path, Body::Empty)
            .await?;
        Ok(())
    }

    pub async fn my_enrollments(&self) -> Result<Vec<MyEnrollment>, ApiError> {
        self.get_json(Service::Courses, "/enrollments/me").await
    }

    pub async fn teaching(&self) -> Result<Vec<Course>, ApiError> {
        self.get_json(Service::Courses, "/teaching").await
    }

    // grade-service

    pub async fn my_grades(&self) -> Result<Vec<MyGrade>, ApiError> {
        self.get_json(Service::Grades, "/grades/me").await
    }

    pub async fn class_grades(&self, course_id: Uuid) -> Result<ClassGrades, ApiError> {
        let path = format!("/grades/courses/{course_id}");
        let reply = self
            .authorized(Service::Grades, Method::GET, &path, Body::Empty)
            .await?;
        let roster_complete = reply.headers.get(ROSTER_COMPLETE_HEADER).as_deref() != Some("false");
        let students = self.grades.decode(&reply)?;
        Ok(ClassGrades {
            students,
            roster_complete,
        })
    }

    pub async fn set_grade(&self, course_id: Uuid, student_id: Uuid, grade: Grade) -> Result<GradeRecord, ApiError> {
        let path = format!("/grades/courses/{course_id}/students/{student_id}");
        let body = serde_json::json!({ "grade": grade.as_f64() });
        self.send_json(Service::Grades, Method::PUT, &path, &body).await
    }

    /// Uploads a class's grades as CSV. A 422 that carries a per-row report
    /// is an `Ok`: the report says which rows were wrong and that nothing
    /// was written.
    pub async fn upload_csv(&self, course_id: Uuid, csv: String) -> Result<UploadReport, ApiError> {
        let path = format!("/grades/courses/{course_id}");
        let reply = self
            .send_authorized(Service::Grades, Method::POST, &path, Body::Csv(csv))
            .await?;
        if reply.is_success() {
            return self.grades.decode(&reply);
        }
        match serde_json::from_str::<UploadReport>(&reply.text) {
            Ok(report) if reply.status == 422 && !report.rows.is_empty() => Ok(report),
            _ => Err(reply.into_error(Service::Grades)),
        }
    }
}
