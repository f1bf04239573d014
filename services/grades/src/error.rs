//! The errors of grade-service, mapped once to the JSON error body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use service_common::db::DbError;
use service_common::ApiError;
use shared_types::grades::UploadReport;
use shared_types::ValueError;

use crate::courses_client::CoursesError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("course not found")]
    CourseNotFound,
    #[error("not this course's teacher")]
    NotTheTeacher,
    #[error("student not enrolled")]
    StudentNotEnrolled,
    #[error("a teacher grading themselves")]
    OwnGrade,
    #[error("course-service unavailable: {0}")]
    CoursesUnavailable(String),
    #[error("invalid rows in the upload")]
    InvalidRows(UploadReport),
    #[error("bad upload: {0}")]
    BadUpload(String),
    #[error("unsupported content type")]
    UnsupportedMediaType,
    /// Another writer changed a grade between our read and our write; the
    /// transaction is retried.
    #[error("concurrent write")]
    WriteConflict,
    #[error("writing an export: {0}")]
    Export(String),
    #[error("a completions feed position the service cannot use")]
    InvalidFeedPosition,
    /// Refused as the shared plumbing words it (who may read the feed).
    #[error("{0}")]
    Refused(#[from] ApiError),
    #[error(transparent)]
    InvalidValue(#[from] ValueError),
    #[error(transparent)]
    Db(#[from] DbError),
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

impl From<CoursesError> for Error {
    fn from(err: CoursesError) -> Self {
        match err {
            CoursesError::NotFound => Error::CourseNotFound,
            CoursesError::Forbidden => Error::NotTheTeacher,
            CoursesError::Unavailable(detail) => Error::CoursesUnavailable(detail),
        }
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        match err {
            Error::CourseNotFound => ApiError::not_found("course_not_found", "There is no such course."),
            Error::NotTheTeacher => ApiError::forbidden("Only this course's teacher may do this."),
            Error::OwnGrade => ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "own_grade",
                "Nobody grades themselves.",
            ),
            Error::StudentNotEnrolled => {
                ApiError::unprocessable("student_not_enrolled", "This student is not enrolled in this course.")
            }
            Error::CoursesUnavailable(detail) => {
                tracing::warn!(%detail, "answering courses_unavailable");
                ApiError::unavailable(
                    "courses",
                    "The course service is unavailable, so enrollment cannot be checked; try again shortly.",
                )
            }
            Error::InvalidRows(report) => ApiError::unprocessable(
                "invalid_rows",
                format!("{} rows are invalid; nothing was written.", report.rejected),
            ),
            Error::BadUpload(detail) => ApiError::bad_request("invalid_upload", detail),
            Error::UnsupportedMediaType => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the grades as application/json or text/csv.",
            ),
            Error::WriteConflict => ApiError::conflict(
                "write_conflict",
                "The grades were changed by someone else at the same moment; try again.",
            ),
            Error::Export(detail) => ApiError::internal(detail),
            Error::InvalidFeedPosition => ApiError::bad_request(
                "invalid_query",
                "`since` is an RFC 3339 time; `after_course` and `after_student` are UUIDs, given together; `limit` is 1 to 5000.",
            ),
            Error::Refused(e) => e,
            Error::InvalidValue(e) => e.into(),
            Error::Db(e) => e.into(),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            // The per-row report is the body, with `error` and `message` set
            // so that it is also a valid error body.
            Error::InvalidRows(mut report) => {
                let api = ApiError::from(Error::InvalidRows(report.clone()));
                report.error = Some(api.code);
                report.message = Some(api.message);
                (StatusCode::UNPROCESSABLE_ENTITY, Json(report)).into_response()
            }
            other => ApiError::from(other).into_response(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
