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
//! - a student's credits in a term are one row of `student_terms`, raised
//!   by a conditional increment (`credits + n <= limit`) in the same
//!   transaction: concurrent enrollments of one student queue on that row
//!   as a course's do on the course row, so the limit holds across courses;
//!   with that row locked, the student's other courses in the term are read
//!   for a schedule conflict.
//!
//! On PostgreSQL the seat and the enrollment are one statement (`seats_pg`).

use std::collections::HashMap;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use service_common::db::{Database, DuplicateMeans, TextUuid};
use service_common::{db_run, db_write};
use shared_types::courses::SeatCount;
use uuid::Uuid;

use shared_types::audit::AuditAction;

use crate::db::audit_store::{Attempt, Audit};
use crate::db::models::{CourseRow, EnrollmentRow, MeetingRow, TermRow, WaitlistRow};
use crate::db::placing::Placing;
use crate::db::schema::terms as terms_table;
use crate::db::schema::{courses, enrollments, meeting_times, student_terms, waitlist_entries};
use crate::db::term_store;
use crate::domain::terms;
use crate::domain::{CourseChanges, EnrollingStudent, NewCourse, NewSection, Override};
use crate::error::{Error, Result};

/// The term of a course, and its credits, on either backend's connection
/// (a statement diesel types per backend); a course that does not exist is
/// [`Error::CourseNotFound`].
macro_rules! term_of {
    ($conn:expr, $course_id:expr) => {
        courses::table
            .inner_join(terms_table::table)
            .filter(courses::id.eq($course_id.to_string()))
            .select((TermRow::as_select(), courses::credits))
            .first::<(TermRow, i32)>($conn)
            .optional()
            .map_err(Error::from)
            .and_then(|found| found.ok_or(Error::CourseNotFound))
    };
}

/// What an enrollment reads first, in one statement: the course's term and
/// credits, the student's time ticket for the term if they have one, and
/// the course's capacity, seats taken and list length (read unlocked: a
/// hint of whether the section needs settling before anyone takes a seat).
macro_rules! enrolling_in {
    ($conn:expr, $course_id:expr, $student_id:expr) => {
        courses::table
            .inner_join(terms_table::table)
            .left_join(
                student_terms::table.on(student_terms::term_id
                    .eq(courses::term_id)
                    .and(student_terms::student_id.eq($student_id.to_string()))),
            )
            .filter(courses::id.eq($course_id.to_string()))
            .select((
                TermRow::as_select(),
                courses::credits,
                student_terms::registration_opens_at.nullable(),
                (courses::capacity, courses::enrolled, courses::waitlisted),
            ))
            .first::<(TermRow, i32, Option<NaiveDateTime>, (i32, i32, i32))>($conn)
            .optional()
            .map_err(Error::from)
            .and_then(|found| found.ok_or(Error::CourseNotFound))
    };
}

/// Locks a term's row until the commit (a no-op UPDATE, which both
/// databases lock alike): what serialises the changes that must see a
/// course's sections together (creating a course or a section, changing
/// what its sections share).
macro_rules! lock_term {
    ($conn:expr, $term_id:expr) => {
        diesel::update(terms_table::table.find($term_id.to_string()))
            .set(terms_table::code.eq(terms_table::code))
            .execute($conn)
    };
}

/// A term's catalogue: its courses not archived.
pub async fn list_courses(db: &Database, term: Uuid) -> Result<Vec<CourseRow>> {
    let term = term.to_string();
    db_run!(db, |conn| courses::table
        .filter(courses::term_id.eq(&term))
        .filter(courses::archived_at.is_null())
        .select(CourseRow::as_select())
        .order((courses::code, courses::section))
        .load(conn)
        .map_err(Error::from))
}

/// The seats of a term's courses whose count changed after `since` (all of
/// them without it), with when it changed. Archiving or restoring a course
/// stamps it too, so open tabs learn of it (see `SeatCount::archived`).
pub async fn seats_changed_since(
    db: &Database,
    term: Uuid,
    since: Option<NaiveDateTime>,
) -> Result<Vec<(NaiveDateTime, SeatCount)>> {
    let term = term.to_string();
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
            .filter(courses::term_id.eq(&term))
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
        .order((courses::code, courses::section))
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
        .order((courses::code, courses::section))
        .load(conn)
        .map_err(Error::from))
}

/// The row of a new course of `term`, created at `now`.
fn new_course_row(course: NewCourse, term: Uuid, now: NaiveDateTime) -> CourseRow {
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
        term_id: term,
        credits: course.credits.get(),
        waitlisted: 0,
        section: course.section.into_string(),
    }
}

