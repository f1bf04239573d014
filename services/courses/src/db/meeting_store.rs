//! Queries on courses' weekly meetings, written once for both backends.

use std::collections::HashMap;

use chrono::Utc;
use diesel::prelude::*;
use service_common::db::Database;
use service_common::{db_run, db_write};
use shared_types::courses::Course;
use uuid::Uuid;

use crate::db::models::{CourseRow, MeetingRow, TermRow};
use crate::db::placing::Placing;
use crate::db::schema::{courses, meeting_times, terms};
use crate::domain::meetings::MeetingSlot;
use crate::error::{Error, Result};

/// Course ids per `IN (...)` list: well under SQLite's limit on bound
/// parameters.
const IN_LIST_CHUNK: usize = 500;

/// Each course's week, by course id (a course that never meets has none).
pub async fn weeks_of(db: &Database, ids: Vec<String>) -> Result<HashMap<Uuid, Vec<MeetingSlot>>> {
    let rows: Vec<MeetingRow> = db_run!(db, |conn| {
        let mut rows = Vec::new();
        for chunk in ids.chunks(IN_LIST_CHUNK) {
            rows.extend(
                meeting_times::table
                    .filter(meeting_times::course_id.eq_any(chunk))
                    .select(MeetingRow::as_select())
                    .order((meeting_times::weekday, meeting_times::starts_at))
                    .load::<MeetingRow>(conn)?,
            );
        }
        Ok::<_, Error>(rows)
    })?;
    let mut weeks: HashMap<Uuid, Vec<MeetingSlot>> = HashMap::new();
    for row in rows {
        weeks.entry(row.course_id).or_default().push(row.to_slot());
    }
    Ok(weeks)
}

/// The courses as the wire shows them, each with its week.
pub async fn courses_with_meetings(db: &Database, rows: &[CourseRow]) -> Result<Vec<Course>> {
    let weeks = weeks_of(db, rows.iter().map(|r| r.id.to_string()).collect()).await?;
    Ok(rows
        .iter()
        .map(|row| row.to_course_with(weeks.get(&row.id).map_or(&[], Vec::as_slice)))
        .collect())
}

/// One course as the wire shows it, with its week.
pub async fn course_with_meetings(db: &Database, row: &CourseRow) -> Result<Course> {
    let mut one = courses_with_meetings(db, std::slice::from_ref(row)).await?;
    Ok(one.pop().unwrap_or_else(|| row.to_course()))
}

/// Replaces a course's week with `week` (already checked whole), in one
/// transaction.
pub async fn set_week(db: &Database, course: Uuid, week: Vec<MeetingSlot>) -> Result<CourseRow> {
    let rows: Vec<MeetingRow> = week.iter().map(|slot| MeetingRow::of(course, slot)).collect();
    let id = course.to_string();
    db_write!(db, |conn| {
        // Locks the course row, so that two weeks set at once are set one
        // after the other (the second DELETE sees the first one's rows).
        let locked = diesel::update(courses::table.find(&id))
            .set(courses::code.eq(courses::code))
            .execute(conn)?;
        if locked == 0 {
            return Err(Error::CourseNotFound);
        }
        let row: CourseRow = courses::table.find(&id).select(CourseRow::as_select()).first(conn)?;
        diesel::delete(meeting_times::table.filter(meeting_times::course_id.eq(&id))).execute(conn)?;
        diesel::insert_into(meeting_times::table)
            .values(rows.clone())
            .execute(conn)?;
        // A new week may fit a waiting student, and frees the week of each
        // student who holds the section.
        let term: TermRow = terms::table
            .find(row.term_id.to_string())
            .select(TermRow::as_select())
            .first(conn)?;
        let now = Utc::now().naive_utc();
        conn.settle_section(course, &term, now)?;
        conn.settle_roster(course, &term, now)?;
        Ok::<_, Error>(row)
    })
}
