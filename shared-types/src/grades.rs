use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::values::Grade;

/// One row of `GET /grades/me`: served from grade-service's own database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyGrade {
    pub course_id: Uuid,
    pub course_code: String,
    pub course_title: String,
    pub grade: Grade,
    pub updated_at: DateTime<Utc>,
}

/// One row of `GET /grades/courses/{course_id}`: `grade` is `None` until set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudentGrade {
    pub student_id: Uuid,
    pub student_name: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub grade: Option<Grade>,
}

/// Header of `GET /grades/courses/{course_id}`: `false` when course-service
/// could not be asked for the roster, so the list holds only the grades
/// grade-service already stores.
pub const ROSTER_COMPLETE_HEADER: &str = "x-roster-complete";

/// Body of `PUT /grades/courses/{course_id}/students/{student_id}`.
///
/// The grade is taken as any JSON value so that a wrong type is reported as
/// `invalid_grade` (422) like any other value off the scale.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetGradeRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = Grade))]
    pub grade: serde_json::Value,
}

/// A grade as stored, with what is needed to show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GradeRecord {
    pub course_id: Uuid,
    pub course_code: String,
    pub course_title: String,
    pub student_id: Uuid,
    pub student_name: String,
    pub grade: Grade,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Uuid,
}

/// One row of a bulk upload, as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GradeUploadRow {
    pub student_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Grade))]
    pub grade: serde_json::Value,
}

/// The outcome of one row of a bulk upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowReport {
    /// 1-based row number (the CSV header is not counted).
    pub row: usize,
    pub student_id: String,
    /// `ok` or an error code (`invalid_grade`, `student_not_enrolled`, ...).
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message: Option<String>,
}

/// Answer of a bulk upload: `written` is 0 unless every row was valid.
///
/// When a row is invalid nothing is written and the answer is a 422 whose
/// body is this report with `error` (`invalid_rows`) and `message` set, so
/// it is also a valid error body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadReport {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message: Option<String>,
    pub written: usize,
    pub rejected: usize,
    pub rows: Vec<RowReport>,
}

/// One entry of a grade's change history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GradeChange {
    pub course_id: Uuid,
    pub student_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub old_grade: Option<Grade>,
    pub new_grade: Grade,
    pub changed_by: Uuid,
    pub changed_by_name: String,
    pub changed_at: DateTime<Utc>,
}
