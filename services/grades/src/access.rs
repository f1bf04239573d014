//! Who may read or write a course's grades: decided here once, for every
//! route. course-service is asked with the caller's own token, so it
//! applies its own rules to the same person.
//!
//! Reading (the grade list, the history) is for the course's teacher or an
//! admin ([`shared_types::Claims::is_teacher_or_admin_of`]). While
//! course-service is down that cannot be confirmed, and the rule fails
//! closed: an admin may read what is held, a teacher only a course whose
//! grades are recorded as given by them, anyone else is told the course
//! service is unavailable. Writing needs the confirmed teacher: nothing is
//! written on a guess.

use service_common::auth::Caller;
use shared_types::courses::{Course, RosterEntry};
use shared_types::Role;
use uuid::Uuid;

use crate::courses_client::CoursesError;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::{self, Author, CourseInfo};

/// A course the caller has been confirmed to teach, with its roster.
pub struct TaughtCourse {
    pub info: CourseInfo,
    pub roster: Vec<RosterEntry>,
}

/// What a reader of a course's grades was let through on.
pub enum Reader {
    /// course-service confirmed the caller, and gave the roster.
    Confirmed { roster: Vec<RosterEntry> },
    /// course-service is away; the caller reads what is held, only grades
    /// given by `given_by` when it is set (a teacher; an admin reads all).
    Unconfirmed { detail: String, given_by: Option<Uuid> },
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
pub async fn teacher_of(state: &AppState, caller: &Caller, course_id: Uuid) -> Result<TaughtCourse> {
    let (course, roster) = state
        .courses
        .course_and_roster(course_id, caller.token.expose())
        .await?;
    if course.teacher_id != caller.claims.sub {
        return Err(Error::NotTheTeacher);
    }
    Ok(TaughtCourse {
        info: info_of(&course),
        roster,
    })
}

/// Lets the course's teacher or an admin read its grades, with the roster
/// (see the module comment for while course-service is away).
pub async fn reader_of(state: &AppState, caller: &Caller, course_id: Uuid) -> Result<Reader> {
    require_teacher_or_admin(caller)?;
    match state.courses.course_and_roster(course_id, caller.token.expose()).await {
        Ok((course, roster)) if caller.claims.is_teacher_or_admin_of(course.teacher_id) => {
            Ok(Reader::Confirmed { roster })
        }
        Ok(_) => Err(Error::NotTheTeacher),
        Err(CoursesError::Unavailable(detail)) => unconfirmed(state, caller, course_id, detail).await,
        Err(other) => Err(other.into()),
    }
}

/// Lets the course's teacher or an admin read its history, which needs no
/// roster: an admin reads any course's without asking course-service, a
/// teacher is confirmed with the course alone.
pub async fn history_reader(state: &AppState, caller: &Caller, course_id: Uuid) -> Result<()> {
    require_teacher_or_admin(caller)?;
    if caller.has_role(Role::Admin) {
        return Ok(());
    }
    match state.courses.course(course_id, caller.token.expose()).await {
        Ok(course) if caller.claims.is_teacher_or_admin_of(course.teacher_id) => Ok(()),
        Ok(_) => Err(Error::NotTheTeacher),
        Err(CoursesError::Unavailable(detail)) => unconfirmed(state, caller, course_id, detail).await.map(|_| ()),
        Err(other) => Err(other.into()),
    }
}

fn require_teacher_or_admin(caller: &Caller) -> Result<()> {
    if caller.has_role(Role::Teacher) || caller.has_role(Role::Admin) {
        Ok(())
    } else {
        Err(Error::NotTheTeacher)
    }
}

/// course-service is away: the fail-closed rule of the module comment.
async fn unconfirmed(state: &AppState, caller: &Caller, course_id: Uuid, detail: String) -> Result<Reader> {
    if caller.has_role(Role::Admin) {
        return Ok(Reader::Unconfirmed { detail, given_by: None });
    }
    let teacher = caller.claims.sub;
    if !store::is_recorded_teacher(&state.db, course_id, teacher).await? {
        return Err(Error::CoursesUnavailable(detail));
    }
    Ok(Reader::Unconfirmed {
        detail,
        given_by: Some(teacher),
    })
}

pub fn author_of(caller: &Caller) -> Author {
    Author {
        id: caller.claims.sub,
        name: caller.claims.name.clone(),
    }
}
