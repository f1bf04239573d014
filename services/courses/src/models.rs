use chrono::NaiveDateTime;
use diesel::prelude::*;
use service_common::db::TextUuid;
use shared_types::courses::{Course, RosterEntry};
use uuid::Uuid;

use crate::schema::{courses, enrollments};

/// A row of `courses`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = courses)]
pub struct CourseRow {
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub description: String,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub teacher_id: Uuid,
    pub teacher_name: String,
    pub capacity: i32,
    pub enrolled: i32,
    pub created_at: NaiveDateTime,
    /// When `enrolled` last changed (or the course was created).
    pub seats_changed_at: NaiveDateTime,
    /// When an admin archived the course (see `store::list_courses`).
    pub archived_at: Option<NaiveDateTime>,
}

/// A row of `enrollments`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = enrollments)]
pub struct EnrollmentRow {
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub course_id: Uuid,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub student_id: Uuid,
    pub student_name: String,
    pub student_email: String,
    pub enrolled_at: NaiveDateTime,
}

impl CourseRow {
    pub fn to_course(&self) -> Course {
        Course {
            id: self.id,
            code: self.code.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            teacher_id: self.teacher_id,
            teacher_name: self.teacher_name.clone(),
            capacity: self.capacity,
            enrolled: self.enrolled,
            open: self.enrolled < self.capacity && self.archived_at.is_none(),
            archived: self.archived_at.is_some(),
        }
    }
}

impl EnrollmentRow {
    pub fn to_roster_entry(&self) -> RosterEntry {
        RosterEntry {
            student_id: self.student_id,
            name: self.student_name.clone(),
            email: self.student_email.clone(),
            enrolled_at: self.enrolled_at.and_utc(),
        }
    }
}
