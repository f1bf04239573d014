use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::grades::{GradeChange, GradeRecord, MyGrade};
use shared_types::Grade;
use uuid::Uuid;

use crate::schema::{grade_changes, grades};

/// A row of `grades`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = grades)]
pub struct GradeRow {
    pub course_id: String,
    pub student_id: String,
    pub course_code: String,
    pub course_title: String,
    pub teacher_id: String,
    pub student_name: String,
    pub grade_tenths: i32,
    pub revision: i32,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

/// A row of `grade_changes`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = grade_changes)]
pub struct GradeChangeRow {
    pub id: String,
    pub course_id: String,
    pub student_id: String,
    pub revision: i32,
    pub old_grade_tenths: Option<i32>,
    pub new_grade_tenths: i32,
    pub changed_by: String,
    pub changed_by_name: String,
    pub changed_at: NaiveDateTime,
}

/// Ids and grades are written by this service only, after checking, so an
/// unreadable one is a corrupted row: it shows as the nil id or 0.0 rather
/// than failing the whole page.
fn uuid_of(column: &str) -> Uuid {
    Uuid::parse_str(column).unwrap_or_default()
}

fn grade_of(tenths: i32) -> Grade {
    Grade::from_tenths(tenths).unwrap_or_else(|_| Grade::from_tenths(0).expect("0.0 is a grade"))
}

impl GradeRow {
    pub fn grade(&self) -> Grade {
        grade_of(self.grade_tenths)
    }

    pub fn to_my_grade(&self) -> MyGrade {
        MyGrade {
            course_id: uuid_of(&self.course_id),
            course_code: self.course_code.clone(),
            course_title: self.course_title.clone(),
            grade: self.grade(),
            updated_at: self.updated_at.and_utc(),
        }
    }

    pub fn to_record(&self) -> GradeRecord {
        GradeRecord {
            course_id: uuid_of(&self.course_id),
            course_code: self.course_code.clone(),
            course_title: self.course_title.clone(),
            student_id: uuid_of(&self.student_id),
            student_name: self.student_name.clone(),
            grade: self.grade(),
            updated_at: self.updated_at.and_utc(),
            updated_by: uuid_of(&self.updated_by),
        }
    }
}

impl GradeChangeRow {
    pub fn to_change(&self) -> GradeChange {
        GradeChange {
            course_id: uuid_of(&self.course_id),
            student_id: uuid_of(&self.student_id),
            old_grade: self.old_grade_tenths.map(grade_of),
            new_grade: grade_of(self.new_grade_tenths),
            changed_by: uuid_of(&self.changed_by),
            changed_by_name: self.changed_by_name.clone(),
            changed_at: self.changed_at.and_utc(),
        }
    }
}