/// The term a new course goes to: the one named, which must exist
/// ([`Error::UnknownTerm`]), or the current one.
async fn term_for_new_course(db: &Database, named: Option<Uuid>) -> Result<Uuid> {
    match named {
        Some(id) => match term_store::find_term(db, id).await {
            Ok(term) => Ok(term.id),
            Err(Error::TermNotFound) => Err(Error::UnknownTerm),
            Err(other) => Err(other),
        },
        None => Ok(term_store::current_term(db).await?.id),
    }
}

/// Creates a course (its first section, unless named otherwise). A code
/// the term has already is refused: its sections share one title and
/// credits, so another one is added from it ([`insert_section`]).
pub async fn insert_course(db: &Database, course: NewCourse) -> Result<CourseRow> {
    let term = term_for_new_course(db, course.term_id).await?;
    let row = new_course_row(course, term, Utc::now().naive_utc());
    let stored = row.clone();
    db_write!(db, |conn| {
        lock_term!(conn, term)?;
        let siblings: i64 = courses::table
            .filter(courses::term_id.eq(term.to_string()))
            .filter(courses::code.eq(&row.code))
            .count()
            .get_result(conn)?;
        if siblings > 0 {
            return Err(Error::CourseInTerm { code: row.code.clone() });
        }
        diesel::insert_into(courses::table)
            .values(row.clone())
            .execute(conn)
            .map_err(Error::from)
            .duplicate_means(Error::CodeTaken)
    })?;
    Ok(stored)
}

/// Adds a section to the course `of`: its code, title, description,
/// credits and term, with its own seats and teacher (and, later, meetings).
pub async fn insert_section(db: &Database, of: Uuid, new: NewSection) -> Result<CourseRow> {
    let now = Utc::now().naive_utc();
    let of = of.to_string();
    db_write!(db, |conn| {
        let course: CourseRow = courses::table
            .find(&of)
            .select(CourseRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(Error::CourseNotFound)?;
        lock_term!(conn, course.term_id)?;
        // Read again under the term's lock: a change to what the sections
        // share that committed meanwhile is copied too.
        let course: CourseRow = courses::table.find(&of).select(CourseRow::as_select()).first(conn)?;
        let section = CourseRow {
            id: new.id,
            section: new.section.clone().into_string(),
            capacity: new.capacity.get(),
            teacher_id: new.teacher_id,
            teacher_name: new.teacher_name.clone(),
            enrolled: 0,
            waitlisted: 0,
            created_at: now,
            seats_changed_at: now,
            archived_at: None,
            ..course
        };
        diesel::insert_into(courses::table)
            .values(section.clone())
            .execute(conn)
            .map_err(Error::from)
            .duplicate_means(Error::SectionTaken {
                code: section.code.clone(),
                section: section.section.clone(),
            })?;
        Ok(section)
    })
}

/// An admin's enrollment of a student past capacity, a conflict, the
/// credit limit or the window, with the reason kept on the enrollment,
/// by `admin`.
pub async fn enroll_by_override(
    db: &Database,
    course_id: Uuid,
    by: Override,
    attempt: Attempt,
) -> Result<EnrollmentRow> {
    let now = Utc::now().naive_utc();
    db_write!(db, |conn| {
        let (term, credits) = term_of!(conn, course_id)?;
        let row = EnrollmentRow {
            override_reason: Some(by.reason.clone()),
            ..EnrollmentRow::of(&by.student, course_id, credits, now)
        };
        conn.place_by_override(&row, &term, now)?;
        conn.record(&attempt.accepted("enrolled", by.reason.clone()))?;
        conn.settle_section(course_id, &term, now)?;
        Ok(row)
    })
}

/// Applies an admin's changes to a course, in one transaction. A new
/// capacity is a guarded `UPDATE ... WHERE enrolled <= capacity`, exact
/// against concurrent enrollments as the seat counter is: on PostgreSQL it
/// waits for the row's lock and re-checks the newest count.
pub async fn update_course(db: &Database, course_id: Uuid, changes: CourseChanges) -> Result<CourseRow> {
    let id = course_id.to_string();
    let now = Utc::now().naive_utc();
    db_write!(db, |conn| {
        let course = courses::table.find(&id);
        let (term_id, code): (String, String) = course
            .select((courses::term_id, courses::code))
            .first(conn)
            .optional()?
            .ok_or(Error::CourseNotFound)?;
        // Title, description and credits are the course's, on each of its
        // sections; a section added meanwhile copies them under the same
        // lock.
        let shares = changes.title.is_some() || changes.description.is_some() || changes.credits.is_some();
        if shares {
            lock_term!(conn, term_id)?;
        }
        let sections = courses::table
            .filter(courses::term_id.eq(&term_id))
            .filter(courses::code.eq(&code));
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
            diesel::update(sections).set(courses::title.eq(title)).execute(conn)?;
        }
        if let Some(credits) = changes.credits {
            diesel::update(sections)
                .set(courses::credits.eq(credits.get()))
                .execute(conn)?;
        }
        if let Some(description) = &changes.description {
            diesel::update(sections)
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
            // Nor waits for a seat of it.
            conn.leave_waitlist(&id, &teacher_id.to_string())?;
        }
        // Settled in this transaction: new seats, a restore, or a new
        // teacher (off the list) may leave a seat for the list; lower
        // credits may make a waiting student of any section fit; an
        // archive frees its students' weeks.
        let (term, _) = term_of!(conn, course_id)?;
        if changes.credits.is_some() {
            let siblings: Vec<TextUuid> = sections.select(courses::id).order(courses::id).load(conn)?;
            for section in siblings {
                conn.settle_section(section.0, &term, now)?;
            }
        } else {
            conn.settle_section(course_id, &term, now)?;
        }
        if changes.archived == Some(true) {
            conn.settle_roster(course_id, &term, now)?;
        }
        course.select(CourseRow::as_select()).first(conn).map_err(Error::from)
    })
}

