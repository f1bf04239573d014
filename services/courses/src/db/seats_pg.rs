//! Taking and giving back a seat on PostgreSQL, each in one statement.
//!
//! SQLite's path (see `seats`) is separate statements: the conditional
//! UPDATE, the INSERT, the student's credits (their row made, then the
//! guarded increment) and the waitlist's exit. Here they are one (a
//! data-modifying CTE): one round trip in the enrollment's transaction, and
//! the course row's lock is held for two statements and the commit instead
//! of seven. The UPDATE locks the course row and re-checks `enrolled <
//! capacity` after waiting for it (READ COMMITTED); the credits' upsert then
//! locks the student's row and re-checks the limit against their newest
//! credits; a duplicate enrollment fails the statement as a whole, so the
//! seat taken in the same statement is given back with it. The locks are
//! taken in the order every other change takes them: the course's row, then
//! the student's.
//!
//! Both statements are prepared once per connection and reused (diesel
//! caches a statement whose type names it; its `sql_query` is parsed and
//! planned again on every call, which was most of PostgreSQL's work per
//! enrollment).

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Integer, Text, Timestamp, Untyped};
use diesel::{PgConnection, QueryResult, RunQueryDsl};
use service_common::db::{DuplicateMeans, TextUuid};

use crate::db::models::{EnrollmentRow, TermRow};
use crate::db::seats::SeatCredits;
use crate::error::{Error, Result};

/// Takes the seat, inserts the enrollment, adds its credits to the
/// student's in the term (unless a hold or the limit refuses them: then
/// `credits_refused`, and the caller rolls the seat back) and takes the
/// student off the section's waitlist if they were on it
/// (`taken_left_list`); when no seat was taken, says why. The reasons are
/// looked up only then (a `CASE` evaluates its sub-selects lazily), and see
/// the rows as they were before the statement, which is what the refusal is
/// about.
struct TakeSeat<'a> {
    row: &'a EnrollmentRow,
    course: TextUuid,
    student: TextUuid,
    term: TextUuid,
    /// The term's limit, for a student with none of their own.
    term_max_credits: i32,
    /// Stamped on a connection already held, just before the statement
    /// (not when the request came in): see `routes::seats`.
    stamped_at: NaiveDateTime,
}

impl QueryFragment<Pg> for TakeSeat<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let (course, student) = (&self.course, &self.student);
        out.push_sql("WITH seat AS (UPDATE courses SET enrolled = enrolled + 1, seats_changed_at = ");
        out.push_bind_param::<Timestamp, _>(&self.stamped_at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<Text, _>(course)?;
        out.push_sql(" AND enrolled < capacity AND archived_at IS NULL AND teacher_id <> ");
        out.push_bind_param::<Text, _>(student)?;
        out.push_sql(
            " RETURNING id), inserted AS (INSERT INTO enrollments \
             (course_id, student_id, student_name, student_email, enrolled_at, credits) SELECT id, ",
        );
        out.push_bind_param::<Text, _>(student)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.row.student_name)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.row.student_email)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.row.enrolled_at)?;
        out.push_sql(", ");
        out.push_bind_param::<Integer, _>(&self.row.credits)?;
        out.push_sql(" FROM seat RETURNING 1), ");
        self.count_credits(&mut out)?;
        // A student on the section's list who takes a seat leaves it.
        out.push_sql(", left_list AS (DELETE FROM waitlist_entries WHERE course_id = ");
        out.push_bind_param::<Text, _>(course)?;
        out.push_sql(" AND student_id = ");
        out.push_bind_param::<Text, _>(student)?;
        out.push_sql(" AND EXISTS (SELECT 1 FROM counted) RETURNING 1)");
        out.push_sql(
            " SELECT CASE \
             WHEN EXISTS (SELECT 1 FROM counted) THEN \
             CASE WHEN EXISTS (SELECT 1 FROM left_list) THEN 'taken_left_list' ELSE 'taken' END \
             WHEN EXISTS (SELECT 1 FROM inserted) THEN 'credits_refused' \
             WHEN NOT EXISTS (SELECT 1 FROM courses WHERE id = ",
        );
        out.push_bind_param::<Text, _>(course)?;
        out.push_sql(") THEN 'not_found' WHEN EXISTS (SELECT 1 FROM courses WHERE id = ");
        out.push_bind_param::<Text, _>(course)?;
        out.push_sql(" AND archived_at IS NOT NULL) THEN 'archived' WHEN EXISTS (SELECT 1 FROM courses WHERE id = ");
        out.push_bind_param::<Text, _>(course)?;
        out.push_sql(" AND teacher_id = ");
        out.push_bind_param::<Text, _>(student)?;
        out.push_sql(") THEN 'own' WHEN EXISTS (SELECT 1 FROM enrollments WHERE course_id = ");
        out.push_bind_param::<Text, _>(course)?;
        out.push_sql(" AND student_id = ");
        out.push_bind_param::<Text, _>(student)?;
        out.push_sql(") THEN 'already' ELSE 'full' END AS outcome");
        Ok(())
    }
}

