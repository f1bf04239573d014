//! Capacity and the one-enrollment rule hold under concurrency, on SQLite
//! and on PostgreSQL.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::json;
use service_common::demo;
use shared_types::Role;
use support::{status_and_body, TestCourses};
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

on_both_backends!(
    two_hundred_students_race_for_thirty_seats,
    one_student_clicks_enroll_fifty_times
);

async fn new_course(app: &TestCourses, code: &str, capacity: i64) -> Uuid {
    let admin = app.token(demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    let body = json!({"code": code, "title": "Popular Seminar", "capacity": capacity,
                      "teacher_id": demo::TEACHER.id, "teacher_name": demo::TEACHER.name});
    let (status, course) = status_and_body(app.call(Method::POST, "/courses", &admin, Some(body)).await).await;
    assert_eq!(status, StatusCode::CREATED);
    course["id"].as_str().unwrap().parse().unwrap()
}

async fn two_hundred_students_race_for_thirty_seats(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let course = new_course(&app, "RUSH1", 30).await;
    let tokens: Vec<String> = (0..200)
        .map(|n| app.token(Uuid::new_v4(), &format!("Student {n}"), Role::Student))
        .collect();
    let answers = testkit::join_all(tokens.iter().map(|t| app.enroll(course, t))).await;
    let mut created = 0;
    let mut full = 0;
    for answer in answers {
        let (status, body) = status_and_body(answer).await;
        match (status, body["error"].as_str()) {
            (StatusCode::CREATED, _) => created += 1,
            (StatusCode::CONFLICT, Some("course_full")) => full += 1,
            other => panic!("unexpected answer {other:?}: {body}"),
        }
    }
    assert_eq!((created, full), (30, 170));

    let teacher = app.token(demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    let (_, roster) = status_and_body(
        app.call(Method::GET, &format!("/courses/{course}/roster"), &teacher, None)
            .await,
    )
    .await;
    assert_eq!(roster.as_array().unwrap().len(), 30);
    let counted = app.db.select_text(&format!(
        "SELECT CAST(COUNT(*) AS TEXT) AS value FROM enrollments WHERE course_id = '{course}'"
    ));
    let enrolled = app.db.select_text(&format!(
        "SELECT CAST(enrolled AS TEXT) AS value FROM courses WHERE id = '{course}'"
    ));
    assert_eq!((counted[0].as_str(), enrolled[0].as_str()), ("30", "30"));
}

async fn one_student_clicks_enroll_fifty_times(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let course = new_course(&app, "RUSH2", 30).await;
    let token = app.token(Uuid::new_v4(), "Eager Student", Role::Student);
    let answers = testkit::join_all((0..50).map(|_| app.enroll(course, &token))).await;
    let mut created = 0;
    let mut duplicate = 0;
    for answer in answers {
        let (status, body) = status_and_body(answer).await;
        match (status, body["error"].as_str()) {
            (StatusCode::CREATED, _) => created += 1,
            (StatusCode::CONFLICT, Some("already_enrolled")) => duplicate += 1,
            other => panic!("unexpected answer {other:?}: {body}"),
        }
    }
    assert_eq!((created, duplicate), (1, 49));
    let enrolled = app.db.select_text(&format!(
        "SELECT CAST(enrolled AS TEXT) AS value FROM courses WHERE id = '{course}'"
    ));
    assert_eq!(enrolled, ["1"]);
}
