//! Taking and giving back a seat on PostgreSQL, each in one statement.
//!
//! The portable path (see `store`) is a transaction of four round trips:
//! BEGIN, the conditional UPDATE, the INSERT, COMMIT. Here the UPDATE and
//! the INSERT are one statement (a data-modifying CTE), run in autocommit:
//! one round trip and one commit. It is as exact as the transaction: the
//! UPDATE locks the course row and re-checks `enrolled < capacity` after
//! waiting for it (READ COMMITTED), and a duplicate enrollment fails the
//! statement as a whole, so the seat taken in the same statement is given
//! back with it. `synchronous_commit` is untouched: the 201 still leaves
//! only after the commit is durable.

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Text, Timestamp};
use diesel::{PgConnection, RunQueryDsl};

use crate::error::{Error, Result};
use crate::models::EnrollmentRow;

/// Takes the seat and inserts the enrollment; when no seat was taken, the
/// same statement says why (the sub-selects see the rows as they were
/// before it, which is what the refusal is about).
const ENROLL: &str = "\
    WITH seat AS ( \
        UPDATE courses SET enrolled = enrolled + 1, seats_changed_at = $6 \
        WHERE id = $1 AND enrolled < capacity AND teacher_id <> $2 \
        RETURNING id \
    ), inserted AS ( \
        INSERT INTO enrollments (course_id, student_id, student_name, student_email, enrolled_at) \
        SELECT id, $2, $3, $4, $5 FROM seat \
        RETURNING 1 \
    ) \
    SELECT (SELECT count(*) FROM inserted) AS inserted, \
           (SELECT count(*) FROM courses WHERE id = $1) AS course_exists, \
           (SELECT count(*) FROM courses WHERE id = $1 AND teacher_id = $2) AS own, \
           (SELECT count(*) FROM enrollments WHERE course_id = $1 AND student_id = $2) AS already";

#[derive(diesel::QueryableByName)]
struct Taken {
    #[diesel(sql_type = BigInt)]
    inserted: i64,
    #[diesel(sql_type = BigInt)]
    course_exists: i64,
    #[diesel(sql_type = BigInt)]
    own: i64,
    #[diesel(sql_type = BigInt)]
    already: i64,
}

const DROP: &str = "\
    WITH gone AS ( \
        DELETE FROM enrollments WHERE course_id = $1 AND student_id = $2 \
        RETURNING course_id \
    ) \
    UPDATE courses SET enrolled = enrolled - 1, seats_changed_at = $3 WHERE id IN (SELECT course_id FROM gone)";

/// Takes a seat, or says why not: [`Error::CourseNotFound`],
/// [`Error::OwnCourse`], [`Error::AlreadyEnrolled`] or [`Error::CourseFull`].
pub fn take_seat(conn: &mut PgConnection, row: &EnrollmentRow) -> Result<()> {
    let taken: Taken = diesel::sql_query(ENROLL)
        .bind::<Text, _>(&row.course_id)
        .bind::<Text, _>(&row.student_id)
        .bind::<Text, _>(&row.student_name)
        .bind::<Text, _>(&row.student_email)
        .bind::<Timestamp, NaiveDateTime>(row.enrolled_at)
        // Stamped on a connection already held, just before the statement
        // (not when the request came in): see `routes::seats`.
        .bind::<Timestamp, NaiveDateTime>(chrono::Utc::now().naive_utc())
        .get_result(conn)
        .map_err(|e| match Error::from(e) {
            Error::Db(db) if db.is_unique_violation() => Error::AlreadyEnrolled,
            other => other,
        })?;
    match taken {
        Taken { inserted: 1, .. } => Ok(()),
        Taken { course_exists: 0, .. } => Err(Error::CourseNotFound),
        Taken { own, .. } if own > 0 => Err(Error::OwnCourse),
        Taken { already, .. } if already > 0 => Err(Error::AlreadyEnrolled),
        _ => Err(Error::CourseFull),
    }
}

/// Whether there was an enrollment to drop (its seat is given back).
pub fn give_back_seat(conn: &mut PgConnection, course_id: &str, student_id: &str) -> Result<bool> {
    let updated = diesel::sql_query(DROP)
        .bind::<Text, _>(course_id)
        .bind::<Text, _>(student_id)
        .bind::<Timestamp, NaiveDateTime>(chrono::Utc::now().naive_utc())
        .execute(conn)?;
    Ok(updated == 1)
}
