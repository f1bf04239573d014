//! HTTPS between machines (every service shares it; shown on
//! course-service): a listener with the deployment's certificate is
//! trusted by a client holding that authority and by no other, and a
//! service's own calls (here, auth's list of ended sessions) go only to a
//! server signed by the authority it was given.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Parser;
use reqwest::StatusCode;
use service_common::demo;
use testkit::{Backend, RunningService, TestDb};

use crate::support::TestCourses;

/// A certificate authority and a certificate for 127.0.0.1, made by the
/// deployment's own script.
struct Authority {
    dir: tempfile::TempDir,
}

impl Authority {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/tls/make-certs.sh");
        let status = std::process::Command::new("bash")
            .arg(script)
            .arg(dir.path())
            .arg("localhost=127.0.0.1")
            .status()
            .expect("bash and openssl");
        assert!(status.success(), "deploy/tls/make-certs.sh failed");
        Self { dir }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn listener_flags(&self) -> [String; 2] {
        [
            format!("--tls-cert={}", self.file("localhost.crt").display()),
            format!("--tls-key={}", self.file("localhost.key").display()),
        ]
    }

    fn client(&self) -> reqwest::Client {
        service_common::tls::client(Some(&self.file("ca.crt")), Duration::from_secs(5)).unwrap()
    }
}

fn https(service: &RunningService, path: &str) -> String {
    format!("https://127.0.0.1:{}{path}", service.addr.port())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_https_listener_is_trusted_with_its_authority_and_refused_without() {
    let (ours, theirs) = (Authority::new(), Authority::new());
    let flags = ours.listener_flags();
    let app = TestCourses::spawn_with(Backend::Sqlite, &[&flags[0], &flags[1]]).await;
    let url = https(&app.service, "/healthz");

    let trusted = ours
        .client()
        .get(&url)
        .send()
        .await
        .expect("the authority's client connects");
    assert_eq!(trusted.status(), StatusCode::OK);

    let wrong = theirs.client().get(&url).send().await;
    assert!(
        wrong.is_err(),
        "a client trusting another authority was served: {wrong:?}"
    );
    let system = service_common::tls::client(None, Duration::from_secs(5)).unwrap();
    let unknown = system.get(&url).send().await;
    assert!(
        unknown.is_err(),
        "a client with the system's roots alone was served: {unknown:?}"
    );
    let plain = system.get(app.service.at("/healthz")).send().await;
    assert!(
        plain.map_or(true, |answer| !answer.status().is_success()),
        "plain HTTP got through the HTTPS listener"
    );
    // Refused handshakes cost the service nothing: it goes on serving.
    let again = ours.client().get(&url).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
}

/// auth-service over HTTPS with `authority`'s certificate.
async fn https_auth(authority: &Authority, keys: &testkit::TestKeys, db: &TestDb) -> RunningService {
    let flags = authority.listener_flags();
    let cli = auth_service::cli::Cli::parse_from([
        "auth-service".to_owned(),
        "--bind=127.0.0.1:0".into(),
        format!("--database-url={}", db.url),
        format!("--jwt-private-key={}", keys.private_key.display()),
        format!("--jwt-public-key={}", keys.public_dir.display()),
        "--seed-demo".into(),
        flags[0].clone(),
        flags[1].clone(),
    ]);
    RunningService::spawn(auth_service::build(cli.serve).await.expect("auth-service starts"))
}

async fn me_status(app: &TestCourses, token: &str) -> StatusCode {
    app.client
        .get(app.service.at("/enrollments/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ended_sessions_come_over_https_only_from_an_auth_the_given_authority_signed() {
    let (ours, theirs) = (Authority::new(), Authority::new());
    let auth_db = TestDb::create(Backend::Sqlite);
    let keys = testkit::TestKeys::generate();
    let auth = https_auth(&ours, &keys, &auth_db).await;
    let auth_url = format!("--auth-url={}", https(&auth, ""));
    let poll = "--revocation-poll-ms=100";
    let trusting = format!("--tls-ca={}", ours.file("ca.crt").display());
    let wrong = format!("--tls-ca={}", theirs.file("ca.crt").display());
    let follows = TestCourses::spawn_with_keys(Backend::Sqlite, keys, &[&auth_url, poll, &trusting]).await;
    // Another key pair published beside auth's: this service, too, reads
    // auth's public key from that directory.
    let misled = TestCourses::spawn_with_keys(Backend::Sqlite, follows.keys.rotate(), &[&auth_url, poll, &wrong]).await;

    let http = ours.client();
    let response = testkit::api::login(&http, &https(&auth, ""), demo::STUDENT.email, demo::DEMO_PASSWORD)
        .send()
        .await
        .unwrap();
    let token = testkit::api::token_of(response).await.unwrap();
    assert_eq!(me_status(&follows, &token).await, StatusCode::OK);
    let ended = http
        .post(https(&auth, "/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);

    let started = Instant::now();
    while me_status(&follows, &token).await != StatusCode::UNAUTHORIZED {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the ended session never reached course-service over HTTPS"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The service given another authority never took a list from this
    // auth: the session it cannot know ended still works there.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(me_status(&misled, &token).await, StatusCode::OK);
}