/// Takes a seat for `student`, or says why not (see the module comment):
/// in one transaction, the term's window is checked, the seat taken, the
/// course's credits added to the student's in the term and their schedule
/// checked, or nothing is. A student on the course's waitlist leaves it.
pub async fn enroll(db: &Database, course_id: Uuid, student: EnrollingStudent) -> Result<EnrollmentRow> {
    let now = Utc::now().naive_utc();
    let mut settle_first = true;
    loop {
        let student = student.clone();
        let attempt = db_write!(db, |conn| {
            let (term, credits, ticket, seats) = enrolling_in!(conn, course_id, student.id)?;
            term.window().check_with_ticket(ticket, now)?;
            // The list before anyone else, the student among it included,
            // committed on its own: a refusal of the seat below must not
            // undo the placements.
            let attempt = Attempt::by_student(&student, course_id, AuditAction::Enroll);
            if settle_first && needs_settling(seats) {
                let placed = conn.settle_section(course_id, &term, now)?;
                let own = placed.into_iter().find(|row| row.student_id == student.id);
                if own.is_some() {
                    conn.record(&attempt.accepted("enrolled", FROM_THE_LIST))?;
                }
                return Ok(own);
            }
            let row = EnrollmentRow::of(&student, course_id, credits, now);
            // The trail's row before the seat, so that the course row's
            // lock is not held for its round trip; a refusal below rolls it
            // back with the rest.
            conn.record(&attempt.accepted("enrolled", ""))?;
            // Off the section's list with the seat, if they were on it.
            conn.take_place(&row, &term)?;
            Ok::<_, Error>(Some(row))
        })?;
        match attempt {
            Some(row) => return Ok(row),
            None => settle_first = false,
        }
    }
}

/// Gives the student's seat and credits back, within the term's window,
/// and offers the seat to the course's waitlist in the same transaction:
/// who was enrolled from it, if anyone.
pub async fn drop_enrollment(db: &Database, course: Uuid, student: EnrollingStudent) -> Result<Option<Uuid>> {
    let now = Utc::now().naive_utc();
    let student_id = student.id;
    let dropped_row = Attempt::by_student(&student, course, AuditAction::Drop).accepted("dropped", "");
    let course_id = course.to_string();
    let dropped = db_write!(db, |conn| {
        let term = match term_of!(conn, course) {
            Ok((term, _)) => term,
            Err(Error::CourseNotFound) => return Err(Error::NotEnrolled),
            Err(other) => return Err(other),
        };
        term.window().check(now)?;
        if !conn.give_back_place(course, student_id, &term)? {
            // Why not: read afresh, so an archive that committed while the
            // drop waited is named as the reason.
            let archived: i64 = courses::table
                .find(&course_id)
                .filter(courses::archived_at.is_not_null())
                .count()
                .get_result(conn)?;
            return Err(if archived > 0 {
                Error::CourseArchived
            } else {
                Error::NotEnrolled
            });
        }
        conn.record(&dropped_row)?;
        // The freed seat to the list, in the drop's transaction.
        let placed = conn.settle_section(course, &term, now)?;
        let own_lists = !conn.lists_with_free_seats(student_id, &term)?.is_empty();
        Ok((placed.first().map(|row| row.student_id), term, own_lists))
    })?;
    let (promoted, term, own_lists) = dropped;
    if own_lists {
        settle_student(db, student_id, term, now).await;
    }
    Ok(promoted)
}

