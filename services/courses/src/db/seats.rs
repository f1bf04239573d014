//! Taking and giving back one seat, inside an enrollment's transaction: the
//! one step whose statements differ between the backends (see `store` for
//! why they are exact, and `seats_pg` for PostgreSQL's single statements).

use chrono::Utc;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use service_common::db::DuplicateMeans;

use crate::db::models::{EnrollmentRow, TermRow};
use crate::db::placing::{active_holds, Placing};
use crate::db::schema::{courses, enrollments, student_terms};
use crate::error::{Error, Result};

/// What became of the student's credits when a seat was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeatCredits {
    /// Counted with the seat, under the student's row lock.
    Counted,
    /// Refused with the seat taken (a hold, or the limit): the caller
    /// says why and rolls the seat back.
    Refused,
}

pub trait SeatStatements {
    /// Takes a seat, inserts the enrollment, adds the course's credits to
    /// the student's in the term (guarded by their holds and their limit,
    /// their row locked after the course's) and takes them off the
    /// section's waitlist if they were on it; or says why not:
    /// [`Error::CourseNotFound`], [`Error::CourseArchived`],
    /// [`Error::OwnCourse`], [`Error::AlreadyEnrolled`] or
    /// [`Error::CourseFull`]; and what became of its credits.
    fn take_seat(&mut self, row: &EnrollmentRow, term: &TermRow) -> Result<SeatCredits>;

    /// Removes the enrollment and gives its seat back; the credits it
    /// counted, or `None` when there was none to remove (or the course is
    /// archived).
    fn give_back_seat(&mut self, course_id: &str, student_id: &str) -> Result<Option<i32>>;
}

impl SeatStatements for PgConnection {
    fn take_seat(&mut self, row: &EnrollmentRow, term: &TermRow) -> Result<SeatCredits> {
        crate::db::seats_pg::take_seat(self, row, term)
    }

    fn give_back_seat(&mut self, course_id: &str, student_id: &str) -> Result<Option<i32>> {
        // The course row first, as an enrollment takes it: the drop's
        // statement deletes the enrollment before it updates the course,
        // and an enrollment of the same student into the same course,
        // holding the course row, would wait on that delete while the drop
        // waited on the course row.
        courses::table
            .find(course_id)
            .select(courses::id)
            .for_no_key_update()
            .first::<String>(self)
            .optional()?;
        crate::db::seats_pg::give_back_seat(self, course_id, student_id)
    }
}

/// SQLite's transaction is IMMEDIATE, so writers are serialised outright;
/// the guarded statements are still what keeps the counts exact. Separate
/// statements here (PostgreSQL's are one): the writer holds the whole file,
/// so they hold no row longer than one would.
impl SeatStatements for SqliteConnection {
    fn take_seat(&mut self, row: &EnrollmentRow, term: &TermRow) -> Result<SeatCredits> {
        let conn = self;
        let seat_taken = diesel::update(courses::table)
            .filter(courses::id.eq(row.course_id.to_string()))
            .filter(courses::enrolled.lt(courses::capacity))
            // A course's teacher does not enroll in it (nor then grade
            // themselves).
            .filter(courses::teacher_id.ne(row.student_id.to_string()))
            .filter(courses::archived_at.is_null())
            // Stamped inside the transaction, which holds the write lock:
            // the stamp is as late as the commit, less a few milliseconds.
            .set((
                courses::enrolled.eq(courses::enrolled + 1),
                courses::seats_changed_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        if seat_taken == 0 {
            // Returning an error rolls the transaction back; find out which.
            let course = courses::table.filter(courses::id.eq(row.course_id.to_string()));
            let exists: i64 = course.clone().count().get_result(conn)?;
            let archived: i64 = course
                .clone()
                .filter(courses::archived_at.is_not_null())
                .count()
                .get_result(conn)?;
            let own: i64 = course
                .filter(courses::teacher_id.eq(row.student_id.to_string()))
                .count()
                .get_result(conn)?;
            let enrolled: i64 = enrollments::table
                .filter(enrollments::course_id.eq(row.course_id.to_string()))
                .filter(enrollments::student_id.eq(row.student_id.to_string()))
                .count()
                .get_result(conn)?;
            return Err(if exists == 0 {
                Error::CourseNotFound
            } else if archived > 0 {
                Error::CourseArchived
            } else if own > 0 {
                Error::OwnCourse
            } else if enrolled > 0 {
                Error::AlreadyEnrolled
            } else {
                Error::CourseFull
            });
        }
        diesel::insert_into(enrollments::table)
            .values(row.clone())
            .execute(conn)
            .map_err(Error::from)
            .duplicate_means(Error::AlreadyEnrolled)?;
        let (student_id, term_id) = (row.student_id.to_string(), term.id.to_string());
        diesel::insert_into(student_terms::table)
            .values((
                student_terms::student_id.eq(&student_id),
                student_terms::term_id.eq(&term_id),
                student_terms::credits.eq(0),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        let held = student_terms::table.find((&student_id, &term_id));
        let after = student_terms::credits + row.credits;
        // A hold is read in the same statement: no statement more for the
        // student who has none.
        let no_hold = diesel::dsl::not(diesel::dsl::exists(active_holds(&student_id)));
        let added = if row.credits == 0 {
            // Nothing to count, but a student above their limit (an
            // override, a lowered limit) may still take it.
            diesel::update(held)
                .filter(no_hold)
                .set(student_terms::credits.eq(after))
                .execute(conn)?
        } else {
            diesel::update(held)
                .filter(no_hold)
                .filter(
                    student_terms::max_credits
                        .is_null()
                        .and(after.le(term.max_credits))
                        .or(after.le(student_terms::max_credits.assume_not_null())),
                )
                .set(student_terms::credits.eq(after))
                .execute(conn)?
        };
        if added == 0 {
            return Ok(SeatCredits::Refused);
        }
        conn.remove_from_waitlist(&row.course_id.to_string(), &student_id)?;
        Ok(SeatCredits::Counted)
    }

    fn give_back_seat(&mut self, course_id: &str, student_id: &str) -> Result<Option<i32>> {
        let conn = self;
        let archived: i64 = courses::table
            .find(course_id)
            .filter(courses::archived_at.is_not_null())
            .count()
            .get_result(conn)?;
        if archived > 0 {
            return Ok(None);
        }
        let enrollment = enrollments::table
            .filter(enrollments::course_id.eq(course_id))
            .filter(enrollments::student_id.eq(student_id));
        let Some(credits) = enrollment.select(enrollments::credits).first::<i32>(conn).optional()? else {
            return Ok(None);
        };
        diesel::delete(enrollment).execute(conn)?;
        diesel::update(courses::table.find(course_id))
            .set((
                courses::enrolled.eq(courses::enrolled - 1),
                courses::seats_changed_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        Ok(Some(credits))
    }
}
