//! `--seed-demo`: the demo grades, when there are no grades yet.

use service_common::db::Database;
use service_common::demo::GRADES;
use shared_types::Grade;

use crate::error::Result;
use crate::store::{self, Author, CourseInfo, GradeWrite};

pub async fn seed_demo_grades(db: &Database) -> Result<()> {
    if store::count_grades(db).await? > 0 {
        tracing::info!("grades exist; demo grades not seeded");
        return Ok(());
    }
    for demo in GRADES {
        let course = CourseInfo {
            id: demo.course.id,
            code: demo.course.code.to_owned(),
            title: demo.course.title.to_owned(),
            teacher_id: demo.course.teacher.id,
        };
        let write = GradeWrite {
            student_id: demo.student.id,
            student_name: demo.student.name.to_owned(),
            grade: Grade::from_tenths(demo.grade_tenths)?,
        };
        let author = Author {
            id: demo.course.teacher.id,
            name: demo.course.teacher.name.to_owned(),
        };
        store::write_grades(db, &course, &[write], &author).await?;
    }
    tracing::info!(grades = GRADES.len(), "demo grades seeded");
    Ok(())
}
