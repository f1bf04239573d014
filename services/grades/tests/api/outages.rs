//! grade-service while course-service is stopped or hung, and failing
//! over between several course-service addresses.

use std::time::{Duration, Instant};

use crate::support::{spawn_courses, spawn_grades, start_courses, TestGrades};
use reqwest::{Method, StatusCode};
use serde_json::json;
use service_common::demo;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend, ClosedPort, TestKeys};

on_both_backends!(
    course_service_stopped,
    course_service_hung,
    grading_fails_over_past_an_address_where_nothing_listens,
    grading_fails_over_past_a_stopped_course_service_replica,
    grading_with_every_course_service_address_dead_is_503_courses_unavailable,
);

async fn course_service_stopped(backend: Backend) {
    let mut app = TestGrades::spawn(backend).await;
    app.courses.kill().await;
    let student = app.token_of(demo::STUDENT);
    let (status, mine) = status_and_body(app.call(&app.grades, Method::GET, "/grades/me", &student, None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine[0]["course_title"], demo::CS101.title);

    let teacher = app.token_of(demo::TEACHER);
    let started = Instant::now();
    let response = app
        .set_grade(&teacher, demo::CS101.id, demo::STUDENT2.id, json!(3.0))
        .await;
    let elapsed = started.elapsed();
    let (status, body) = status_and_body(response).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("courses_unavailable"))
    );
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");

    // Fail closed: the teacher sees only grades recorded as given in their
    // course, flagged incomplete; another teacher sees nothing of it.
    let path = format!("/grades/courses/{}", demo::CS101.id);
    let response = app.call(&app.grades, Method::GET, &path, &teacher, None).await;
    assert_eq!(response.headers()["x-roster-complete"], "false");
    let (status, list) = status_and_body(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list,
        json!([{"student_id": demo::STUDENT.id, "student_name": demo::STUDENT.name, "grade": 3.5}])
    );
    let other = app.token_of(demo::TEACHER2);
    let (status, body) = status_and_body(app.call(&app.grades, Method::GET, &path, &other, None).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("courses_unavailable"))
    );

    let (status, _) = status_and_body(
        app.call(&app.grades, Method::GET, "/grades/teaching", &teacher, None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

async fn course_service_hung(backend: Backend) {
    // Accepts connections and never answers: like a SIGSTOPped process.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let keys = TestKeys::generate();
    let (grades, _db) = spawn_grades(backend, &keys, &silent_url).await;
    let client = testkit::http_client();
    let teacher = keys.token(demo::TEACHER.id, demo::TEACHER.name, demo::TEACHER.roles);
    let student = keys.token(demo::STUDENT.id, demo::STUDENT.name, demo::STUDENT.roles);

    let started = Instant::now();
    let upload = tokio::spawn(
        client
            .put(grades.at(&format!(
                "/grades/courses/{}/students/{}",
                demo::CS101.id,
                demo::STUDENT.id
            )))
            .bearer_auth(&teacher)
            .json(&json!({"grade": 4.0}))
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mine = client
        .get(grades.at("/grades/me"))
        .bearer_auth(&student)
        .send()
        .await
        .unwrap();
    assert_eq!(mine.status(), StatusCode::OK);
    assert!(
        !upload.is_finished(),
        "the student's grades came back while the upload still waits on course-service"
    );

    let (status, body) = status_and_body(upload.await.unwrap().unwrap()).await;
    let elapsed = started.elapsed();
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("courses_unavailable"))
    );
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    holder.abort();
}

/// Sets a grade and uploads another in CS101, each expected to succeed.
async fn grade_and_upload(app: &TestGrades, put: f64, upload: f64) {
    let teacher = app.token_of(demo::TEACHER);
    let started = Instant::now();
    let (status, record) = status_and_body(
        app.set_grade(&teacher, demo::CS101.id, demo::STUDENT2.id, json!(put))
            .await,
    )
    .await;
    assert_eq!(
        (status, record["grade"].as_f64()),
        (StatusCode::OK, Some(put)),
        "{record}"
    );
    // A refused connection is noticed at once: no timeout is waited out.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    let rows = json!([{"student_id": demo::STUDENT.id, "grade": upload}]);
    let (status, report) = status_and_body(
        app.upload(&teacher, demo::CS101.id, "application/json", rows.to_string())
            .await,
    )
    .await;
    assert_eq!(
        (status, report["written"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{report}"
    );
}

async fn grading_fails_over_past_an_address_where_nothing_listens(backend: Backend) {
    let nothing = ClosedPort::reserve();
    let keys = TestKeys::generate();
    let courses = spawn_courses(backend, &keys).await;
    let urls = format!("{},{}", nothing.url, courses.0.url);
    let app = TestGrades::with_courses_urls(backend, keys, courses, &urls).await;

    grade_and_upload(&app, 3.0, 2.5).await;
    let teacher = app.token_of(demo::TEACHER);
    let path = format!("/grades/courses/{}", demo::CS101.id);
    let response = app.call(&app.grades, Method::GET, &path, &teacher, None).await;
    assert_eq!(
        response.headers()["x-roster-complete"],
        "true",
        "the roster came from the live address"
    );
    let (_, list) = status_and_body(response).await;
    assert_eq!(
        list,
        json!([
            {"student_id": demo::STUDENT2.id, "student_name": demo::STUDENT2.name, "grade": 3.0},
            {"student_id": demo::STUDENT.id, "student_name": demo::STUDENT.name, "grade": 2.5},
        ])
    );
}

async fn grading_fails_over_past_a_stopped_course_service_replica(backend: Backend) {
    let keys = TestKeys::generate();
    let (courses, courses_db) = spawn_courses(backend, &keys).await;
    // A second course-service on the same database, listed first.
    let mut first = start_courses(&courses_db, &keys).await;
    let urls = format!("{},{}", first.url, courses.url);
    let app = TestGrades::with_courses_urls(backend, keys, (courses, courses_db), &urls).await;

    grade_and_upload(&app, 2.0, 4.0).await;
    first.stop().await;
    grade_and_upload(&app, 3.0, 2.5).await;

    assert_eq!(
        app.history_steps(demo::CS101.id, demo::STUDENT2.id).await,
        [(None, 2.0), (Some(2.0), 3.0)]
    );
    assert_eq!(
        app.history_steps(demo::CS101.id, demo::STUDENT.id).await,
        [(None, 3.5), (Some(3.5), 4.0), (Some(4.0), 2.5)],
        "the demo grade, then the two uploads"
    );
}

async fn grading_with_every_course_service_address_dead_is_503_courses_unavailable(backend: Backend) {
    let nothing = ClosedPort::reserve();
    let keys = TestKeys::generate();
    let courses = spawn_courses(backend, &keys).await;
    let urls = format!("{},{}", nothing.url, courses.0.url);
    let mut app = TestGrades::with_courses_urls(backend, keys, courses, &urls).await;
    app.courses.stop().await;
    let stored_before = app.stored_counts();

    let teacher = app.token_of(demo::TEACHER);
    let started = Instant::now();
    let response = app
        .set_grade(&teacher, demo::CS101.id, demo::STUDENT2.id, json!(3.0))
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    let (status, body) = status_and_body(response).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("courses_unavailable"))
    );
    let csv = format!("student_id,grade\n{},2.0\n", demo::STUDENT.id);
    let (status, body) = status_and_body(app.upload(&teacher, demo::CS101.id, "text/csv", csv).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("courses_unavailable"))
    );
    assert_eq!(app.stored_counts(), stored_before, "nothing was written");
}
