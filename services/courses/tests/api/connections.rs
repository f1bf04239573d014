//! Connection hygiene (every service shares it; shown here on
//! course-service): clients that hold connections without finishing a
//! request are disconnected, and past the connection cap a client is told
//! 503, not left hanging.

use std::time::{Duration, Instant};

use crate::support::TestCourses;
use reqwest::StatusCode;
use testkit::status_and_body;
use testkit::Backend;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Waits until the server closes `stream` (end of file or reset), for at
/// most `limit`; returns how long that took, or `None` if it stayed open.
async fn closed_by_server(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
    .map(|()| started.elapsed())
}

#[tokio::test]
async fn clients_that_do_not_finish_a_request_are_disconnected() {
    let app = TestCourses::spawn_with(Backend::Sqlite, &["--header-read-timeout-seconds=1"]).await;
    let limit = Duration::from_secs(5);

    // Sends nothing at all.
    let mut silent = TcpStream::connect(app.service.addr).await.unwrap();
    // Starts its headers and never ends them.
    let mut trickle = TcpStream::connect(app.service.addr).await.unwrap();
    trickle
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
        .await
        .unwrap();
    // One whole request, then idle on the kept-alive connection.
    let mut idle = TcpStream::connect(app.service.addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 12];
    idle.read_exact(&mut answer).await.unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200", "the whole request is answered");

    for (name, stream) in [("silent", &mut silent), ("trickle", &mut trickle), ("idle", &mut idle)] {
        let took = closed_by_server(stream, limit).await;
        assert!(took.is_some(), "the {name} connection was still open after {limit:?}");
    }
}

#[tokio::test]
async fn past_the_connection_cap_a_client_is_refused_503_then_served_once_there_is_room() {
    let app = TestCourses::spawn_with(
        Backend::Sqlite,
        &["--max-connections=8", "--header-read-timeout-seconds=2"],
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(TcpStream::connect(app.service.addr).await.unwrap());
    }
    // Let the server accept all eight before the next one comes.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let refused = testkit::http_client()
        .get(app.service.at("/healthz"))
        .send()
        .await
        .expect("the refusal is an answer, not a dropped connection");
    assert_eq!(
        refused.headers().get("retry-after").map(|v| v.to_str().unwrap()),
        Some("1")
    );
    let (status, body) = status_and_body(refused).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"], "too_many_connections");

    // The held connections send nothing: the server closes them at the
    // header-read timeout, and the service has room again.
    for stream in &mut held {
        assert!(closed_by_server(stream, Duration::from_secs(6)).await.is_some());
    }
    let served = testkit::http_client()
        .get(app.service.at("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), StatusCode::OK);
}
