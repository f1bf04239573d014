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
/// most `limit`; returns how long that took, or `None` if it stayed open,
/// and what the server sent meanwhile.
async fn closed_by_server(stream: &mut TcpStream, limit: Duration) -> (Option<Duration>, String) {
    let started = Instant::now();
    let mut buffer = [0u8; 4096];
    let mut sent = Vec::new();
    let closed = tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => sent.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .ok()
    .map(|()| started.elapsed());
    (closed, String::from_utf8_lossy(&sent).into_owned())
}

/// The status and JSON body of the one raw answer in `sent`.
fn raw_answer(sent: &str) -> (u16, serde_json::Value) {
    let (head, body) = sent
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer: {sent:?}"));
    let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or_default();
    assert!(
        head.to_ascii_lowercase().contains("content-type: application/json"),
        "{head}"
    );
    let body = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body:?}"));
    (status, body)
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

    let mut told = Vec::new();
    for (name, stream) in [("silent", &mut silent), ("trickle", &mut trickle), ("idle", &mut idle)] {
        let (took, sent) = closed_by_server(stream, limit).await;
        assert!(took.is_some(), "the {name} connection was still open after {limit:?}");
        told.push(sent);
    }
    // The client that began a request is told why it was cut off; the
    // others, which had asked nothing (or had been answered), are closed
    // without a word, as a client may be sending its next request then.
    assert_eq!(told[0], "", "silent");
    let (status, body) = raw_answer(&told[1]);
    assert_eq!((status, body["error"].as_str()), (408, Some("request_timeout")));
    assert!(!told[2].contains("408"), "idle: {}", told[2]);
}

#[tokio::test]
async fn answers_made_below_the_handlers_carry_the_json_error_body() {
    let app = TestCourses::spawn_with(Backend::Sqlite, &[]).await;
    let many_headers: String = (0..120).map(|i| format!("X-Header-{i}: {i}\r\n")).collect();
    let cases = [
        (
            format!("GET /healthz HTTP/1.1\r\nHost: test\r\n{many_headers}\r\n"),
            431,
            "headers_too_large",
        ),
        ("NOT AN HTTP REQUEST\r\n\r\n".to_owned(), 400, "malformed_request"),
        (
            format!("GET /{} HTTP/1.1\r\nHost: test\r\n\r\n", "a".repeat(70_000)),
            414,
            "uri_too_long",
        ),
    ];
    for (request, expected, code) in cases {
        let mut stream = TcpStream::connect(app.service.addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let (closed, sent) = closed_by_server(&mut stream, Duration::from_secs(5)).await;
        assert!(closed.is_some(), "{code}: the connection stayed open");
        let (status, body) = raw_answer(&sent);
        assert_eq!((status, body["error"].as_str()), (expected, Some(code)), "{sent}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // The service goes on serving.
    let response = testkit::http_client()
        .get(app.service.at("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
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
        assert!(closed_by_server(stream, Duration::from_secs(6)).await.0.is_some());
    }
    let served = testkit::http_client()
        .get(app.service.at("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), StatusCode::OK);
}
