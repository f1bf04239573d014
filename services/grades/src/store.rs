//! Queries on grades and their history, written once for both backends.
//!
//! A write reads the current grade and its revision, then updates only that
//! revision (or inserts revision 1). A concurrent writer therefore makes the
//! update touch no row, or the insert hit the primary key, and the whole
//! transaction is retried: no change is lost from the history and no two
//! changes claim the same old value.

use std::collections::HashMap;

use chrono::Utc;
use diesel::prelude::*;
use service_common::db::{Database, DuplicateMeans};
use service_common::{db_run, db_write};
use shared_types::Grade;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::models::{GradeChangeRow, GradeRow};
use crate::schema::{grade_changes, grades};

/// What is stored about the course with each grade.
#[derive(Debug, Clone)]
pub struct CourseInfo {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub teacher_id: Uuid,
}

/// One grade to set.
#[derive(Debug, Clone)]
pub struct GradeWrite {
    pub student_id: Uuid,
    pub student_name: String,
    pub grade: Grade,
}

/// Who makes a change.
#[derive(Debug, Clone)]
pub struct Author {
    pub id: Uuid,
    pub name: String,
}

const WRITE_ATTEMPTS: usize = 5;
/// Rows per multi-row INSERT, well under SQLite's and PostgreSQL's limits on
/// bound parameters.
const INSERT_CHUNK: usize = 500;

pub async fn grades_of_student(db: &Database, student: Uuid) -> Result<Vec<GradeRow>> {
    let student = student.to_string();
    db_run!(db, |conn| grades::table
        .filter(grades::student_id.eq(&student))
        .select(GradeRow::as_select())
        .order(grades::course_code)
        .load(conn)
        .map_err(Error::from))
}

/// The grades held for a course; with `teacher`, only those recorded as
/// given in that teacher's course (the fail-closed view).
pub async fn grades_of_course(db: &Database, course: Uuid, teacher: Option<Uuid>) -> Result<Vec<GradeRow>> {
    let course = course.to_string();
    let teacher = teacher.map(|t| t.to_string());
    db_run!(db, |conn| {
        let mut query = grades::table
            .filter(grades::course_id.eq(&course))
            .select(GradeRow::as_select())
            .order((grades::student_name, grades::student_id))
            .into_boxed();
        if let Some(teacher) = &teacher {
            query = query.filter(grades::teacher_id.eq(teacher));
        }
        query.load(conn).map_err(Error::from)
    })
}

pub async fn grades_of_teacher(db: &Database, teacher: Uuid) -> Result<Vec<GradeRow>> {
    let teacher = teacher.to_string();
    db_run!(db, |conn| grades::table
        .filter(grades::teacher_id.eq(&teacher))
        .select(GradeRow::as_select())
        .order((grades::course_code, grades::student_name))
        .load(conn)
        .map_err(Error::from))
}

/// Whether any grade of `course` is recorded as given in `teacher`'s course.
pub async fn is_recorded_teacher(db: &Database, course: Uuid, teacher: Uuid) -> Result<bool> {
    let (course, teacher) = (course.to_string(), teacher.to_string());
    let held: i64 = db_run!(db, |conn| grades::table
        .filter(grades::course_id.eq(&course))
        .filter(grades::teacher_id.eq(&teacher))
        .count()
        .get_result(conn)
        .map_err(Error::from))?;
    Ok(held > 0)
}

/// The history of a course (optionally one student), oldest first.
pub async fn history(db: &Database, course: Uuid, student: Option<Uuid>) -> Result<Vec<GradeChangeRow>> {
    let course = course.to_string();
    let student = student.map(|s| s.to_string());
    db_run!(db, |conn| {
        let mut query = grade_changes::table
            .filter(grade_changes::course_id.eq(&course))
            .select(GradeChangeRow::as_select())
            .order((
                grade_changes::changed_at,
                grade_changes::student_id,
                grade_changes::revision,
            ))
            .into_boxed();
        if let Some(student) = &student {
            query = query.filter(grade_changes::student_id.eq(student));
        }
        query.load(conn).map_err(Error::from)
    })
}

pub async fn count_grades(db: &Database) -> Result<i64> {
    db_run!(db, |conn| grades::table.count().get_result(conn).map_err(Error::from))
}

