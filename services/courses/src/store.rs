//! Queries on courses and enrollments, written once for both backends.
//!
//! Enrollment correctness lives here, in the database, not in a lock of this
//! process (several replicas may share one PostgreSQL):
//! - one seat is taken by a conditional increment of the course row,
//!   `UPDATE courses SET enrolled = enrolled + 1 WHERE id = ? AND enrolled < capacity`.
//!   On PostgreSQL the UPDATE locks the row and, under READ COMMITTED,
//!   re-checks the condition against the newest committed version after
//!   waiting for the lock, so concurrent enrollments into one course queue on
//!   that row and exactly `capacity` of them succeed. On SQLite the
//!   transaction is IMMEDIATE, so writers are serialised outright.
//! - one enrollment per student and course is the primary key of
//!   `enrollments`; a duplicate fails the insert and rolls the seat back.
//!
//! On PostgreSQL both steps are one statement (`seats_pg`).

use std::collections::HashMap;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use service_common::db::{self, Database, DuplicateMeans, TextUuid};
use service_common::{db_run, db_write};
use shared_types::courses::SeatCount;
use uuid::Uuid;

use crate::domain::{CourseChanges, EnrollingStudent, NewCourse};
use crate::error::{Error, Result};
use crate::models::{CourseRow, EnrollmentRow};
use crate::schema::{courses, enrollments};

/// The catalogue: every course not archived.
pub async fn list_courses(db: &Database) -> Result<Vec<CourseRow>> {
    db_run!(db, |conn| courses::table
        .filter(courses::archived_at.is_null())
        .select(CourseRow::as_select())
        .order(courses::code)
        .load(conn)
        .map_err(Error::from))
}

/// Every course's seats whose count changed after `since` (all of them
/// without it), with when it changed. Archiving or restoring a course
/// stamps it too, so open tabs learn of it (see `SeatCount::archived`).
pub async fn seats_changed_since(
    db: &Database,
    since: Option<NaiveDateTime>,
) -> Result<Vec<(NaiveDateTime, SeatCount)>> {
    type Row = (String, i32, i32, NaiveDateTime, Option<NaiveDateTime>);
    let rows: Vec<Row> = db_run!(db, |conn| {
        let mut query = courses::table
            .select((
                courses::id,
                courses::capacity,
                courses::enrolled,
                courses::seats_changed_at,
                courses::archived_at,
            ))
            .into_boxed();
        if let Some(since) = since {
            query = query.filter(courses::seats_changed_at.gt(since));
        }
        query.load(conn).map_err(Error::from)
    })?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, capacity, enrolled, changed_at, archived_at)| {
            let id = id.parse().ok()?;
            let archived = archived_at.is_some();
            Some((
                changed_at,
                SeatCount {
                    id,
                    capacity,
                    enrolled,
                    archived,
                },
            ))
        })
        .collect())
}

/// The archived courses, by code.
pub async fn archived_courses(db: &Database) -> Result<Vec<CourseRow>> {
    db_run!(db, |conn| courses::table
        .filter(courses::archived_at.is_not_null())
        .select(CourseRow::as_select())
        .order(courses::code)
        .load(conn)
        .map_err(Error::from))
}

pub async fn find_course(db: &Database, id: Uuid) -> Result<CourseRow> {
    let id = id.to_string();
    db_run!(db, |conn| courses::table
        .find(&id)
        .select(CourseRow::as_select())
        .first(conn)
        .optional()
        .map_err(Error::from))?
    .ok_or(Error::CourseNotFound)
}

pub async fn courses_taught_by(db: &Database, teacher: Uuid) -> Result<Vec<CourseRow>> {
    let teacher = teacher.to_string();
    db_run!(db, |conn| courses::table
        .filter(courses::teacher_id.eq(&teacher))
        .select(CourseRow::as_select())
        .order(courses::code)
        .load(conn)
        .map_err(Error::from))
}

/// The row of a new course, created at `now`.
fn new_course_row(course: NewCourse, now: NaiveDateTime) -> CourseRow {
    CourseRow {
        id: course.id,
        code: course.code.into_string(),
        title: course.title,
        description: course.description,
        teacher_id: course.teacher_id,
        teacher_name: course.teacher_name,
        capacity: course.capacity.get(),
        enrolled: 0,
        created_at: now,
        seats_changed_at: now,
        archived_at: None,
    }
}