/// The settle step on the student's own lists, which a lighter week or
/// credits may fit now, in a transaction of its own after the change that
/// lightened them: it locks those sections' rows before the student's, in
/// the order an enrollment does (in the change's transaction it would take
/// them after, and PostgreSQL would find such transactions waiting on each
/// other). If it cannot run now, the next enrollment or join of those
/// sections settles them first, so no outsider takes the seat meanwhile.
pub async fn settle_student(db: &Database, student_id: Uuid, term: TermRow, now: NaiveDateTime) {
    let settled = db_write!(db, |conn| conn.settle_student(student_id, &term, now));
    if let Err(error) = settled {
        tracing::warn!(%error, student = %student_id, "the student's lists are left for their next enrollment to settle");
    }
}

/// What joining a course's waitlist came to.
pub enum Joined {
    /// A seat was free: the student is enrolled.
    Enrolled,
    Waiting {
        position: i64,
    },
}

/// Enrolls the student if a seat is free, or puts them on the course's
/// waitlist (within the term's window, as enrolling). A seat freed between
/// the two attempts is tried again.
pub async fn join_waitlist(db: &Database, course_id: Uuid, student: EnrollingStudent) -> Result<Joined> {
    let now = Utc::now().naive_utc();
    let mut settle_first = true;
    loop {
        let student = student.clone();
        let attempt = db_write!(db, |conn| {
            let (term, credits, ticket, seats) = enrolling_in!(conn, course_id, student.id)?;
            term.window().check_with_ticket(ticket, now)?;
            let attempt = Attempt::by_student(&student, course_id, AuditAction::Join);
            // Settled first and committed on its own, as for an enrollment.
            if settle_first && needs_settling(seats) {
                let placed = conn.settle_section(course_id, &term, now)?;
                let enrolled = placed.iter().any(|row| row.student_id == student.id);
                if enrolled {
                    conn.record(&attempt.accepted("enrolled", FROM_THE_LIST))?;
                }
                return Ok(enrolled.then_some(Joined::Enrolled));
            }
            let row = EnrollmentRow::of(&student, course_id, credits, now);
            let entry = WaitlistRow::of(&student, course_id, now);
            for _ in 0..JOIN_ATTEMPTS {
                // A savepoint: a full course leaves nothing of the attempt.
                match conn.transaction(|conn| conn.take_place(&row, &term)) {
                    Ok(()) => {
                        // Off the list with the seat, if they were on it.
                        conn.record(&attempt.accepted("enrolled", ""))?;
                        return Ok(Some(Joined::Enrolled));
                    }
                    Err(Error::CourseFull) => {}
                    Err(other) => return Err(other),
                }
                if let Some(stored) = conn.wait_for_seat(&entry)? {
                    let position = conn.position_on_waitlist(&stored)?;
                    conn.record(&attempt.accepted("waiting", format!("Place {position} on the waitlist.")))?;
                    return Ok(Some(Joined::Waiting { position }));
                }
            }
            Err::<Option<Joined>, Error>(Error::CourseFull)
        })?;
        match attempt {
            Some(joined) => return Ok(joined),
            None => settle_first = false,
        }
    }
}

/// Whether a section read unlocked as (capacity, taken, waiting) may have
/// a free seat and a list together: settled (under its lock, in a
/// transaction of its own) before an enrollment or a join takes a seat of
/// it. Every path settles before it answers, so this finds work only when
/// a settle could not run (the database gone between a drop and the
/// dropper's own lists) or a fit changed without a seat moving.
fn needs_settling((capacity, enrolled, waitlisted): (i32, i32, i32)) -> bool {
    waitlisted > 0 && enrolled < capacity
}

/// The detail of an attempt the settle step answered: the student was on
/// the list, and took the seat as its first who fits.
const FROM_THE_LIST: &str = "Enrolled from the waitlist.";

/// How many times a join goes between "full" and "a seat is free" before
/// it answers full: each turn needs a drop and an enrollment to land
/// between two of its statements.
const JOIN_ATTEMPTS: usize = 3;

