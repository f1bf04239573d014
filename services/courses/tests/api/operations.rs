//! What operators get: `/metrics` in Prometheus text, and a request id on
//! every answer.

use reqwest::StatusCode;
use service_common::demo;
use shared_types::Role;
use testkit::metrics::{self, series};
use testkit::Backend;

use crate::support::TestCourses;

async fn metrics_text(app: &TestCourses) -> String {
    let admin = app.token(demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    metrics::scrape(&app.client, &app.service.url, &admin).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_count_requests_enrollments_and_the_pool() {
    let app = TestCourses::spawn(Backend::Sqlite).await;
    let student = app.token(uuid::Uuid::new_v4(), "Metric Student", Role::Student);
    let enrolled = r#"outcome="enrolled""#;
    let route = r#"route="/courses/{id}/enrollment""#;
    let before = metrics_text(&app).await;
    let attempts_before = series(&before, "enrollment_attempts_total", &[enrolled]).unwrap_or(0.0);
    let created_before = series(
        &before,
        "http_requests_total",
        &[route, r#"method="POST""#, r#"status="201""#],
    )
    .unwrap_or(0.0);

    assert_eq!(
        app.enroll(demo::PHYS101.id, &student).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.enroll(demo::PHYS101.id, &student).await.status(),
        StatusCode::CONFLICT
    );

    let after = metrics_text(&app).await;
    assert!(series(&after, "enrollment_attempts_total", &[enrolled]).unwrap() >= attempts_before + 1.0);
    assert!(series(&after, "enrollment_attempts_total", &[r#"outcome="already_enrolled""#]).unwrap() >= 1.0);
    let created = series(
        &after,
        "http_requests_total",
        &[route, r#"method="POST""#, r#"status="201""#],
    )
    .unwrap();
    assert!(created >= created_before + 1.0, "{after}");
    // By route template, never by path: no series per course id.
    assert!(!after.contains(&demo::PHYS101.id.to_string()), "a series names an id");
    assert!(
        series(&after, "http_request_duration_seconds_bucket", &[route, r#"le="+Inf""#]).unwrap() >= 2.0,
        "{after}"
    );
    assert!(
        series(&after, "db_pool_connections", &[r#"state="idle""#]).is_some(),
        "{after}"
    );
    assert!(
        series(&after, "db_checkout_wait_seconds_count", &[]).unwrap() >= 1.0,
        "{after}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_answer_carries_a_request_id_and_keeps_the_callers() {
    let app = TestCourses::spawn(Backend::Sqlite).await;
    let given = app
        .client
        .get(app.service.at("/healthz"))
        .header("x-request-id", "registration-desk-42")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "registration-desk-42");

    let made = app.client.get(app.service.at("/no/such/route")).send().await.unwrap();
    assert_eq!(made.status(), StatusCode::NOT_FOUND);
    let id = made.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "a made-up id is a UUID: {id}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn made_up_methods_do_not_grow_the_metrics() {
    let app = TestCourses::spawn(Backend::Sqlite).await;
    let token = app.token(uuid::Uuid::new_v4(), "Metric Student", Role::Student);
    let before = metrics_text(&app).await.len();
    for n in 0..40 {
        let method = reqwest::Method::from_bytes(format!("X{}{n}", "M".repeat(2_000)).as_bytes()).unwrap();
        let answer = app.call(method, "/courses", &token, None).await;
        assert!(answer.status().is_client_error(), "{}", answer.status());
    }
    let after = metrics_text(&app).await;
    assert!(!after.contains("MMMM"), "a made-up method became a label");
    // The requests add one series (method "other") to each family, not forty.
    assert!(
        after.len() < before + 8_000,
        "{} bytes before, {} after",
        before,
        after.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_admins_and_the_scraper_read_the_metrics() {
    let scraper_token = "scrape-3f9c1a7e-registration";
    let app = TestCourses::spawn_with(Backend::Sqlite, &[&format!("--metrics-token={scraper_token}")]).await;
    let student = app.token(uuid::Uuid::new_v4(), "Metric Student", Role::Student);
    let teacher = app.token(demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    let read = |token: Option<String>| {
        let mut request = app.client.get(app.service.at("/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { testkit::status_and_body(request.send().await.unwrap()).await }
    };
    for (who, token, status) in [
        ("nobody", None, StatusCode::UNAUTHORIZED),
        (
            "a made-up token",
            Some("not-a-token".to_owned()),
            StatusCode::UNAUTHORIZED,
        ),
        ("an empty token", Some(String::new()), StatusCode::UNAUTHORIZED),
        ("a student", Some(student), StatusCode::FORBIDDEN),
        ("a teacher", Some(teacher), StatusCode::FORBIDDEN),
    ] {
        let (got, body) = read(token).await;
        assert_eq!(got, status, "{who}: {body}");
        assert!(body["error"].is_string(), "{who}: the JSON error body: {body}");
    }
    // The scraper's token and an admin's read them.
    let scraped = metrics::scrape(&app.client, &app.service.url, scraper_token).await;
    assert!(scraped.contains("http_requests_total"), "{scraped}");
    assert!(metrics_text(&app).await.contains("http_requests_total"));
}

/// PostgreSQL plans from statistics that its autovacuum gathers only after
/// a minute: the service analyzes a table once it changed past the same
/// threshold, and leaves it alone when it did not.
#[test]
fn a_table_that_changed_is_analyzed_once_and_then_left_alone() {
    use diesel::{Connection, PgConnection};
    use service_common::db::statistics::analyze_stale;
    if !testkit::postgres_available() {
        return;
    }
    let db = testkit::TestDb::create(Backend::Postgres);
    db.execute(
        "CREATE TABLE seats_taken (n INTEGER PRIMARY KEY); INSERT INTO seats_taken SELECT generate_series(1, 500)",
    );
    let analyzed_at = || {
        db.select_text("SELECT coalesce(last_analyze::text, 'never') AS value FROM pg_stat_user_tables WHERE relname = 'seats_taken'")
    };
    let mut conn = PgConnection::establish(&db.url).expect("the test database");
    // The server counts a session's changes when it reports them (at most
    // once a second): asked until they are seen.
    let mut analyzed = Vec::new();
    for _ in 0..50 {
        analyzed = analyze_stale(&mut conn).expect("the look");
        if !analyzed.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(analyzed, vec!["public.seats_taken".to_owned()]);
    assert_ne!(analyzed_at(), vec!["never".to_owned()]);
    assert!(
        analyze_stale(&mut conn).expect("a second look").is_empty(),
        "nothing changed since"
    );
}
