//! course-service against SQLite and PostgreSQL: every status of its routes.

use crate::support::TestCourses;
use reqwest::{Method, StatusCode};
use serde_json::json;
use service_common::demo;
use shared_types::Role;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

on_both_backends!(
    catalogue_shows_live_seats,
    admin_creates_courses_with_checked_values,
    student_enrolls_lists_and_drops,
    full_course_refuses_until_a_seat_is_dropped,
    a_teacher_who_studies_too_cannot_enroll_in_their_own_course,
    only_the_teacher_or_an_admin_reads_a_roster,
    bad_ids_and_tokens_get_clear_errors,
);

async fn catalogue_shows_live_seats(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let student = app.token(demo::STUDENT.id, demo::STUDENT.name, Role::Student);
    let (status, courses) = status_and_body(app.call(Method::GET, "/courses", &student, None).await).await;
    assert_eq!(status, StatusCode::OK);
    let courses = courses.as_array().unwrap();
    assert_eq!(courses.len(), demo::COURSES.len());
    let hist = courses.iter().find(|c| c["code"] == "HIST210").unwrap();
    assert_eq!(
        (
            hist["capacity"].as_i64(),
            hist["enrolled"].as_i64(),
            hist["open"].as_bool()
        ),
        (Some(2), Some(1), Some(true))
    );
    assert_eq!(hist["teacher_name"], demo::TEACHER2.name);

    let (status, one) = status_and_body(
        app.call(Method::GET, &format!("/courses/{}", demo::CS101.id), &student, None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["code"], "CS101");
    assert_eq!(one["enrolled"], 2);
}

async fn admin_creates_courses_with_checked_values(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let admin = app.token(demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    let teacher = app.token(demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    let course = |code: &str, capacity: serde_json::Value| {
        json!({"code": code, "title": "Compilers", "description": "Parsing to code generation.",
               "capacity": capacity, "teacher_id": demo::TEACHER.id, "teacher_name": demo::TEACHER.name})
    };
    let (status, created) = status_and_body(
        app.call(Method::POST, "/courses", &admin, Some(course("cs-420", json!(12))))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        (
            created["code"].as_str(),
            created["enrolled"].as_i64(),
            created["open"].as_bool()
        ),
        (Some("CS-420"), Some(0), Some(true))
    );

    let (status, body) = status_and_body(
        app.call(Method::POST, "/courses", &admin, Some(course("CS-420", json!(5))))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("code_taken"))
    );

    let mut long_title = course("LONG1", json!(5));
    long_title["title"] = json!("x".repeat(100_000));
    for (body, code) in [
        (course("ZERO1", json!(0)), "invalid_capacity"),
        (course("NEG1", json!(-3)), "invalid_capacity"),
        (course("HUGE1", json!(10_000_000_000_i64)), "invalid_capacity"),
        (course("bad code!", json!(5)), "invalid_code"),
        (long_title, "invalid_field"),
    ] {
        let (status, answer) = status_and_body(app.call(Method::POST, "/courses", &admin, Some(body)).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["error"], code);
    }
    for body in [course("TYPE1", json!("ten")), json!({"code": "X1", "title": "T"})] {
        let (status, answer) = status_and_body(app.call(Method::POST, "/courses", &admin, Some(body)).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    }
    let mut bad_teacher = course("TEACH1", json!(5));
    bad_teacher["teacher_id"] = json!("not-a-uuid");
    let (status, _) = status_and_body(app.call(Method::POST, "/courses", &admin, Some(bad_teacher)).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, _) = status_and_body(
        app.call(Method::POST, "/courses", &teacher, Some(course("T2", json!(5))))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let stored = app.db.select_text("SELECT code AS value FROM courses ORDER BY code");
    assert_eq!(
        stored.len(),
        demo::COURSES.len() + 1,
        "only the one good course was written: {stored:?}"
    );
}

async fn student_enrolls_lists_and_drops(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let student = app.token(demo::STUDENT.id, demo::STUDENT.name, Role::Student);
    let course = demo::PHYS101.id;
    let (status, enrollment) = status_and_body(app.enroll(course, &student).await).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(enrollment["course_id"], json!(course));
    assert_eq!(enrollment["student_id"], json!(demo::STUDENT.id));
    assert!(enrollment["enrolled_at"].is_string());

    let (status, body) = status_and_body(app.enroll(course, &student).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_enrolled"))
    );

    let (status, mine) = status_and_body(app.call(Method::GET, "/enrollments/me", &student, None).await).await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["CS101", "MATH120", "PHYS101"]);

    let path = format!("/courses/{course}/enrollment");
    let (status, _) = status_and_body(app.call(Method::DELETE, &path, &student, None).await).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, catalogue) = status_and_body(app.call(Method::GET, "/courses", &student, None).await).await;
    let phys = catalogue
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "PHYS101")
        .unwrap();
    assert_eq!(phys["enrolled"], 0);
    let (status, body) = status_and_body(app.call(Method::DELETE, &path, &student, None).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_enrolled"))
    );

    let (status, body) = status_and_body(app.enroll(Uuid::new_v4(), &student).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("course_not_found"))
    );

    let teacher = app.token(demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    let admin = app.token(demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    for token in [&teacher, &admin] {
        let (status, _) = status_and_body(app.enroll(course, token).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = status_and_body(app.call(Method::GET, "/enrollments/me", &teacher, None).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let left = app.db.select_text(&format!(
        "SELECT CAST(enrolled AS TEXT) AS value FROM courses WHERE id = '{course}'"
    ));
    assert_eq!(left, ["0"]);
}

async fn full_course_refuses_until_a_seat_is_dropped(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let course = demo::HIST210.id;
    let first = app.token(Uuid::new_v4(), "First Student", Role::Student);
    let second = app.token(Uuid::new_v4(), "Second Student", Role::Student);
    let (status, _) = status_and_body(app.enroll(course, &first).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = status_and_body(app.enroll(course, &second).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("course_full"))
    );
    let (_, one) = status_and_body(
        app.call(Method::GET, &format!("/courses/{course}"), &second, None)
            .await,
    )
    .await;
    assert_eq!(
        (one["enrolled"].as_i64(), one["open"].as_bool()),
        (Some(2), Some(false))
    );

    let (status, _) = status_and_body(
        app.call(Method::DELETE, &format!("/courses/{course}/enrollment"), &first, None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = status_and_body(app.enroll(course, &second).await).await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn a_teacher_who_studies_too_cannot_enroll_in_their_own_course(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let both = app
        .keys
        .token(demo::TEACHER.id, demo::TEACHER.name, &[Role::Teacher, Role::Student]);
    let (status, body) = status_and_body(app.enroll(demo::CS101.id, &both).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("own_course")),
        "{body}"
    );
    // Nothing was taken: the seat count is as before.
    let (_, course) = status_and_body(
        app.call(Method::GET, &format!("/courses/{}", demo::CS101.id), &both, None)
            .await,
    )
    .await;
    let seeded = demo::ENROLLMENTS
        .iter()
        .filter(|e| e.course.id == demo::CS101.id)
        .count() as i64;
    assert_eq!(course["enrolled"].as_i64(), Some(seeded));
    // Another teacher's course is open to them as a student.
    let (status, _) = status_and_body(app.enroll(demo::HIST210.id, &both).await).await;
    assert_ne!(status, StatusCode::FORBIDDEN);
}

async fn only_the_teacher_or_an_admin_reads_a_roster(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let student = app.token(Uuid::new_v4(), "Noor Haddad", Role::Student);
    let (status, _) = status_and_body(app.enroll(demo::CS101.id, &student).await).await;
    assert_eq!(status, StatusCode::CREATED);

    let roster_path = format!("/courses/{}/roster", demo::CS101.id);
    let teacher = app.token(demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    let (status, roster) = status_and_body(app.call(Method::GET, &roster_path, &teacher, None).await).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = roster
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Kim Lee", "Noor Haddad", "Sam Rivera"]);
    let noor = &roster[1];
    assert_eq!(noor["email"], "noor.haddad@example.edu");

    let admin = app.token(demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    let (status, _) = status_and_body(app.call(Method::GET, &roster_path, &admin, None).await).await;
    assert_eq!(status, StatusCode::OK);

    let other_teacher = app.token(demo::TEACHER2.id, demo::TEACHER2.name, Role::Teacher);
    for token in [&other_teacher, &student] {
        let (status, _) = status_and_body(app.call(Method::GET, &roster_path, token, None).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, body) = status_and_body(
        app.call(
            Method::GET,
            &format!("/courses/{}/roster", Uuid::new_v4()),
            &admin,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("course_not_found"))
    );

    let (status, teaching) = status_and_body(app.call(Method::GET, "/teaching", &other_teacher, None).await).await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<&str> = teaching
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["HIST210", "MATH120"]);
    let (status, _) = status_and_body(app.call(Method::GET, "/teaching", &student, None).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A course that names a student as its teacher gives that student
    // nothing: acting as a course's teacher needs the teacher role too.
    let named = testkit::write::create_course(
        &app.client,
        &app.service.url,
        &admin,
        "NAMED1",
        10,
        (demo::STUDENT.id, demo::STUDENT.name),
    )
    .await
    .unwrap();
    let sam = app.token(demo::STUDENT.id, demo::STUDENT.name, Role::Student);
    let (status, _) = status_and_body(
        app.call(Method::GET, &format!("/courses/{named}/roster"), &sam, None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn bad_ids_and_tokens_get_clear_errors(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let student = app.token(demo::STUDENT.id, demo::STUDENT.name, Role::Student);
    for path in ["/courses/not-a-uuid", "/courses/123/roster", "/courses/%00/enrollment"] {
        let method = if path.ends_with("enrollment") {
            Method::POST
        } else {
            Method::GET
        };
        let (status, body) = status_and_body(app.call(method, path, &student, None).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
    }
    let long_id = format!("/courses/{}", "a".repeat(5000));
    let (status, _) = status_and_body(app.call(Method::GET, &long_id, &student, None).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = status_and_body(
        app.call(Method::GET, &format!("/courses/{}", Uuid::new_v4()), &student, None)
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("course_not_found"))
    );
    let (status, _) = status_and_body(app.call(Method::GET, "/courses", "garbage", None).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = status_and_body(app.client.get(app.service.at("/courses")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// While the database is away (a failover takes seconds), the catalogue
/// this replica read last is still served, its `X-Seats-As-Of` saying when
/// it was read; writes still answer 503, nothing pretends to succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_catalogue_read_last_is_served_while_the_database_is_away() {
    if !testkit::postgres_available() {
        return;
    }
    let app = TestCourses::spawn_with(Backend::Postgres, &["--catalogue-cache-ms=1"]).await;
    let token = app.token(Uuid::new_v4(), "Reader", Role::Student);
    let first = app.call(Method::GET, "/courses", &token, None).await;
    assert_eq!(first.status(), StatusCode::OK);
    let as_of = first.headers()["x-seats-as-of"].clone();
    let catalogue: serde_json::Value = first.json().await.expect("the catalogue");
    let course: Uuid = catalogue[0]["id"].as_str().expect("a course").parse().expect("an id");

    app.db.set_reachable(false);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    for _ in 0..3 {
        let away = app.call(Method::GET, "/courses", &token, None).await;
        assert_eq!(away.status(), StatusCode::OK);
        assert_eq!(away.headers()["x-seats-as-of"], as_of);
        assert_eq!(
            away.json::<serde_json::Value>().await.expect("the catalogue"),
            catalogue
        );
    }
    let (status, body) = status_and_body(app.enroll(course, &token).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("database_unavailable"))
    );

    app.db.set_reachable(true);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let back = app.enroll(course, &token).await;
        if back.status() == StatusCode::CREATED {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still {}", back.status());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let fresh = app.call(Method::GET, "/courses", &token, None).await;
    assert_ne!(
        fresh.headers()["x-seats-as-of"],
        as_of,
        "read again once the database is back"
    );
}
