use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::courses::{Course, RosterEntry};
use uuid::Uuid;

use crate::schema::{courses, enrollments};

/// A row of `courses`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = courses)]
pub struct CourseRow {
    pub id: String,
    pub code: String,
    pub title: String,
    pub description: String,
    pub teacher_id: String,
    pub teacher_name: String,
    pub capacity: i32,
    pub enrolled: i32,
    pub created_at: NaiveDateTime,
    /// When `enrolled` last changed (or the course was created).
    pub seats_changed_at: NaiveDateTime,
}

/// A row of `enrollments`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = enrollments)]
pub struct EnrollmentRow {
    pub course_id: String,
    pub student_id: String,
    pub student_name: String,
    pub student_email: String,
    pub enrolled_at: NaiveDateTime,
}

/// Ids are written by this service only, so an unparsable one is a
/// corrupted row; it shows as the nil id rather than failing the page.
pub fn uuid_of(column: &str) -> Uuid {
    Uuid::parse_str(column).unwrap_or_default()
}

impl CourseRow {
    pub fn to_course(&self) -> Course {
        Course {
            id: uuid_of(&self.id),
            code: self.code.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            teacher_id: uuid_of(&self.teacher_id),
            teacher_name: self.teacher_name.clone(),
            capacity: self.capacity,
            enrolled: self.enrolled,
            open: self.enrolled < self.capacity,
        }
    }
}

impl EnrollmentRow {
    pub fn to_roster_entry(&self) -> RosterEntry {
        RosterEntry {
            student_id: uuid_of(&self.student_id),
            name: self.student_name.clone(),
            email: self.student_email.clone(),
            enrolled_at: self.enrolled_at.and_utc(),
        }
    }
}
