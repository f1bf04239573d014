//! The error answers several of grade-service's routes give, named once for
//! its OpenAPI document.

#![expect(dead_code, reason = "each answer's body type is read by the OpenAPI derive alone")]

use shared_types::ErrorBody;
use utoipa::ToResponse;

/// `forbidden`: not this course's teacher (nor an admin, where the route
/// admits admins).
#[derive(ToResponse)]
pub struct NotTheTeacher(ErrorBody);

/// `courses_unavailable` (course-service down, slower than the 2 s timeout,
/// or cut off), `database_unavailable` or `timeout`.
#[derive(ToResponse)]
#[response(headers(("Retry-After" = u32, description = "Seconds to wait before retrying.")))]
pub struct CoursesUnavailable(ErrorBody);

/// `write_conflict`: grades changed concurrently and retries were
/// exhausted; try again.
#[derive(ToResponse)]
pub struct WriteConflict(ErrorBody);

#[derive(utoipa::OpenApi)]
#[openapi(components(responses(NotTheTeacher, CoursesUnavailable, WriteConflict)))]
pub struct Grades;
