//! Taking and giving back a seat on PostgreSQL, each in one statement.
//!
//! SQLite's path (see `seats`) is two statements: the conditional UPDATE
//! and the INSERT. Here they are one (a data-modifying CTE): one round trip
//! in the enrollment's transaction. The UPDATE locks the course row and
//! re-checks `enrolled < capacity` after waiting for it (READ COMMITTED),
//! and a duplicate enrollment fails the statement as a whole, so the seat
//! taken in the same statement is given back with it.
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

use crate::db::models::EnrollmentRow;
use crate::error::{Error, Result};

/// Takes the seat and inserts the enrollment; when no seat was taken, says
/// why. The reasons are looked up only then (a `CASE` evaluates its
/// sub-selects lazily), and see the rows as they were before the
/// statement, which is what the refusal is about.
struct TakeSeat<'a> {
    row: &'a EnrollmentRow,
    course: TextUuid,
    student: TextUuid,
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
        out.push_sql(
            " FROM seat RETURNING 1) SELECT CASE \
             WHEN EXISTS (SELECT 1 FROM inserted) THEN 'taken' \
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

/// Takes a seat, or says why not: [`Error::CourseNotFound`],
/// [`Error::CourseArchived`], [`Error::OwnCourse`], [`Error::AlreadyEnrolled`]
/// or [`Error::CourseFull`].
pub fn take_seat(conn: &mut PgConnection, row: &EnrollmentRow) -> Result<()> {
    let statement = TakeSeat {
        row,
        course: TextUuid(row.course_id),
        student: TextUuid(row.student_id),
        stamped_at: chrono::Utc::now().naive_utc(),
    };
    let Outcome { outcome } = statement
        .get_result(conn)
        .map_err(Error::from)
        .duplicate_means(Error::AlreadyEnrolled)?;
    match outcome.as_str() {
        "taken" => Ok(()),
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
