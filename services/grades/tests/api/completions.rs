//! The completions feed: read by course-service's token or an admin, in
//! pages; and course-service following it, checking prerequisites on the
//! grades it has read, while grade-service is up and after it is gone.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use service_common::demo;
use testkit::{on_both_backends, status_and_body, Backend, RunningService, TestDb, TestKeys};
use uuid::Uuid;

use crate::support::{spawn_courses, start_courses_with, start_grades_with, TestGrades};

on_both_backends!(
    the_feed_is_read_with_its_token_or_by_an_admin_page_by_page,
    course_service_checks_prerequisites_on_the_grades_it_follows_even_with_grade_service_down,
);

const FEED_TOKEN: &str = "feed-secret-for-tests";

/// course-service (`courses`, serving grade-service's checks) and
/// grade-service holding the feed's token.
async fn spawn_with_feed(backend: Backend) -> TestGrades {
    let keys = TestKeys::generate();
    let (courses, courses_db) = spawn_courses(backend, &keys).await;
    let grades_db = TestDb::create(backend);
    let grades = start_grades_with(
        &grades_db,
        &keys,
        &courses.url,
        &[format!("--completions-token={FEED_TOKEN}")],
    )
    .await;
    TestGrades::of((grades, grades_db), (courses, courses_db), keys)
}

async fn feed(app: &TestGrades, query: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut request = app.client.get(app.grades.at(&format!("/grades/completions{query}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    status_and_body(request.send().await.unwrap()).await
}

async fn the_feed_is_read_with_its_token_or_by_an_admin_page_by_page(backend: Backend) {
    let app = spawn_with_feed(backend).await;
    let teacher = app.token_of(demo::TEACHER);
    // Three grades more than the demo's, one upload: one time for all.
    let mut students = Vec::new();
    for name in ["Ada", "Ben", "Cy"] {
        let (id, token) = app.new_student(name);
        app.enroll(demo::CS201.id, &token).await;
        students.push(id);
    }
    let rows: Vec<Value> = students
        .iter()
        .map(|id| json!({"student_id": id, "grade": 3.0}))
        .collect();
    let response = app
        .call(
            &app.grades,
            Method::POST,
            &format!("/grades/courses/{}", demo::CS201.id),
            &teacher,
            Some(json!(rows)),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // Who may read it.
    assert_eq!(feed(&app, "", None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(feed(&app, "", Some("not-the-token")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        feed(&app, "", Some(&app.token_of(demo::STUDENT))).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, whole) = feed(&app, "", Some(&app.token_of(demo::ADMIN))).await;
    assert_eq!(status, StatusCode::OK, "{whole}");
    let (status, same) = feed(&app, "", Some(FEED_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(whole, same);
    let all = whole["completions"].as_array().unwrap().clone();
    assert_eq!(whole["more"], false);
    for id in &students {
        assert!(all
            .iter()
            .any(|c| c["student_id"] == json!(id) && c["course_code"] == "CS201" && c["grade"] == 3.0));
    }

    // Page by page, one grade a page, each exactly once and in order.
    let mut paged: Vec<Value> = Vec::new();
    let mut query = "?limit=1".to_owned();
    loop {
        let (status, page) = feed(&app, &query, Some(FEED_TOKEN)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let rows = page["completions"].as_array().unwrap();
        assert!(rows.len() <= 1);
        let Some(last) = rows.last() else { break };
        paged.push(last.clone());
        if page["more"] == false {
            break;
        }
        assert!(paged.len() <= all.len(), "the pages go round");
        let since = last["updated_at"].as_str().unwrap().replace('+', "%2B");
        query = format!(
            "?limit=1&since={since}&after_course={}&after_student={}",
            last["course_id"].as_str().unwrap(),
            last["student_id"].as_str().unwrap()
        );
    }
    assert_eq!(paged, all);

    // Bad positions are 400s, never a 500.
    for bad in [
        "?limit=0",
        "?limit=5001",
        "?since=yesterday",
        &format!("?after_course={}", Uuid::new_v4()),
    ] {
        let (status, body) = feed(&app, bad, Some(FEED_TOKEN)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_query")),
            "{bad}"
        );
    }
}

/// `who` enrolling in `course` through `courses`.
async fn enroll(app: &TestGrades, courses: &RunningService, course: Uuid, token: &str) -> (StatusCode, Value) {
    let path = format!("/courses/{course}/enrollment");
    status_and_body(app.call(courses, Method::POST, &path, token, None).await).await
}

/// Waits (at most 10 s) until course-service holds a completion of `code`
/// for `student`.
async fn until_held(app: &TestGrades, courses: &RunningService, student: Uuid, code: &str) {
    let admin = app.token_of(demo::ADMIN);
    let started = Instant::now();
    loop {
        let path = format!("/students/{student}/completions");
        let (status, held) = status_and_body(app.call(courses, Method::GET, &path, &admin, None).await).await;
        assert_eq!(status, StatusCode::OK, "{held}");
        if held["completions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == code)
        {
            assert!(held["grades_synced_at"].is_string(), "{held}");
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the feed never brought {code}: {held}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn course_service_checks_prerequisites_on_the_grades_it_follows_even_with_grade_service_down(backend: Backend) {
    let mut app = spawn_with_feed(backend).await;
    // A second course-service on the same database, following the feed.
    let mut following = start_courses_with(
        &app.courses_db,
        &app.keys,
        &[
            format!("--grades-url={}", app.grades.url),
            format!("--completions-token={FEED_TOKEN}"),
            "--completions-every-ms=100".into(),
        ],
    )
    .await;
    let admin = app.token_of(demo::ADMIN);
    let path = format!("/courses/{}/requisites", demo::CS201.id);
    let body = json!([{"code": "CS101", "kind": "prerequisite", "min_grade": 3.0}]);
    let (status, set) = status_and_body(app.call(&following, Method::PUT, &path, &admin, Some(body)).await).await;
    assert_eq!(status, StatusCode::OK, "{set}");

    // The demo's grade (CS101, 3.5) arrives by the feed.
    until_held(&app, &following, demo::STUDENT.id, "CS101").await;

    // A grade posted now: a student enrolled in CS101, graded 3.0, who then
    // drops it (the grade stays).
    let (ines, ines_token) = app.new_student("Ines Okafor");
    let (status, answer) = enroll(&app, &following, demo::CS201.id, &ines_token).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("prerequisite_missing"))
    );
    app.enroll(demo::CS101.id, &ines_token).await;
    let teacher = app.token_of(demo::TEACHER);
    assert_eq!(
        app.set_grade(&teacher, demo::CS101.id, ines, json!(3.0)).await.status(),
        StatusCode::OK
    );
    let drop = app
        .call(
            &app.courses,
            Method::DELETE,
            &format!("/courses/{}/enrollment", demo::CS101.id),
            &ines_token,
            None,
        )
        .await;
    assert_eq!(drop.status(), StatusCode::NO_CONTENT);
    until_held(&app, &following, ines, "CS101").await;

    // grade-service gone: the completions held go on serving, both ways.
    app.grades.kill().await;
    let (status, answer) = enroll(&app, &following, demo::CS201.id, &ines_token).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (_, newcomer) = app.new_student("Noor Newcomer");
    let (status, answer) = enroll(&app, &following, demo::CS201.id, &newcomer).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("prerequisite_missing")),
        "{answer}"
    );
    assert!(answer["message"].as_str().unwrap().contains("CS101"), "{answer}");
    following.kill().await;
}
