//! The errors of course-service, mapped once to the JSON error body.

use chrono::{DateTime, Utc};
use service_common::db::DbError;
use service_common::ApiError;
use shared_types::ValueError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("course not found")]
    CourseNotFound,
    #[error("course code taken")]
    CodeTaken,
    #[error("already enrolled")]
    AlreadyEnrolled,
    #[error("holds section {section} of {code}")]
    OtherSectionHeld { code: String, section: String },
    /// [`Error::AlreadyEnrolled`], told to the admin who asked for an
    /// override.
    #[error("the student is already enrolled")]
    StudentAlreadyEnrolled,
    /// [`Error::OtherSectionHeld`], told to the admin who asked for an
    /// override.
    #[error("the student holds section {section} of {code}")]
    StudentHoldsOtherSection { code: String, section: String },
    #[error("{code} already has a section {section} in the term")]
    SectionTaken { code: String, section: String },
    #[error("{code} exists in the term")]
    CourseInTerm { code: String },
    #[error("a time ticket past the add/drop deadline")]
    TicketAfterDeadline,
    #[error("too many time tickets")]
    TooManyTickets,
    #[error("course full")]
    CourseFull,
    #[error("course archived")]
    CourseArchived,
    #[error("capacity below the {enrolled} seats taken")]
    CapacityBelowEnrolled { enrolled: i32 },
    #[error("the new teacher is enrolled in the course")]
    TeacherIsEnrolled,
    #[error("not enrolled")]
    NotEnrolled,
    #[error("the course's own teacher")]
    OwnCourse,
    #[error("not this course's teacher")]
    NotTheTeacher,
    #[error("term not found")]
    TermNotFound,
    #[error("no such term for the course")]
    UnknownTerm,
    #[error("term code taken")]
    TermCodeTaken,
    #[error("registration for {term} is closed")]
    RegistrationClosed {
        term: String,
        /// When it opens, if it has not yet.
        opens_at: Option<DateTime<Utc>>,
    },
    #[error("credit limit: {held} held + {credits} > {limit}")]
    CreditLimit { held: i32, credits: i32, limit: i32 },
    #[error("meets at the same time as {other} ({when})")]
    ScheduleConflict { other: String, when: String },
    #[error("a hold blocks registration: {reason}")]
    RegistrationHold { reason: String },
    #[error("no such active hold")]
    HoldNotFound,
    #[error("{code} needs {required} passed with at least {min_grade}")]
    PrerequisiteMissing {
        code: String,
        required: String,
        min_grade: shared_types::Grade,
    },
    #[error("{code} needs {required} held this term or passed with at least {min_grade}")]
    CorequisiteMissing {
        code: String,
        required: String,
        min_grade: shared_types::Grade,
    },
    /// A requisite refused while this service has never read grade-service's
    /// feed: the refusal would rest on absent data.
    #[error("the completions are not known yet")]
    CompletionsUnknown,
    #[error("a requisite list the service cannot use: {0}")]
    InvalidRequisites(String),
    #[error("requisites that would make a cycle through {0}")]
    RequisiteCycle(String),
    #[error("already on the waitlist")]
    AlreadyWaitlisted,
    #[error("not on the waitlist")]
    NotWaitlisted,
    #[error("a credit limit override needs a reason")]
    ReasonRequired,
    #[error("`since` is not a moment the service can use")]
    InvalidSince,
    #[error("auth-service is unavailable: {0}")]
    AuthUnavailable(String),
    #[error("auth-service refused the caller's session")]
    AuthRefused,
    #[error("a page size the catalogue cannot serve")]
    InvalidPageSize,
    #[error("a page size the audit trail cannot serve")]
    InvalidAuditPage,
    #[error("writing the audit trail as CSV: {0}")]
    Export(String),
    #[error(transparent)]
    InvalidValue(#[from] ValueError),
    /// Refused as the shared plumbing words it (a bad import file).
    #[error("{0}")]
    Refused(#[from] ApiError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("serializing an answer: {0}")]
    Serialize(#[from] serde_json::Error),
}

impl service_common::db::HoldsDbError for Error {
    fn db_error(&self) -> Option<&DbError> {
        match self {
            Error::Db(db) => Some(db),
            _ => None,
        }
    }
}

impl From<diesel::result::Error> for Error {
    fn from(err: diesel::result::Error) -> Self {
        Error::Db(DbError::Query(err))
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        match err {
            Error::CourseNotFound => ApiError::not_found("course_not_found", "There is no such course."),
            Error::CodeTaken => ApiError::conflict("code_taken", "A course with this code already exists."),
            Error::AlreadyEnrolled => {
                ApiError::conflict("already_enrolled", "You are already enrolled in this course.")
            }
            Error::StudentAlreadyEnrolled => {
                ApiError::conflict("already_enrolled", "The student is already enrolled in this section.")
            }
            Error::OtherSectionHeld { code, section } => ApiError::conflict(
                "already_enrolled",
                format!("You hold section {section} of {code}: drop it to take another section of the course."),
            ),
            Error::StudentHoldsOtherSection { code, section } => ApiError::conflict(
                "already_enrolled",
                format!("The student holds section {section} of {code}: they must drop it before taking another section of the course."),
            ),
            Error::SectionTaken { code, section } => ApiError::conflict(
                "code_taken",
                format!("{code} already has a section {section} in this term."),
            ),
            Error::CourseInTerm { code } => ApiError::conflict(
                "code_taken",
                format!("{code} exists in this term: add a section to it with POST /courses/{{id}}/sections."),
            ),
            Error::TicketAfterDeadline => ApiError::unprocessable(
                "invalid_time_ticket",
                "opens_at: a time ticket must open before the term's add/drop deadline.",
            ),
            Error::TooManyTickets => ApiError::unprocessable(
                "invalid_time_ticket",
                "tickets: at most 2000 at once, each student once.",
            ),
            Error::CourseFull => ApiError::conflict("course_full", "This course is full: no seat is left."),
            Error::CourseArchived => ApiError::conflict(
                "course_archived",
                "This course is archived: no one enrolls in it or drops it any more.",
            ),
            Error::CapacityBelowEnrolled { enrolled } => ApiError::conflict(
                "capacity_below_enrolled",
                format!("{enrolled} seats are taken: the capacity cannot go below {enrolled}."),
            ),
            Error::TeacherIsEnrolled => ApiError::conflict(
                "teacher_is_enrolled",
                "This teacher is enrolled in the course as a student: a course's teacher cannot be on its roster.",
            ),
            Error::OwnCourse => ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "own_course",
                "You teach this course: its teacher cannot enroll in it.",
            ),
            Error::NotEnrolled => ApiError::not_found("not_enrolled", "You are not enrolled in this course."),
            Error::NotTheTeacher => ApiError::forbidden("Only this course's teacher or an admin may see its roster."),
            Error::TermNotFound => ApiError::not_found("term_not_found", "There is no such term."),
            Error::UnknownTerm => ApiError::unprocessable("unknown_term", "term_id: there is no such term."),
            Error::TermCodeTaken => ApiError::conflict("code_taken", "A term with this code already exists."),
            Error::RegistrationClosed {
                term,
                opens_at: Some(opens_at),
            } => {
                // Rounded up: a client that waits exactly this long finds
                // it open.
                let wait = ((opens_at - Utc::now()).num_milliseconds() + 999).div_euclid(1000).max(1) as u64;
                ApiError::conflict(
                    "registration_closed",
                    format!(
                        "Registration for {term} opens at {} UTC.",
                        opens_at.format("%Y-%m-%d %H:%M")
                    ),
                )
                .with_retry_after(wait)
            }
            Error::RegistrationClosed { term, opens_at: None } => ApiError::conflict(
                "registration_closed",
                format!("The add/drop deadline of {term} has passed: courses can no longer be added or dropped."),
            ),
            Error::CreditLimit { held, credits, limit } => ApiError::conflict(
                "credit_limit",
                format!(
                    "This course's {credits} credits would take you past your limit of {limit} for the term: you hold {held}."
                ),
            ),
            Error::ScheduleConflict { other, when } => ApiError::conflict(
                "schedule_conflict",
                format!("This course meets at the same time as {other} ({when}), which you hold."),
            ),
            Error::RegistrationHold { reason } => ApiError::conflict(
                "registration_hold",
                format!(
                    "A hold on your record blocks registration ({reason}). You can still drop courses; the registrar's office lifts the hold."
                ),
            ),
            Error::PrerequisiteMissing {
                code,
                required,
                min_grade,
            } => ApiError::conflict(
                "prerequisite_missing",
                format!(
                    "{code} needs {required} passed with at least {min_grade} first, and your record has no such grade. If you have equivalent credit, ask the registrar's office for an override."
                ),
            ),
            Error::CorequisiteMissing {
                code,
                required,
                min_grade,
            } => ApiError::conflict(
                "corequisite_missing",
                format!(
                    "{code} is taken together with {required}: enroll in a section of {required} this term first (or have passed it with at least {min_grade})."
                ),
            ),
            Error::CompletionsUnknown => ApiError::unavailable(
                "grades",
                "This course has prerequisites, and the grades they are checked against have not reached the course service yet: try again shortly.",
            ),
            Error::InvalidRequisites(detail) => ApiError::unprocessable("invalid_requisites", detail),
            Error::RequisiteCycle(code) => ApiError::unprocessable(
                "requisite_cycle",
                format!(
                    "These requisites would make a cycle back to {code}: no student could take the first course of it. Name each requirement one way only (a lab names its lecture as a corequisite, not both ways)."
                ),
            ),
            Error::HoldNotFound => {
                ApiError::not_found("hold_not_found", "This student has no active hold with this id.")
            }
            Error::AlreadyWaitlisted => {
                ApiError::conflict("already_waitlisted", "You are already on this course's waitlist.")
            }
            Error::NotWaitlisted => ApiError::not_found("not_waitlisted", "You are not on this course's waitlist."),
            Error::ReasonRequired => ApiError::unprocessable(
                "invalid_field",
                "reason: say why this student gets their own credit limit (1 to 500 characters).",
            ),
            Error::InvalidSince => ApiError::bad_request(
                "invalid_since",
                "`since` must be the `as_of` of an earlier answer: milliseconds since 1970-01-01 UTC, not in the future.",
            ),
            Error::InvalidPageSize => ApiError::bad_request(
                "invalid_limit",
                format!("`limit` must be from 1 to {}.", shared_types::catalogue::MAX_PAGE_SIZE),
            ),
            Error::InvalidAuditPage => ApiError::bad_request(
                "invalid_limit",
                format!("`limit` must be from 1 to {}.", crate::routes::audit::MAX_AUDIT_PAGE),
            ),
            Error::Export(e) => ApiError::internal(e),
            Error::AuthUnavailable(detail) => {
                tracing::warn!(%detail, "answering auth_unavailable");
                ApiError::unavailable(
                    "auth",
                    "The user service, which knows the teachers by email, is unavailable: try the import again shortly.",
                )
            }
            Error::AuthRefused => ApiError::unauthorized(
                "The user service refused this session when asked for the teachers: sign in again.",
            ),
            Error::InvalidValue(e) => e.into(),
            Error::Refused(e) => e,
            Error::Db(e) => e.into(),
            Error::Serialize(e) => ApiError::internal(e),
        }
    }
}

service_common::answer_errors_as_json!(Error);

pub type Result<T, E = Error> = std::result::Result<T, E>;
