//! auth-service and its PostgreSQL database as a node: an outage answered
//! 503 (never 500) and counted against nobody, normal again without a
//! restart; several hosts in one URL; replicas migrating one database.

use std::time::{Duration, Instant};

use crate::support::TestAuth;
use reqwest::StatusCode;
use testkit::status_and_body;
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

/// The PostgreSQL server of the tests, as `host:port`, and its user part.
fn pg_server() -> (String, String) {
    let base = testkit::postgres_base();
    let rest = base
        .trim_start_matches("postgresql://")
        .trim_start_matches("postgres://");
    match rest.rsplit_once('@') {
        Some((user, host)) => (host.trim_end_matches('/').to_owned(), format!("{user}@")),
        None => (rest.trim_end_matches('/').to_owned(), String::new()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_multi_host_url_finds_the_live_writable_host() {
    if !testkit::postgres_available() {
        return;
    }
    let db = testkit::TestDb::create(Backend::Postgres);
    let name = db.url.rsplit('/').next().expect("a database name").to_owned();
    let (host, user) = pg_server();
    // Port 1 of loopback refuses at once: a dead first host, as libpq sees
    // one whose server is down.
    let url = format!("postgresql://{user}127.0.0.1:1,{host}/{name}?target_session_attrs=read-write");
    let app = TestAuth::spawn_on_url(db, &url, &[]).await;
    let (status, body) = status_and_body(app.login("student@example.edu", "demo-password-1").await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_replicas_started_together_migrate_an_empty_database_once() {
    if !testkit::postgres_available() {
        return;
    }
    let db = testkit::TestDb::create(Backend::Postgres);
    let keys = testkit::TestKeys::generate();
    let replicas = (0..4).map(|_| {
        let cli = <auth_service::cli::Cli as clap::Parser>::parse_from(TestAuth::args(&keys, &db.url, true));
        auth_service::build(cli.serve)
    });
    let started = testkit::join_all(replicas).await;
    let http = testkit::http_client();
    for (n, replica) in started.into_iter().enumerate() {
        let service = testkit::RunningService::spawn(replica.unwrap_or_else(|e| panic!("replica {n}: {e:#}")));
        let response = http
            .post(service.at("/auth/login"))
            .json(&serde_json::json!({"email": "student@example.edu", "password": "demo-password-1"}))
            .send()
            .await
            .expect("a login request");
        assert_eq!(response.status(), StatusCode::OK, "replica {n} serves the seeded users");
    }
    let migrations = db.select_text("SELECT CAST(count(*) AS TEXT) AS value FROM __diesel_schema_migrations");
    let written = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("the migrations directory")
        .count();
    assert_eq!(migrations, vec![written.to_string()], "each migration ran once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_start_never_prints_the_database_password() {
    let args = [
        "auth-service",
        "--bind=127.0.0.1:0",
        "--database-url=postgres://app:s3cret-pw@127.0.0.1:1/enroll?connect_timeout=1",
    ];
    let cli = <auth_service::cli::Cli as clap::Parser>::parse_from(args);
    let error = match auth_service::build(cli.serve).await {
        Ok(_) => panic!("no server answers on port 1"),
        Err(e) => format!("{e:#}"),
    };
    assert!(!error.contains("s3cret-pw"), "{error}");
    assert!(error.contains("app:***@127.0.0.1:1"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_restart_the_dead_idle_connections_cost_one_request_not_one_each() {
    if !testkit::postgres_available() {
        return;
    }
    let app = TestAuth::spawn(Backend::Postgres, &[]).await;
    let admin = app.token("admin@example.edu").await;
    // Several connections open and idle in the pool.
    let reads = (0..8).map(|_| app.get("/auth/users", Some(&admin)));
    for response in testkit::join_all(reads).await {
        assert_eq!(response.status(), StatusCode::OK);
    }
    // A restart as the pool sees it: every session ended, the server back
    // at once, no request in between.
    app.db.set_reachable(false);
    app.db.set_reachable(true);
    let mut answers = Vec::new();
    for _ in 0..10 {
        answers.push(app.get("/auth/users", Some(&admin)).await.status());
    }
    let unavailable = answers
        .iter()
        .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert!(
        unavailable <= 1
            && answers
                .iter()
                .all(|s| *s == StatusCode::OK || *s == StatusCode::SERVICE_UNAVAILABLE),
        "the first failure must get the other dead connections checked: {answers:?}"
    );
}
