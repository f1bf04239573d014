//! course-service: the catalogue, seats, enrollments, teaching.

use shared_types::audit::AuditEvent;
use shared_types::courses::{
    Course, CreateCourseRequest, CreateSectionRequest, Enrollment, Meeting, MyEnrollment, MyWaitlistEntry,
    OverrideEnrollmentRequest, RosterEntry, SeatChanges, UpdateCourseRequest, WaitlistAnswer, SEATS_AS_OF_HEADER,
};
use shared_types::holds::{Hold, PlaceHoldRequest};
use shared_types::requisites::{RecordCompletionRequest, Requisites, SetRequisite, StudentCompletions};
use shared_types::terms::{CreateTermRequest, Term};
use uuid::Uuid;

use gloo_net::http::Method;

use super::client::Body;
use super::{Api, CallError};
use crate::service::Service;

impl Api {
    /// The catalogue, and when its seat counts were read (the service's
    /// clock, milliseconds), where seat updates start from.
    pub async fn catalogue(&self) -> Result<(Vec<Course>, Option<i64>), CallError> {
        let reply = self
            .authorized(Service::Courses, Method::GET, "/courses", Body::Empty)
            .await?;
        let as_of = reply
            .headers
            .get(SEATS_AS_OF_HEADER)
            .and_then(|v| v.trim().parse().ok());
        Ok((self.courses.decode(&reply)?, as_of))
    }

    /// Another term's catalogue (`term` is its code): read as it is now,
    /// with no seat updates to follow (they cover the current term).
    pub async fn catalogue_of_term(&self, term: &str) -> Result<Vec<Course>, CallError> {
        let code: String = js_sys::encode_uri_component(term).into();
        self.get_json(Service::Courses, &format!("/courses?term={code}")).await
    }

    /// Every term, the current one marked.
    pub async fn terms(&self) -> Result<Vec<Term>, CallError> {
        self.get_json(Service::Courses, "/terms").await
    }

    /// The seat counts that changed since `since` (an earlier `as_of`).
    /// Sent without the token: a simple request, with no CORS preflight
    /// before each poll.
    pub async fn seat_changes(&self, since: i64) -> Result<SeatChanges, CallError> {
        let path = format!("/courses/seats?since={since}");
        let reply = self.courses.send(Method::GET, &path, None, &Body::Empty).await?;
        if !reply.is_success() {
            return Err(reply.into_error(Service::Courses));
        }
        self.courses.decode(&reply)
    }

    pub async fn create_course(&self, request: &CreateCourseRequest) -> Result<Course, CallError> {
        self.send_json(Service::Courses, Method::POST, "/courses", request)
            .await
    }

    pub async fn update_course(&self, course_id: Uuid, request: &UpdateCourseRequest) -> Result<Course, CallError> {
        let path = format!("/courses/{course_id}");
        self.send_json(Service::Courses, Method::PATCH, &path, request).await
    }

    /// Sets a section's whole week (admins).
    pub async fn set_meetings(&self, course_id: Uuid, week: &[Meeting]) -> Result<Course, CallError> {
        let path = format!("/courses/{course_id}/meetings");
        self.send_json(Service::Courses, Method::PUT, &path, &week).await
    }

    /// Adds a section to the course `of` is a section of (admins).
    pub async fn create_section(&self, of: Uuid, request: &CreateSectionRequest) -> Result<Course, CallError> {
        let path = format!("/courses/{of}/sections");
        self.send_json(Service::Courses, Method::POST, &path, request).await
    }

    /// An admin's enrollment past capacity, a clash, the credit limit or
    /// the window, with its reason.
    pub async fn enroll_by_override(
        &self,
        course_id: Uuid,
        request: &OverrideEnrollmentRequest,
    ) -> Result<RosterEntry, CallError> {
        let path = format!("/courses/{course_id}/enrollments");
        self.send_json(Service::Courses, Method::POST, &path, request).await
    }

    pub async fn create_term(&self, request: &CreateTermRequest) -> Result<Term, CallError> {
        self.send_json(Service::Courses, Method::POST, "/terms", request).await
    }

    /// The archived courses (admins).
    pub async fn archived_courses(&self) -> Result<Vec<Course>, CallError> {
        self.get_json(Service::Courses, "/courses/archived").await
    }

    pub async fn roster(&self, course_id: Uuid) -> Result<Vec<RosterEntry>, CallError> {
        self.get_json(Service::Courses, &format!("/courses/{course_id}/roster"))
            .await
    }

    pub async fn enroll(&self, course_id: Uuid) -> Result<Enrollment, CallError> {
        let path = format!("/courses/{course_id}/enrollment");
        let reply = self
            .authorized(Service::Courses, Method::POST, &path, Body::Empty)
            .await?;
        self.courses.decode(&reply)
    }