pub async fn insert_course(db: &Database, course: NewCourse) -> Result<CourseRow> {
    let row = new_course_row(course, Utc::now().naive_utc());
    let stored = row.clone();
    db_write!(db, |conn| diesel::insert_into(courses::table)
        .values(row.clone())
        .execute(conn)
        .map_err(Error::from))
    .duplicate_means(Error::CodeTaken)?;
    Ok(stored)
}

/// Applies an admin's changes to a course, in one transaction. A new
/// capacity is a guarded `UPDATE ... WHERE enrolled <= capacity`, exact
/// against concurrent enrollments as the seat counter is: on PostgreSQL it
/// waits for the row's lock and re-checks the newest count.
pub async fn update_course(db: &Database, id: Uuid, changes: CourseChanges) -> Result<CourseRow> {
    let id = id.to_string();
    db_write!(db, |conn| {
        let course = courses::table.find(&id);
        if let Some(capacity) = changes.capacity {
            let changed = diesel::update(course)
                .filter(courses::enrolled.le(capacity.get()))
                .set((
                    courses::capacity.eq(capacity.get()),
                    courses::seats_changed_at.eq(Utc::now().naive_utc()),
                ))
                .execute(conn)?;
            if changed == 0 {
                let enrolled: Option<i32> = course.select(courses::enrolled).first(conn).optional()?;
                return Err(
                    enrolled.map_or(Error::CourseNotFound, |enrolled| Error::CapacityBelowEnrolled {
                        enrolled,
                    }),
                );
            }
        }
        if let Some(archived) = changes.archived {
            let now = Utc::now().naive_utc();
            diesel::update(course)
                .set((
                    courses::archived_at.eq(archived.then_some(now)),
                    courses::seats_changed_at.eq(now),
                ))
                .execute(conn)?;
        }
        if let Some(title) = &changes.title {
            diesel::update(course).set(courses::title.eq(title)).execute(conn)?;
        }
        if let Some(description) = &changes.description {
            diesel::update(course)
                .set(courses::description.eq(description))
                .execute(conn)?;
        }
        if let Some((teacher_id, teacher_name)) = &changes.teacher {
            // A course's teacher is never on its roster (nor grades
            // themselves). The row is changed first, which takes its lock:
            // an enrollment of the new teacher that commits before it is
            // seen by the count below (and the change rolls back); one that
            // comes after waits for the lock and is refused as their own
            // course.
            diesel::update(course)
                .set((
                    courses::teacher_id.eq(teacher_id.to_string()),
                    courses::teacher_name.eq(teacher_name),
                ))
                .execute(conn)?;
            let on_roster: i64 = enrollments::table
                .filter(enrollments::course_id.eq(&id))
                .filter(enrollments::student_id.eq(teacher_id.to_string()))
                .count()
                .get_result(conn)?;
            if on_roster > 0 {
                return Err(Error::TeacherIsEnrolled);
            }
        }
        course
            .select(CourseRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(Error::CourseNotFound)
    })
}

/// Takes a seat for `student`, or says why not (see the module comment).
pub async fn enroll(db: &Database, course_id: Uuid, student: EnrollingStudent) -> Result<EnrollmentRow> {
    let row = EnrollmentRow {
        course_id,
        student_id: student.id,
        student_name: student.name,
        student_email: student.email,
        enrolled_at: Utc::now().naive_utc(),
    };
    let stored = row.clone();
    if let Database::Postgres(pool) = db {
        let taken = db::run_blocking(pool.clone(), db::PG_DEADLINE, move |conn| {
            crate::seats_pg::take_seat(conn, &row)
        })
        .await;
        return taken.map(|()| stored);
    }
    db_write!(db, |conn| {
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
            let exists: i64 = courses::table
                .filter(courses::id.eq(row.course_id.to_string()))
                .count()
                .get_result(conn)?;
            let archived: i64 = courses::table
                .filter(courses::id.eq(row.course_id.to_string()))
                .filter(courses::archived_at.is_not_null())
                .count()
                .get_result(conn)?;
            let own: i64 = courses::table
                .filter(courses::id.eq(row.course_id.to_string()))
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
            .duplicate_means(Error::AlreadyEnrolled)
    })?;
    Ok(stored)
}

/// Gives the student's seat back.
pub async fn drop_enrollment(db: &Database, course: Uuid, student_id: Uuid) -> Result<()> {
    let (course_id, student_id) = (course.to_string(), student_id.to_string());
    if let Database::Postgres(pool) = db {
        let dropped = db::run_blocking(pool.clone(), db::PG_DEADLINE, move |conn| {
            crate::seats_pg::give_back_seat(conn, &course_id, &student_id)
        })
        .await?;
        if dropped {
            return Ok(());
        }
        // Why not: looked up after the fact, which an archive racing the
        // drop cannot make wrong (the drop did not happen either way).
        let archived = match find_course(db, course).await {
            Ok(course) => course.archived_at.is_some(),
            Err(Error::CourseNotFound) => false,
            Err(other) => return Err(other),
        };
        return Err(if archived {
            Error::CourseArchived
        } else {
            Error::NotEnrolled
        });
    }
    db_write!(db, |conn| {
        let archived: i64 = courses::table
            .find(&course_id)
            .filter(courses::archived_at.is_not_null())
            .count()
            .get_result(conn)?;
        if archived > 0 {
            return Err(Error::CourseArchived);
        }
        let removed = diesel::delete(
            enrollments::table
                .filter(enrollments::course_id.eq(&course_id))
                .filter(enrollments::student_id.eq(&student_id)),
        )
        .execute(conn)?;
        if removed == 0 {
            return Err(Error::NotEnrolled);
        }
        diesel::update(courses::table.find(&course_id))
            .set((
                courses::enrolled.eq(courses::enrolled - 1),
                courses::seats_changed_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// The courses a student is enrolled in, with when they joined.
pub async fn enrollments_of(db: &Database, student: Uuid) -> Result<Vec<(CourseRow, EnrollmentRow)>> {
    let student = student.to_string();
    db_run!(db, |conn| courses::table
        .inner_join(enrollments::table)
        .filter(enrollments::student_id.eq(&student))
        .select((CourseRow::as_select(), EnrollmentRow::as_select()))
        .order(courses::code)
        .load(conn)
        .map_err(Error::from))
}

pub async fn roster(db: &Database, course_id: Uuid) -> Result<Vec<EnrollmentRow>> {
    let course_id = course_id.to_string();
    db_run!(db, |conn| enrollments::table
        .filter(enrollments::course_id.eq(&course_id))
        .select(EnrollmentRow::as_select())
        .order((enrollments::student_name, enrollments::student_id))
        .load(conn)
        .map_err(Error::from))
}

pub async fn count_courses(db: &Database) -> Result<i64> {
    db_run!(db, |conn| courses::table.count().get_result(conn).map_err(Error::from))
}

/// Inserts demo rows as they are, in one transaction.
pub async fn insert_seed(
    db: &Database,
    course_rows: Vec<CourseRow>,
    enrollment_rows: Vec<EnrollmentRow>,
) -> Result<()> {
    db_write!(db, |conn| {
        diesel::insert_into(courses::table)
            .values(course_rows.clone())
            .execute(conn)?;
        diesel::insert_into(enrollments::table)
            .values(enrollment_rows.clone())
            .execute(conn)?;
        Ok(())
    })
}

/// The ids of the courses among `codes` (already normalised) that exist,
/// archived or not.
pub async fn ids_by_code(db: &Database, codes: Vec<String>) -> Result<HashMap<String, Uuid>> {
    db_run!(db, |conn| {
        let mut found = HashMap::new();
        for chunk in codes.chunks(IN_LIST_CHUNK) {
            let rows: Vec<(TextUuid, String)> = courses::table
                .filter(courses::code.eq_any(chunk))
                .select((courses::id, courses::code))
                .load(conn)?;
            found.extend(rows.into_iter().map(|(id, code)| (code, id.0)));
        }
        Ok::<_, Error>(found)
    })
}

/// Stores the courses of an import in one transaction. A code taken since
/// the caller looked fails the whole of it with [`Error::CodeTaken`]: sent
/// again, the file finds that course as existing.
pub async fn insert_imported(db: &Database, new: Vec<NewCourse>) -> Result<()> {
    let now = Utc::now().naive_utc();
    let rows: Vec<CourseRow> = new.into_iter().map(|course| new_course_row(course, now)).collect();
    db_write!(db, |conn| {
        for chunk in rows.chunks(IN_LIST_CHUNK) {
            diesel::insert_into(courses::table)
                .values(chunk.to_vec())
                .execute(conn)?;
        }
        Ok::<_, Error>(())
    })
    .duplicate_means(Error::CodeTaken)
}

/// Rows per statement of the bulk queries: well under SQLite's limit on
/// bound parameters (32,766) at eleven columns a row.
const IN_LIST_CHUNK: usize = 500;
