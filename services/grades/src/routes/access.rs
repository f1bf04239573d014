//! Who may grade a course: asked of course-service with the caller's own
//! token, so course-service applies its own rules too.

use shared_types::courses::{Course, RosterEntry};
use shared_types::Claims;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::{Author, CourseInfo};

/// A course the caller has been confirmed to teach, with its roster.
pub struct TaughtCourse {
    pub info: CourseInfo,
    pub roster: Vec<RosterEntry>,
}

fn info_of(course: &Course) -> CourseInfo {
    CourseInfo {
        id: course.id,
        code: course.code.clone(),
        title: course.title.clone(),
        teacher_id: course.teacher_id,
    }
}

/// Confirms with course-service that the caller teaches `course_id`.
pub async fn taught_course(state: &AppState, claims: &Claims, token: &str, course_id: Uuid) -> Result<TaughtCourse> {
    let (course, roster) = state.courses.course_and_roster(course_id, token).await?;
    if course.teacher_id != claims.sub {
        return Err(Error::NotTheTeacher);
    }
    Ok(TaughtCourse {
        info: info_of(&course),
        roster,
    })
}

/// Confirms with course-service that the caller teaches `course_id` or is
/// an admin, and returns the roster.
pub async fn roster_for_reader(
    state: &AppState,
    claims: &Claims,
    token: &str,
    course_id: Uuid,
) -> Result<Vec<RosterEntry>> {
    let (course, roster) = state.courses.course_and_roster(course_id, token).await?;
    if course.teacher_id != claims.sub && !claims.has_role(shared_types::Role::Admin) {
        return Err(Error::NotTheTeacher);
    }
    Ok(roster)
}

pub fn author_of(claims: &Claims) -> Author {
    Author {
        id: claims.sub,
        name: claims.name.clone(),
    }
}