    pub async fn drop_course(&self, course_id: Uuid) -> Result<(), CallError> {
        let path = format!("/courses/{course_id}/enrollment");
        self.authorized(Service::Courses, Method::DELETE, &path, Body::Empty)
            .await?;
        Ok(())
    }

    /// Enrolls at once if a seat is free, or waits for one.
    pub async fn join_waitlist(&self, course_id: Uuid) -> Result<WaitlistAnswer, CallError> {
        let path = format!("/courses/{course_id}/waitlist");
        let reply = self
            .authorized(Service::Courses, Method::POST, &path, Body::Empty)
            .await?;
        self.courses.decode(&reply)
    }

    pub async fn leave_waitlist(&self, course_id: Uuid) -> Result<(), CallError> {
        let path = format!("/courses/{course_id}/waitlist");
        self.authorized(Service::Courses, Method::DELETE, &path, Body::Empty)
            .await?;
        Ok(())
    }

    pub async fn my_waitlists(&self) -> Result<Vec<MyWaitlistEntry>, CallError> {
        self.get_json(Service::Courses, "/waitlists/me").await
    }

    /// The holds that block the student's registration (empty: none).
    pub async fn my_holds(&self) -> Result<Vec<Hold>, CallError> {
        self.get_json(Service::Courses, "/holds/me").await
    }

    /// A student's holds, lifted ones included (admins).
    pub async fn student_holds(&self, student: Uuid) -> Result<Vec<Hold>, CallError> {
        self.get_json(Service::Courses, &format!("/students/{student}/holds"))
            .await
    }

    pub async fn place_hold(&self, student: Uuid, reason: String) -> Result<Hold, CallError> {
        let path = format!("/students/{student}/holds");
        self.send_json(Service::Courses, Method::POST, &path, &PlaceHoldRequest { reason })
            .await
    }

    pub async fn lift_hold(&self, student: Uuid, hold: Uuid) -> Result<Hold, CallError> {
        let path = format!("/students/{student}/holds/{hold}");
        let reply = self
            .authorized(Service::Courses, Method::DELETE, &path, Body::Empty)
            .await?;
        self.courses.decode(&reply)
    }

    /// What a section's course code requires.
    pub async fn requisites(&self, course: Uuid) -> Result<Requisites, CallError> {
        self.get_json(Service::Courses, &format!("/courses/{course}/requisites"))
            .await
    }

    /// Replaces what a section's course code requires (admins).
    pub async fn set_requisites(&self, course: Uuid, list: &[SetRequisite]) -> Result<Requisites, CallError> {
        let path = format!("/courses/{course}/requisites");
        self.send_json(Service::Courses, Method::PUT, &path, &list).await
    }

    /// The completions a student's requisites are checked against (admins).
    pub async fn student_completions(&self, student: Uuid) -> Result<StudentCompletions, CallError> {
        self.get_json(Service::Courses, &format!("/students/{student}/completions"))
            .await
    }

    /// Records a completion for a student (admins: transfer credit).
    pub async fn record_completion(
        &self,
        student: Uuid,
        code: &str,
        grade: f64,
    ) -> Result<StudentCompletions, CallError> {
        let code: String = js_sys::encode_uri_component(code.trim()).into();
        let path = format!("/students/{student}/completions/{code}");
        self.send_json(Service::Courses, Method::PUT, &path, &RecordCompletionRequest { grade })
            .await
    }

    pub async fn my_enrollments(&self) -> Result<Vec<MyEnrollment>, CallError> {
        self.get_json(Service::Courses, "/enrollments/me").await
    }

    pub async fn teaching(&self) -> Result<Vec<Course>, CallError> {
        self.get_json(Service::Courses, "/teaching").await
    }

    /// The student's week as an iCalendar file, for their calendar
    /// application.
    pub async fn my_calendar(&self) -> Result<String, CallError> {
        let reply = self
            .authorized(
                Service::Courses,
                Method::GET,
                "/enrollments/me/calendar.ics",
                Body::Empty,
            )
            .await?;
        Ok(reply.text)
    }

    /// The newest events of a registration history (a student's or a
    /// section's), newest first; `trail` is its path (`/students/{id}/audit`).
    pub async fn audit_trail(&self, trail: &str) -> Result<Vec<AuditEvent>, CallError> {
        self.get_json(Service::Courses, &format!("{trail}?limit=200")).await
    }

    /// The whole history (up to 1,000 events) as CSV, as course-service
    /// writes it.
    pub async fn audit_csv(&self, trail: &str) -> Result<String, CallError> {
        let path = format!("{trail}?format=csv");
        let reply = self
            .authorized(Service::Courses, Method::GET, &path, Body::Empty)
            .await?;
        Ok(reply.text)
    }
}
