//! A session ended at auth is refused by the other services, which check
//! tokens locally: within 10 s, and still while auth is down.

use std::time::{Duration, Instant};

use crate::support::TestAuth;
use clap::Parser;
use reqwest::StatusCode;
use service_common::demo;
use testkit::{Backend, RunningService, TestDb};

testkit::on_both_backends!(a_session_ended_at_auth_is_refused_by_course_service_within_10_s_and_while_auth_is_down);

async fn course_service(backend: Backend, auth: &TestAuth) -> (RunningService, TestDb) {
    let db = TestDb::create(backend);
    let cli = course_service::cli::Cli::parse_from([
        "course-service".to_owned(),
        "--bind=127.0.0.1:0".into(),
        format!("--database-url={}", db.url),
        format!("--jwt-public-key={}", auth.keys.public_dir.display()),
        format!("--auth-url={}", auth.service.url),
        "--seed-demo".into(),
    ]);
    let server = course_service::build(cli.serve).await.expect("course-service starts");
    (RunningService::spawn(server), db)
}

async fn catalogue(auth: &TestAuth, courses: &RunningService, token: &str) -> StatusCode {
    auth.client
        .get(courses.at("/courses"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

async fn a_session_ended_at_auth_is_refused_by_course_service_within_10_s_and_while_auth_is_down(backend: Backend) {
    let mut auth = TestAuth::spawn(backend, &[]).await;
    let (courses, _db) = course_service(backend, &auth).await;
    let ended = auth.token(demo::STUDENT.email).await;
    let kept = auth.token(demo::STUDENT.email).await;
    assert_eq!(catalogue(&auth, &courses, &ended).await, StatusCode::OK);

    let response = auth
        .client
        .post(auth.service.at("/auth/logout"))
        .bearer_auth(&ended)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let started = Instant::now();
    let mut status = catalogue(&auth, &courses, &ended).await;
    while status == StatusCode::OK {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "course-service still accepts a session ended 10 s ago"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        status = catalogue(&auth, &courses, &ended).await;
    }
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "refused as an ended session, not failed"
    );
    println!(
        "refused by course-service {} ms after sign-out",
        started.elapsed().as_millis()
    );

    // Auth goes down: course-service keeps the list it has, across several
    // failed pulls, and the sessions that were not ended keep working.
    auth.service.kill().await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(catalogue(&auth, &courses, &ended).await, StatusCode::UNAUTHORIZED);
    assert_eq!(catalogue(&auth, &courses, &kept).await, StatusCode::OK);
}