/// Sets every grade of `writes` in one transaction (all or nothing) and
/// records each real change in the history. Returns the rows as stored.
pub async fn write_grades(
    db: &Database,
    course: &CourseInfo,
    writes: &[GradeWrite],
    author: &Author,
) -> Result<Vec<GradeRow>> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (course, writes, author) = (course.clone(), writes.to_vec(), author.clone());
        let result = db_write!(db, |conn| {
            let course_id = course.id.to_string();
            let student_ids: Vec<String> = writes.iter().map(|w| w.student_id.to_string()).collect();
            let existing: HashMap<Uuid, GradeRow> = grades::table
                .filter(grades::course_id.eq(&course_id))
                .filter(grades::student_id.eq_any(&student_ids))
                .select(GradeRow::as_select())
                .load(conn)?
                .into_iter()
                .map(|row| (row.student_id, row))
                .collect();
            let plan = plan_writes(&course, writes.clone(), &author, existing);
            for update in &plan.updates {
                let key = (update.course_id.to_string(), update.student_id.to_string());
                let touched = diesel::update(grades::table.find(key))
                    .filter(grades::revision.eq(update.revision - 1))
                    .set((
                        grades::grade_tenths.eq(update.grade_tenths),
                        grades::revision.eq(update.revision),
                        grades::student_name.eq(&update.student_name),
                        grades::course_code.eq(&update.course_code),
                        grades::course_title.eq(&update.course_title),
                        grades::teacher_id.eq(update.teacher_id.to_string()),
                        grades::updated_at.eq(update.updated_at),
                        grades::updated_by.eq(update.updated_by.to_string()),
                    ))
                    .execute(conn)?;
                if touched == 0 {
                    return Err(Error::WriteConflict);
                }
            }
            for chunk in plan.inserts.chunks(INSERT_CHUNK) {
                diesel::insert_into(grades::table)
                    .values(chunk.to_vec())
                    .execute(conn)
                    .map_err(Error::from)
                    .duplicate_means(Error::WriteConflict)?;
            }
            for chunk in plan.changes.chunks(INSERT_CHUNK) {
                diesel::insert_into(grade_changes::table)
                    .values(chunk.to_vec())
                    .execute(conn)
                    .map_err(Error::from)
                    .duplicate_means(Error::WriteConflict)?;
            }
            Ok(plan.result)
        });
        match result {
            Err(Error::WriteConflict) if attempt < WRITE_ATTEMPTS => {
                tracing::debug!(attempt, "grade write conflicted; retrying");
            }
            other => return other,
        }
    }
}

/// What a batch of writes does, decided from the grades as read.
struct WritePlan {
    updates: Vec<GradeRow>,
    inserts: Vec<GradeRow>,
    changes: Vec<GradeChangeRow>,
    result: Vec<GradeRow>,
}

fn plan_writes(
    course: &CourseInfo,
    writes: Vec<GradeWrite>,
    author: &Author,
    existing: HashMap<Uuid, GradeRow>,
) -> WritePlan {
    let now = Utc::now().naive_utc();
    let mut plan = WritePlan {
        updates: Vec::new(),
        inserts: Vec::new(),
        changes: Vec::new(),
        result: Vec::with_capacity(writes.len()),
    };
    for write in writes {
        let student_id = write.student_id;
        let old = existing.get(&student_id);
        let new_tenths = write.grade.tenths();
        if let Some(old) = old.filter(|o| o.grade_tenths == new_tenths) {
            // Setting the grade it already has is not a change.
            plan.result.push(old.clone());
            continue;
        }
        let row = GradeRow {
            course_id: course.id,
            student_id,
            course_code: course.code.clone(),
            course_title: course.title.clone(),
            teacher_id: course.teacher_id,
            student_name: write.student_name,
            grade_tenths: new_tenths,
            revision: old.map_or(1, |o| o.revision + 1),
            updated_at: now,
            updated_by: author.id,
        };
        plan.changes.push(GradeChangeRow {
            id: Uuid::new_v4(),
            course_id: row.course_id,
            student_id,
            revision: row.revision,
            old_grade_tenths: old.map(|o| o.grade_tenths),
            new_grade_tenths: new_tenths,
            changed_by: author.id,
            changed_by_name: author.name.clone(),
            changed_at: now,
        });
        if old.is_some() {
            plan.updates.push(row.clone());
        } else {
            plan.inserts.push(row.clone());
        }
        plan.result.push(row);
    }
    // Rows are locked in the order they are written. Two uploads listing the
    // same students in different orders would otherwise each hold a row the
    // other waits for: on PostgreSQL a deadlock, detected only after a
    // second, that failed an upload. One order (by student) makes them queue.
    plan.updates.sort_by_key(|row| row.student_id);
    plan.inserts.sort_by_key(|row| row.student_id);
    plan.changes.sort_by_key(|row| row.student_id);
    plan
}

/// Where a read of the completions feed starts: after this change (its
/// time, then its section and student, the feed's order), or at `since`
/// itself when no section is named.
#[derive(Debug, Clone)]
pub struct FeedPosition {
    pub since: chrono::NaiveDateTime,
    pub after: Option<(Uuid, Uuid)>,
}

/// Up to `limit` grades changed from `from` on, in the feed's order.
pub async fn completions_from(db: &Database, from: FeedPosition, limit: i64) -> Result<Vec<GradeRow>> {
    db_run!(db, |conn| {
        let mut query = grades::table.select(GradeRow::as_select()).into_boxed();
        query = match &from.after {
            None => query.filter(grades::updated_at.ge(from.since)),
            Some((course, student)) => {
                let (course, student) = (course.to_string(), student.to_string());
                query.filter(
                    grades::updated_at
                        .gt(from.since)
                        .or(grades::updated_at.eq(from.since).and(
                            grades::course_id
                                .gt(course.clone())
                                .or(grades::course_id.eq(course).and(grades::student_id.gt(student))),
                        )),
                )
            }
        };
        query
            .order((grades::updated_at, grades::course_id, grades::student_id))
            .limit(limit)
            .load(conn)
            .map_err(Error::from)
    })
}
