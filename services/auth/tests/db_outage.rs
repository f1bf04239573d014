//! auth-service while its PostgreSQL database goes away and comes back:
//! 503, never 500; no sign-in counted against anyone; normal again without
//! a restart.

mod support;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use support::{status_and_body, TestAuth};
use testkit::Backend;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_in_survives_a_database_outage_without_counting_it() {
    if !testkit::postgres_available() {
        return;
    }
    let app = TestAuth::spawn(Backend::Postgres, &[]).await;
    let token = app.token("student@example.edu").await;

    app.db.set_reachable(false);
    for _ in 0..8 {
        let started = Instant::now();
        let (status, body) = status_and_body(app.login("student@example.edu", "demo-password-1").await).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, Some("database_unavailable")),
            "{body}"
        );
        assert!(started.elapsed() < Duration::from_secs(10), "answered, not hung");
    }
    // Tokens are checked without the database.
    let (status, _) = status_and_body(app.get("/auth/me", Some(&token)).await).await;
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);

    app.db.set_reachable(true);
    // Eight 503s counted nothing: the right password signs in at once, and
    // no answer on the way back is a 500.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = status_and_body(app.login("student@example.edu", "demo-password-1").await).await;
        match status {
            StatusCode::OK => break,
            StatusCode::SERVICE_UNAVAILABLE => assert!(Instant::now() < deadline, "still 503: {body}"),
            other => panic!("{other} after the database returned: {body}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK);
}