impl<'a> TakeSeat<'a> {
    /// The CTE `counted`: the student's row in the term made or raised by
    /// the course's credits, once the enrollment is in (which orders its
    /// lock after the course row's), guarded by their holds and their
    /// limit (their own, or the term's). The conflict's update locks the
    /// row even when its guard refuses. A student without a row yet has no
    /// limit of their own, so the new row is held to the term's.
    fn count_credits<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let student = &self.student;
        let limit = &self.term_max_credits;
        out.push_sql("counted AS (INSERT INTO student_terms (student_id, term_id, credits) SELECT ");
        out.push_bind_param::<Text, _>(student)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.term)?;
        out.push_sql(", ");
        out.push_bind_param::<Integer, _>(&self.row.credits)?;
        out.push_sql(" FROM inserted WHERE NOT EXISTS (SELECT 1 FROM holds WHERE student_id = ");
        out.push_bind_param::<Text, _>(student)?;
        out.push_sql(" AND lifted_at IS NULL) AND (");
        out.push_bind_param::<Integer, _>(&self.row.credits)?;
        out.push_sql(" <= ");
        out.push_bind_param::<Integer, _>(limit)?;
        out.push_sql(" OR EXISTS (SELECT 1 FROM student_terms WHERE student_id = ");
        out.push_bind_param::<Text, _>(student)?;
        out.push_sql(" AND term_id = ");
        out.push_bind_param::<Text, _>(&self.term)?;
        // A 0-credit course counts nothing but locks the row all the same
        // (for the schedule read next), and a student above their limit
        // (an override, a lowered limit) may still take it.
        out.push_sql(
            ")) ON CONFLICT (student_id, term_id) DO UPDATE SET credits = student_terms.credits + EXCLUDED.credits \
             WHERE NOT EXISTS (SELECT 1 FROM holds WHERE student_id = ",
        );
        out.push_bind_param::<Text, _>(student)?;
        out.push_sql(
            " AND lifted_at IS NULL) AND (EXCLUDED.credits = 0 \
             OR (student_terms.max_credits IS NULL AND student_terms.credits + EXCLUDED.credits <= ",
        );
        out.push_bind_param::<Integer, _>(limit)?;
        out.push_sql(") OR student_terms.credits + EXCLUDED.credits <= student_terms.max_credits) RETURNING 1)");
        Ok(())
    }
}

/// Removes the enrollment and gives its seat back, if there was one;
/// answers the credits it counted.
struct GiveBackSeat<'a> {
    course_id: &'a str,
    student_id: &'a str,
    stamped_at: NaiveDateTime,
}

impl QueryFragment<Pg> for GiveBackSeat<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH gone AS (DELETE FROM enrollments WHERE course_id = ");
        out.push_bind_param::<Text, _>(self.course_id)?;
        out.push_sql(" AND student_id = ");
        out.push_bind_param::<Text, _>(self.student_id)?;
        // An archived course's roster stays as it is.
        out.push_sql(" AND NOT EXISTS (SELECT 1 FROM courses WHERE id = ");
        out.push_bind_param::<Text, _>(self.course_id)?;
        out.push_sql(" AND archived_at IS NOT NULL) RETURNING course_id, credits), seat AS (UPDATE courses SET enrolled = enrolled - 1, seats_changed_at = ");
        out.push_bind_param::<Timestamp, _>(&self.stamped_at)?;
        // A data-modifying CTE runs to completion whether or not the main
        // query reads it.
        out.push_sql(" WHERE id IN (SELECT course_id FROM gone) RETURNING id) SELECT credits FROM gone");
        Ok(())
    }
}

