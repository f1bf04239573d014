//! grade-service while course-service is stopped or hung.

mod support;

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;
use service_common::demo;
use support::{spawn_grades, status_and_body, TestGrades};
use testkit::{on_both_backends, Backend, TestKeys};

on_both_backends!(course_service_stopped, course_service_hung);

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
