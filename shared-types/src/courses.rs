use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A course of the catalogue with its live seat count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Course {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub description: String,
    pub teacher_id: Uuid,
    pub teacher_name: String,
    pub capacity: i32,
    pub enrolled: i32,
    /// Whether a seat is free (never on an archived course).
    pub open: bool,
    /// An admin archived the course: it has left the catalogue, and no one
    /// enrolls in it or drops it; its roster and grades stay.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
    /// What the course counts toward the student's credit limit.
    #[serde(default)]
    pub credits: i32,
    /// The term the course is taught in (see `GET /terms`).
    #[serde(default)]
    pub term_id: Uuid,
}

impl Course {
    pub fn seats_left(&self) -> i32 {
        (self.capacity - self.enrolled).max(0)
    }
}

/// On `GET /courses`: when its rows were read (milliseconds since 1970
/// UTC), the `since` of a tab's first `GET /courses/seats`.
pub const SEATS_AS_OF_HEADER: &str = "x-seats-as-of";

/// One course's seats, as `GET /courses/seats` reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatCount {
    pub id: Uuid,
    pub capacity: i32,
    pub enrolled: i32,
    /// The course was archived: a tab that shows it reads the catalogue
    /// again (one it has never seen it ignores).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
}

/// Body of `GET /courses/seats[?since=]`: the courses whose seat count
/// changed since `since` (every course without it). Courses changed just
/// before `since` may be repeated; the counts are absolute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatChanges {
    /// The moment this answer is current at, in milliseconds since
    /// 1970-01-01 UTC: the `since` of the next call.
    pub as_of: i64,
    pub courses: Vec<SeatCount>,
}

/// Body of `POST /courses`. Values are checked by the service (422).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateCourseRequest {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub capacity: i64,
    pub teacher_id: Uuid,
    pub teacher_name: String,
    /// 0 to 30; 3 when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<i64>,
    /// The current term when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_id: Option<Uuid>,
}

/// Body of `PATCH /courses/{id}` (admin): only the fields sent change.
/// `teacher_id` and `teacher_name` go together.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateCourseRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Never below the seats already taken (409 `capacity_below_enrolled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teacher_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teacher_name: Option<String>,
    /// `true` archives the course, `false` brings it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
    /// Applies to later enrollments: a student who holds the course keeps
    /// the credits it had when they enrolled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<i64>,
}

/// Answer of `POST /courses/{id}/enrollment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enrollment {
    pub course_id: Uuid,
    pub student_id: Uuid,
    pub enrolled_at: DateTime<Utc>,
}

/// One course of `GET /enrollments/me`: the course and when the student joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyEnrollment {
    #[serde(flatten)]
    pub course: Course,
    pub enrolled_at: DateTime<Utc>,
}

/// One row of `GET /courses/{id}/roster`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RosterEntry {
    pub student_id: Uuid,
    pub name: String,
    pub email: String,
    pub enrolled_at: DateTime<Utc>,
}
