use chrono::NaiveDateTime;
use diesel::prelude::*;
use service_common::db::TextUuid;
use shared_types::grades::{GradeChange, GradeRecord, MyGrade};
use shared_types::Grade;
use uuid::Uuid;

use crate::schema::{grade_changes, grades};

/// A row of `grades`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = grades)]
pub struct GradeRow {
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub course_id: Uuid,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub student_id: Uuid,
    pub course_code: String,
    pub course_title: String,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub teacher_id: Uuid,
    pub student_name: String,
    pub grade_tenths: i32,
    pub revision: i32,
    pub updated_at: NaiveDateTime,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub updated_by: Uuid,
}

/// A row of `grade_changes`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = grade_changes)]
pub struct GradeChangeRow {
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub id: Uuid,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub course_id: Uuid,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub student_id: Uuid,
    pub revision: i32,
    pub old_grade_tenths: Option<i32>,
    pub new_grade_tenths: i32,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub changed_by: Uuid,
    pub changed_by_name: String,
    pub changed_at: NaiveDateTime,
}

impl GradeRow {
    pub fn grade(&self) -> Grade {
        Grade::from_stored_tenths(self.grade_tenths)
    }

    pub fn to_my_grade(&self) -> MyGrade {
        MyGrade {
            course_id: self.course_id,
            course_code: self.course_code.clone(),
            course_title: self.course_title.clone(),
            grade: self.grade(),
            updated_at: self.updated_at.and_utc(),
        }
    }

    pub fn to_record(&self) -> GradeRecord {
        GradeRecord {
            course_id: self.course_id,
            course_code: self.course_code.clone(),
            course_title: self.course_title.clone(),
            student_id: self.student_id,
            student_name: self.student_name.clone(),
            grade: self.grade(),
            updated_at: self.updated_at.and_utc(),
            updated_by: self.updated_by,
        }
    }
}

impl GradeChangeRow {
    pub fn to_change(&self) -> GradeChange {
        GradeChange {
            course_id: self.course_id,
            student_id: self.student_id,
            old_grade: self.old_grade_tenths.map(Grade::from_stored_tenths),
            new_grade: Grade::from_stored_tenths(self.new_grade_tenths),
            changed_by: self.changed_by,
            changed_by_name: self.changed_by_name.clone(),
            changed_at: self.changed_at.and_utc(),
        }
    }
}