/// Each statement's type is its key in diesel's per-connection cache of
/// prepared statements: its text never changes, only the values bound.
macro_rules! prepared_once {
    ($statement:ident) => {
        impl QueryId for $statement<'_> {
            type QueryId = $statement<'static>;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl Query for $statement<'_> {
            type SqlType = Untyped;
        }

        impl RunQueryDsl<PgConnection> for $statement<'_> {}
    };
}

prepared_once!(TakeSeat);
prepared_once!(GiveBackSeat);

#[derive(diesel::QueryableByName)]
struct Given {
    #[diesel(sql_type = Integer)]
    credits: i32,
}

#[derive(diesel::QueryableByName)]
struct Outcome {
    #[diesel(sql_type = Text)]
    outcome: String,
}

/// Takes a seat and counts its credits, or says why not:
/// [`Error::CourseNotFound`], [`Error::CourseArchived`], [`Error::OwnCourse`],
/// [`Error::AlreadyEnrolled`] or [`Error::CourseFull`]; a seat taken whose
/// credits a hold or the limit refused is [`SeatCredits::Refused`].
pub fn take_seat(conn: &mut PgConnection, row: &EnrollmentRow, term: &TermRow) -> Result<SeatCredits> {
    let statement = TakeSeat {
        row,
        course: TextUuid(row.course_id),
        student: TextUuid(row.student_id),
        term: TextUuid(term.id),
        term_max_credits: term.max_credits,
        stamped_at: chrono::Utc::now().naive_utc(),
    };
    let Outcome { outcome } = statement
        .get_result(conn)
        .map_err(Error::from)
        .duplicate_means(Error::AlreadyEnrolled)?;
    match outcome.as_str() {
        "taken" => Ok(SeatCredits::Counted),
        "taken_left_list" => {
            // The course row is this transaction's already.
            use crate::db::schema::courses;
            use diesel::prelude::*;
            diesel::update(courses::table.find(row.course_id.to_string()))
                .set(courses::waitlisted.eq(courses::waitlisted - 1))
                .execute(conn)?;
            Ok(SeatCredits::Counted)
        }
        "credits_refused" => Ok(SeatCredits::Refused),
        "not_found" => Err(Error::CourseNotFound),
        "archived" => Err(Error::CourseArchived),
        "own" => Err(Error::OwnCourse),
        "already" => Err(Error::AlreadyEnrolled),
        _ if archived_since(conn, row.course_id)? => Err(Error::CourseArchived),
        _ => Err(Error::CourseFull),
    }
}

/// Whether the course is archived now. The reasons of `TakeSeat` see the
/// rows as they were when the statement began: an archive that committed
/// while it waited for the row's lock refused the seat but reads as
/// "full" there. Asked only then, in a statement of its own.
fn archived_since(conn: &mut PgConnection, course: uuid::Uuid) -> Result<bool> {
    use crate::db::schema::courses;
    use diesel::prelude::*;
    let archived: Option<Option<NaiveDateTime>> = courses::table
        .find(course.to_string())
        .select(courses::archived_at)
        .first(conn)
        .optional()?;
    Ok(matches!(archived, Some(Some(_))))
}

/// The credits of the enrollment dropped (its seat is given back), or
/// `None` when there was none to drop.
pub fn give_back_seat(conn: &mut PgConnection, course_id: &str, student_id: &str) -> Result<Option<i32>> {
    let statement = GiveBackSeat {
        course_id,
        student_id,
        stamped_at: chrono::Utc::now().naive_utc(),
    };
    let given: Vec<Given> = statement.load(conn)?;
    Ok(given.first().map(|g| g.credits))
}
