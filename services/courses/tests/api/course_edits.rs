//! `PATCH /courses/{id}`: an admin changes a course; every refusal is a
//! clear JSON error.

use crate::concurrency::new_course;
use crate::support::TestCourses;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use service_common::demo;
use shared_types::Role;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

on_both_backends!(
    admin_changes_title_capacity_and_teacher,
    capacity_never_goes_below_the_seats_taken,
    a_raised_capacity_opens_a_full_course,
    bad_changes_get_clear_errors,
);

async fn patch(app: &TestCourses, course: Uuid, token: &str, body: Value) -> (StatusCode, Value) {
    status_and_body(
        app.call(Method::PATCH, &format!("/courses/{course}"), token, Some(body))
            .await,
    )
    .await
}

fn admin(app: &TestCourses) -> String {
    app.token(demo::ADMIN.id, demo::ADMIN.name, Role::Admin)
}

async fn admin_changes_title_capacity_and_teacher(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let admin = admin(&app);
    let (status, course) = patch(
        &app,
        demo::CS201.id,
        &admin,
        json!({"title": "Data Structures and Algorithms", "capacity": 60,
               "teacher_id": demo::TEACHER2.id, "teacher_name": demo::TEACHER2.name}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{course}");
    assert_eq!(
        (
            course["title"].as_str(),
            course["capacity"].as_i64(),
            course["teacher_name"].as_str()
        ),
        (
            Some("Data Structures and Algorithms"),
            Some(60),
            Some(demo::TEACHER2.name)
        )
    );
    // Seen by everyone at once: the catalogue and the new teacher's list.
    let (_, catalogue) = status_and_body(app.call(Method::GET, "/courses", &admin, None).await).await;
    let listed = catalogue
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "CS201")
        .unwrap();
    assert_eq!(listed["capacity"], 60);
    let teacher2 = app.token(demo::TEACHER2.id, demo::TEACHER2.name, Role::Teacher);
    let (_, teaching) = status_and_body(app.call(Method::GET, "/teaching", &teacher2, None).await).await;
    assert!(
        teaching.as_array().unwrap().iter().any(|c| c["code"] == "CS201"),
        "{teaching}"
    );
    // Nothing sent, nothing changed.
    let (status, same) = patch(&app, demo::CS201.id, &admin, json!({})).await;
    assert_eq!((status, same["capacity"].as_i64()), (StatusCode::OK, Some(60)));
}

async fn capacity_never_goes_below_the_seats_taken(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let admin = admin(&app);
    let course = new_course(&app, "SMALL1", 5).await;
    for n in 0..3 {
        let student = app.token(Uuid::new_v4(), &format!("Student {n}"), Role::Student);
        assert_eq!(app.enroll(course, &student).await.status(), StatusCode::CREATED);
    }
    let (status, body) = patch(&app, course, &admin, json!({"capacity": 2})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("capacity_below_enrolled"))
    );
    assert_eq!(body["message"], "3 seats are taken: the capacity cannot go below 3.");
    // Nothing else in a refused change was written.
    let (status, body) = patch(&app, course, &admin, json!({"capacity": 2, "title": "Renamed"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (_, now) = status_and_body(app.call(Method::GET, &format!("/courses/{course}"), &admin, None).await).await;
    assert_eq!(
        (now["title"].as_str(), now["capacity"].as_i64()),
        (Some("Popular Seminar"), Some(5))
    );
    // Down to exactly the seats taken: the course is full.
    let (status, body) = patch(&app, course, &admin, json!({"capacity": 3})).await;
    assert_eq!(
        (status, body["open"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{body}"
    );
    let late = app.token(Uuid::new_v4(), "Late Student", Role::Student);
    let (status, body) = status_and_body(app.enroll(course, &late).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("course_full"))
    );
}

async fn a_raised_capacity_opens_a_full_course(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let admin = admin(&app);
    let course = new_course(&app, "FULL1", 1).await;
    let first = app.token(Uuid::new_v4(), "First", Role::Student);
    let second = app.token(Uuid::new_v4(), "Second", Role::Student);
    assert_eq!(app.enroll(course, &first).await.status(), StatusCode::CREATED);
    // Refused twice: the second refusal may come from this replica's memory of full courses.
    for _ in 0..2 {
        assert_eq!(app.enroll(course, &second).await.status(), StatusCode::CONFLICT);
    }
    let (status, _) = patch(&app, course, &admin, json!({"capacity": 2})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.enroll(course, &second).await.status(), StatusCode::CREATED);
    // Open tabs hear of the new capacity from the seat updates.
    let changes: Value = app
        .client
        .get(app.service.at("/courses/seats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seats = changes["courses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == course.to_string())
        .unwrap();
    assert_eq!(
        (seats["capacity"].as_i64(), seats["enrolled"].as_i64()),
        (Some(2), Some(2))
    );
}

async fn bad_changes_get_clear_errors(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let admin = admin(&app);
    for (body, status, code) in [
        (
            json!({"capacity": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_capacity",
        ),
        (
            json!({"capacity": 10_001}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_capacity",
        ),
        (
            json!({"title": "  "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (
            json!({"teacher_id": demo::TEACHER2.id}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
        ),
        (json!({"seats": 10}), StatusCode::BAD_REQUEST, "invalid_body"),
        (json!({"capacity": "ten"}), StatusCode::BAD_REQUEST, "invalid_body"),
        (
            json!({"teacher_id": demo::STUDENT.id, "teacher_name": demo::STUDENT.name}),
            StatusCode::CONFLICT,
            "teacher_is_enrolled",
        ),
    ] {
        let (got, answer) = patch(&app, demo::CS101.id, &admin, body.clone()).await;
        assert_eq!(
            (got, answer["error"].as_str()),
            (status, Some(code)),
            "{body}: {answer}"
        );
    }
    let (status, body) = patch(&app, Uuid::new_v4(), &admin, json!({"capacity": 10})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("course_not_found"))
    );
    let teacher = app.token(demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    let (status, _) = patch(&app, demo::CS101.id, &teacher, json!({"capacity": 10})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
