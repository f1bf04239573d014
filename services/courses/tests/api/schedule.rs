//! Meeting times and schedule conflicts: the rules, the bad inputs, and one
//! student's clashing enrollments at once, on SQLite and on PostgreSQL.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use service_common::demo;
use shared_types::Role;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

use crate::support::TestCourses;
use crate::terms::{admin, call, create_course, create_term, demo_term, enroll_all_at_once, open_term};

on_both_backends!(
    a_course_week_is_set_checked_and_shown,
    a_clashing_course_is_refused_naming_the_other_and_back_to_back_is_not,
    one_student_racing_into_fifty_clashing_courses_gets_exactly_one,
);

fn meeting(day: &str, starts: &str, ends: &str) -> Value {
    json!({"day": day, "starts": starts, "ends": ends, "room": "A-1"})
}

async fn set_week(app: &TestCourses, course: Uuid, week: Value) -> (StatusCode, Value) {
    let path = format!("/courses/{course}/meetings");
    call(app, Method::PUT, &path, &admin(app), Some(week)).await
}

async fn a_course_week_is_set_checked_and_shown(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let admin = admin(&app);
    let (_, cs101) = call(&app, Method::GET, &format!("/courses/{}", demo::CS101.id), &admin, None).await;
    assert_eq!(
        cs101["meetings"],
        json!([{"day": "mon", "starts": "09:00", "ends": "10:15", "room": "B-201"},
               {"day": "wed", "starts": "09:00", "ends": "10:15", "room": "B-201"}])
    );
    let term = demo_term(&app).await;
    let course = create_course(&app, "WK-1", &term, 3, 10).await;
    let (status, set) = set_week(
        &app,
        course,
        json!([meeting("thu", "14:00", "15:30"), meeting("tue", "14:00", "15:30")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["meetings"][0]["day"], "tue", "in day order: {set}");
    let (_, catalogue) = call(&app, Method::GET, "/courses?q=WK-1", &admin, None).await;
    assert_eq!(catalogue[0]["meetings"], set["meetings"]);

    for (week, error) in [
        (json!([meeting("mon", "9:00", "10:00")]), "invalid_meetings"),
        (json!([meeting("mon", "10:00", "09:00")]), "invalid_meetings"),
        (json!([meeting("mon", "10:00", "24:30")]), "invalid_meetings"),
        (
            json!([meeting("mon", "09:00", "10:00"), meeting("mon", "09:30", "11:00")]),
            "invalid_meetings",
        ),
        (
            json!((0..15)
                .map(|h| meeting("sat", &format!("{h:02}:00"), &format!("{h:02}:30")))
                .collect::<Vec<_>>()),
            "invalid_meetings",
        ),
        (
            json!([{"day": "mon", "starts": "09:00", "ends": "10:00", "room": "x".repeat(41)}]),
            "invalid_field",
        ),
    ] {
        let (status, answer) = set_week(&app, course, week).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(error)),
            "{answer}"
        );
    }
    let (status, answer) = set_week(&app, course, json!([meeting("funday", "09:00", "10:00")])).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_body"))
    );
    let (status, answer) = set_week(&app, Uuid::new_v4(), json!([])).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("course_not_found"))
    );
    let student = app.token(demo::STUDENT.id, demo::STUDENT.name, Role::Student);
    let path = format!("/courses/{course}/meetings");
    let (status, _) = call(&app, Method::PUT, &path, &student, Some(json!([]))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A refused week changed nothing; an empty one clears it.
    let (_, kept) = call(&app, Method::GET, &format!("/courses/{course}"), &admin, None).await;
    assert_eq!(kept["meetings"], set["meetings"]);
    let (status, cleared) = set_week(&app, course, json!([])).await;
    assert_eq!((status, cleared.get("meetings")), (StatusCode::OK, None));
}

async fn a_clashing_course_is_refused_naming_the_other_and_back_to_back_is_not(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    // The demo student holds CS101, Monday and Wednesday 09:00–10:15.
    let token = app.token(demo::STUDENT.id, demo::STUDENT.name, Role::Student);
    let overlapping = create_course(&app, "CLASH-1", &term, 3, 10).await;
    set_week(&app, overlapping, json!([meeting("wed", "10:00", "11:00")])).await;
    let (status, answer) = status_and_body(app.enroll(overlapping, &token).await).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("schedule_conflict"))
    );
    let message = answer["message"].as_str().unwrap();
    assert!(
        message.contains("CS101") && message.contains("Wed 09:00–10:15"),
        "{message}"
    );

    let back_to_back = create_course(&app, "NEXT-1", &term, 3, 10).await;
    set_week(&app, back_to_back, json!([meeting("wed", "10:15", "11:00")])).await;
    assert_eq!(app.enroll(back_to_back, &token).await.status(), StatusCode::CREATED);
    let no_meetings = create_course(&app, "READING", &term, 3, 10).await;
    assert_eq!(app.enroll(no_meetings, &token).await.status(), StatusCode::CREATED);

    // Another term's courses never clash with this one's.
    let other = create_term(&app, open_term("SUMMER", 18)).await;
    let elsewhere = create_course(&app, "SUM-1", &other, 3, 10).await;
    set_week(&app, elsewhere, json!([meeting("mon", "09:00", "10:15")])).await;
    assert_eq!(app.enroll(elsewhere, &token).await.status(), StatusCode::CREATED);

    // Dropping CS101 frees its times; the course just joined still clashes.
    let drop = format!("/courses/{}/enrollment", demo::CS101.id);
    assert_eq!(
        app.call(Method::DELETE, &drop, &token, None).await.status(),
        StatusCode::NO_CONTENT
    );
    let (status, answer) = status_and_body(app.enroll(overlapping, &token).await).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("schedule_conflict"))
    );
    assert!(answer["message"].as_str().unwrap().contains("NEXT-1"), "{answer}");
    let drop = format!("/courses/{back_to_back}/enrollment");
    assert_eq!(
        app.call(Method::DELETE, &drop, &token, None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.enroll(overlapping, &token).await.status(), StatusCode::CREATED);
}

async fn one_student_racing_into_fifty_clashing_courses_gets_exactly_one(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    // A limit no 50 one-credit courses reach: only the clash can refuse.
    let term = create_term(&app, open_term("CLASHES", 60)).await;
    let mut courses = Vec::new();
    for n in 0..50 {
        let course = create_course(&app, &format!("TUE-{n}"), &term, 1, 5).await;
        let starts = format!("14:{:02}", n % 60);
        let (status, _) = set_week(&app, course, json!([meeting("tue", &starts, "15:30")])).await;
        assert_eq!(status, StatusCode::OK);
        courses.push(course);
    }
    let student = Uuid::new_v4();
    let token = app.token(student, "Double-booked Student", Role::Student);
    let (created, refused) = enroll_all_at_once(&app, &courses, &token, "schedule_conflict").await;
    assert_eq!((created, refused), (1, 49));
    let held = app.db.select_text(&format!(
        "SELECT CAST(COUNT(*) AS TEXT) AS value FROM enrollments WHERE student_id = '{student}'"
    ));
    let seats = app.db.select_text(&format!(
        "SELECT CAST(SUM(enrolled) AS TEXT) AS value FROM courses WHERE term_id = '{}'",
        term["id"].as_str().unwrap()
    ));
    let credits = app.db.select_text(&format!(
        "SELECT CAST(credits AS TEXT) AS value FROM student_terms WHERE student_id = '{student}'"
    ));
    assert_eq!(
        (held[0].as_str(), seats[0].as_str(), credits[0].as_str()),
        ("1", "1", "1")
    );
}