/// Takes the student off the course's waitlist.
pub async fn leave_waitlist(db: &Database, course: Uuid, student: EnrollingStudent) -> Result<()> {
    let now = Utc::now().naive_utc();
    let left_row = Attempt::by_student(&student, course, AuditAction::Leave).accepted("left", "");
    let student = student.id;
    let left = db_write!(db, |conn| {
        let left = conn.leave_waitlist(&course.to_string(), &student.to_string())?;
        if left {
            conn.record(&left_row)?;
            let (term, _) = term_of!(conn, course)?;
            conn.settle_section(course, &term, now)?;
        }
        Ok::<_, Error>(left)
    })?;
    if left {
        Ok(())
    } else {
        Err(Error::NotWaitlisted)
    }
}

/// The courses the student waits for, each with their place on its list.
pub async fn waitlists_of(db: &Database, student: Uuid) -> Result<Vec<(CourseRow, WaitlistRow, i64)>> {
    let student = student.to_string();
    db_run!(db, |conn| {
        let rows: Vec<(CourseRow, WaitlistRow)> = courses::table
            .inner_join(waitlist_entries::table)
            .filter(waitlist_entries::student_id.eq(&student))
            .select((CourseRow::as_select(), WaitlistRow::as_select()))
            .order((courses::code, courses::section))
            .load(conn)?;
        rows.into_iter()
            .map(|(course, entry)| {
                let position = conn.position_on_waitlist(&entry)?;
                Ok((course, entry, position))
            })
            .collect::<Result<Vec<_>>>()
    })
}

/// The courses a student is enrolled in, with when they joined.
pub async fn enrollments_of(db: &Database, student: Uuid) -> Result<Vec<(CourseRow, EnrollmentRow)>> {
    let student = student.to_string();
    db_run!(db, |conn| courses::table
        .inner_join(enrollments::table)
        .filter(enrollments::student_id.eq(&student))
        .select((CourseRow::as_select(), EnrollmentRow::as_select()))
        .order((courses::code, courses::section))
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

/// Inserts demo rows as they are (courses, enrollments, meetings), in one
/// transaction, with the credits each student then holds in each term.
pub async fn insert_seed(
    db: &Database,
    course_rows: Vec<CourseRow>,
    enrollment_rows: Vec<EnrollmentRow>,
    meeting_rows: Vec<MeetingRow>,
) -> Result<()> {
    let mut held: HashMap<(String, String), i32> = HashMap::new();
    for enrollment in &enrollment_rows {
        let term = course_rows
            .iter()
            .find(|c| c.id == enrollment.course_id)
            .map_or(terms::STANDING_TERM, |c| c.term_id);
        *held
            .entry((enrollment.student_id.to_string(), term.to_string()))
            .or_default() += enrollment.credits;
    }
    db_write!(db, |conn| {
        diesel::insert_into(courses::table)
            .values(course_rows.clone())
            .execute(conn)?;
        diesel::insert_into(enrollments::table)
            .values(enrollment_rows.clone())
            .execute(conn)?;
        diesel::insert_into(meeting_times::table)
            .values(meeting_rows.clone())
            .execute(conn)?;
        for ((student, term), credits) in &held {
            diesel::insert_into(student_terms::table)
                .values((
                    student_terms::student_id.eq(student),
                    student_terms::term_id.eq(term),
                    student_terms::credits.eq(credits),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// The ids of the courses of `term` among `codes` (already normalised)
/// that exist, archived or not (a section of each).
pub async fn ids_by_code(db: &Database, term: Uuid, codes: Vec<String>) -> Result<HashMap<String, Uuid>> {
    let term = term.to_string();
    db_run!(db, |conn| {
        let mut found = HashMap::new();
        for chunk in codes.chunks(IN_LIST_CHUNK) {
            let rows: Vec<(TextUuid, String)> = courses::table
                .filter(courses::term_id.eq(&term))
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
pub async fn insert_imported(db: &Database, term: Uuid, new: Vec<NewCourse>) -> Result<()> {
    let now = Utc::now().naive_utc();
    let rows: Vec<CourseRow> = new
        .into_iter()
        .map(|course| new_course_row(course, term, now))
        .collect();
    db_write!(db, |conn| {
        lock_term!(conn, term)?;
        let codes: Vec<&str> = rows.iter().map(|row| row.code.as_str()).collect();
        for chunk in codes.chunks(IN_LIST_CHUNK) {
            let taken: Option<String> = courses::table
                .filter(courses::term_id.eq(term.to_string()))
                .filter(courses::code.eq_any(chunk))
                .select(courses::code)
                .first(conn)
                .optional()?;
            if taken.is_some() {
                return Err(Error::CodeTaken);
            }
        }
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
/// bound parameters (32,766) at thirteen columns a row.
const IN_LIST_CHUNK: usize = 500;
