//! `--seed-demo`: the demo term, courses and enrollments, when there are no
//! courses yet.

use chrono::Utc;
use service_common::db::Database;
use service_common::demo::{COURSES, ENROLLMENTS};
use shared_types::courses::{Meeting, Weekday};
use shared_types::Credits;

use crate::db::models::{CourseRow, EnrollmentRow, MeetingRow};
use crate::db::{store, term_store};
use crate::domain::meetings::MeetingSlot;
use crate::domain::terms::STANDING_TERM;
use crate::error::{Error, Result};

pub async fn seed_demo_courses(db: &Database) -> Result<()> {
    if store::count_courses(db).await? > 0 {
        tracing::info!("courses exist; demo courses not seeded");
        return Ok(());
    }
    let now = Utc::now().naive_utc();
    // The demo term is the current one and its registration is open, so
    // the demo (and whatever is written against it) enrolls and drops.
    term_store::make_demo_term(db).await?;
    let course_rows = COURSES
        .iter()
        .map(|c| CourseRow {
            id: c.id,
            code: c.code.to_owned(),
            title: c.title.to_owned(),
            description: c.description.to_owned(),
            teacher_id: c.teacher.id,
            teacher_name: c.teacher.name.to_owned(),
            capacity: c.capacity,
            enrolled: ENROLLMENTS.iter().filter(|e| e.course.id == c.id).count() as i32,
            created_at: now,
            seats_changed_at: now,
            archived_at: None,
            term_id: STANDING_TERM,
            credits: Credits::DEFAULT.get(),
            waitlisted: 0,
            section: c.section.to_owned(),
        })
        .collect();
    let enrollment_rows = ENROLLMENTS
        .iter()
        .map(|e| EnrollmentRow {
            course_id: e.course.id,
            student_id: e.student.id,
            student_name: e.student.name.to_owned(),
            student_email: e.student.email.to_owned(),
            enrolled_at: now,
            credits: Credits::DEFAULT.get(),
            override_reason: None,
        })
        .collect();
    let mut meeting_rows = Vec::new();
    for course in COURSES {
        for &(day, starts, ends, room) in course.meets {
            let meeting = Meeting {
                day: Weekday::from_number(day).expect("a demo day from 1 to 7"),
                starts: starts.to_owned(),
                ends: ends.to_owned(),
                room: room.to_owned(),
            };
            let slot = MeetingSlot::parse(&meeting).expect("a demo meeting is valid");
            meeting_rows.push(MeetingRow::of(course.id, &slot));
        }
    }
    match store::insert_seed(db, course_rows, enrollment_rows, meeting_rows).await {
        // Another replica starting at the same moment seeded them first.
        Err(Error::Db(e)) if e.is_unique_violation() => {
            tracing::info!("demo courses seeded by another replica");
            return Ok(());
        }
        other => other?,
    }
    tracing::info!(
        courses = COURSES.len(),
        enrollments = ENROLLMENTS.len(),
        "demo courses seeded"
    );
    Ok(())
}
