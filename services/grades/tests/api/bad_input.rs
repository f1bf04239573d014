//! Bad grade uploads: each gets a client error with the JSON error body,
//! never a 500, and nothing of it is written.

use crate::support::TestGrades;
use reqwest::StatusCode;
use serde_json::{json, Value};
use service_common::demo;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

on_both_backends!(
    an_upload_of_more_than_5000_rows_is_refused_whole,
    an_upload_over_256_kib_is_413_payload_too_large,
    after_a_413_the_next_request_of_the_same_client_is_answered,
    broken_csv_quoting_is_a_client_error,
    invalid_utf8_is_400_invalid_upload,
    json_rows_of_the_wrong_types_are_refused,
);

/// The services' default body limit (`--max-body-bytes`).
const BODY_LIMIT: usize = 256 * 1024;

/// What a refused upload answered: status, error code, and the status of
/// each row where the answer reports rows.
#[derive(Debug, PartialEq)]
struct Refusal {
    status: StatusCode,
    error: String,
    rows: Vec<String>,
}

fn refusal(status: StatusCode, error: &str, rows: &[&str]) -> Refusal {
    Refusal {
        status,
        error: error.to_owned(),
        rows: rows.iter().map(|r| (*r).to_owned()).collect(),
    }
}

impl TestGrades {
    /// Uploads `body` to CS101 as its teacher, expecting a refusal that
    /// leaves the grades as they were.
    async fn refused_upload(&self, content_type: &str, body: impl Into<reqwest::Body>) -> Refusal {
        let before = (self.teacher_view(demo::CS101.id).await, self.stored_counts());
        let teacher = self.token_of(demo::TEACHER);
        let response = self
            .client
            .post(self.grades.at(&format!("/grades/courses/{}", demo::CS101.id)))
            .bearer_auth(teacher)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("upload sent");
        let (status, answer) = status_and_body(response).await;
        assert!(status.is_client_error(), "{status}: {answer}");
        let after = (self.teacher_view(demo::CS101.id).await, self.stored_counts());
        assert_eq!(after, before, "a refused upload wrote nothing");
        let rows = answer["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| r["status"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        Refusal {
            status,
            error: answer["error"].as_str().unwrap_or_default().to_owned(),
            rows,
        }
    }
}

/// A CSV of `count` rows of made-up students.
fn csv_of(count: usize) -> String {
    let mut csv = String::from("student_id,grade\n");
    for _ in 0..count {
        csv.push_str(&format!("{},3.0\n", Uuid::new_v4()));
    }
    csv
}

async fn an_upload_of_more_than_5000_rows_is_refused_whole(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let over = app.refused_upload("text/csv", csv_of(5001)).await;
    assert_eq!(over, refusal(StatusCode::BAD_REQUEST, "invalid_upload", &[]));
    // As JSON, with rows as short as can be, to stay under the body limit.
    let rows: Vec<Value> = (0..5001).map(|_| json!({"student_id": "", "grade": 4})).collect();
    let over = app
        .refused_upload("application/json", Value::from(rows).to_string())
        .await;
    assert_eq!(over, refusal(StatusCode::BAD_REQUEST, "invalid_upload", &[]));

    // 5,000 rows is within the limit: they are read and checked one by one
    // (and refused here because none of these students is enrolled).
    let at_limit = app.refused_upload("text/csv", csv_of(5000)).await;
    assert_eq!(
        (at_limit.status, at_limit.error.as_str(), at_limit.rows.len()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_rows", 5000)
    );
    assert!(at_limit.rows.iter().all(|r| r == "student_not_enrolled"));
}

/// `body` padded with `padding` (blank CSV lines or JSON whitespace, which
/// the parsers skip) to exactly `size` bytes.
fn padded(mut body: String, padding: char, size: usize) -> String {
    assert!(size >= body.len());
    body.extend(std::iter::repeat_n(padding, size - body.len()));
    body
}

async fn an_upload_over_256_kib_is_413_payload_too_large(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let csv = format!(
        "student_id,grade\n{},2.0\n{},2.5\n",
        demo::STUDENT.id,
        demo::STUDENT2.id
    );
    let json = json!([{"student_id": demo::STUDENT.id, "grade": 2.0},
                      {"student_id": demo::STUDENT2.id, "grade": 2.5}])
    .to_string();
    let too_large = refusal(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", &[]);
    for size in [BODY_LIMIT + 1, 4 * BODY_LIMIT] {
        assert_eq!(
            app.refused_upload("text/csv", padded(csv.clone(), '\n', size)).await,
            too_large
        );
        assert_eq!(
            app.refused_upload("application/json", padded(json.clone(), ' ', size))
                .await,
            too_large
        );
    }

    // The same upload at exactly the limit is taken.
    let teacher = app.token_of(demo::TEACHER);
    let (status, report) = status_and_body(
        app.upload(&teacher, demo::CS101.id, "text/csv", padded(csv, '\n', BODY_LIMIT))
            .await,
    )
    .await;
    assert_eq!(
        (status, report["written"].as_u64()),
        (StatusCode::OK, Some(2)),
        "{report}"
    );
}

async fn after_a_413_the_next_request_of_the_same_client_is_answered(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let teacher = app.token_of(demo::TEACHER);
    // The refused body is left unread and the connection closed; the answer
    // must say so, or the client sends its next request down that
    // connection and sees it fail: without `Connection: close`, a megabyte
    // upload did so within twenty rounds.
    for round in 0..100 {
        let too_large = padded(String::from("student_id,grade\n"), '\n', 4 * BODY_LIMIT);
        let response = app.upload(&teacher, demo::CS101.id, "text/csv", too_large).await;
        assert_eq!(
            response.headers().get("connection").map(|v| v.as_bytes()),
            Some(&b"close"[..]),
            "round {round}"
        );
        let (status, _) = status_and_body(response).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        let next = app.client.get(app.grades.at("/healthz")).send().await;
        assert_eq!(
            next.as_ref().map(|r| r.status()).map_err(|e| e.to_string()),
            Ok(StatusCode::OK),
            "round {round}"
        );
    }
}

async fn broken_csv_quoting_is_a_client_error(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let (student, student2) = (demo::STUDENT.id, demo::STUDENT2.id);
    let cases = [
        (
            "a quote never closed swallows the rest of the file into one cell",
            format!("student_id,grade\n\"{student},2.0\n{student2},2.5\n"),
            refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_rows",
                &["invalid_student_id"],
            ),
        ),
        (
            "text after a closing quote",
            format!("student_id,grade\n{student},\"2.0\"x\n{student2},2.5\n"),
            refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_rows",
                &["invalid_grade", "ok"],
            ),
        ),
        (
            "a quote inside an unquoted cell",
            format!("student_id,grade\n{student},2\"0\n"),
            refusal(StatusCode::UNPROCESSABLE_ENTITY, "invalid_rows", &["invalid_grade"]),
        ),
        (
            "a header quote never closed",
            format!("\"student_id,grade\n{student},2.0\n"),
            refusal(StatusCode::BAD_REQUEST, "invalid_upload", &[]),
        ),
    ];
    for (case, csv, expected) in cases {
        assert_eq!(app.refused_upload("text/csv", csv).await, expected, "{case}");
    }
}

async fn invalid_utf8_is_400_invalid_upload(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let id = demo::STUDENT.id.to_string();
    let bytes = |parts: &[&[u8]]| parts.concat();
    let utf16: Vec<u8> = format!("student_id,grade\r\n{id},2.0\r\n")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let cases: Vec<(&str, &str, Vec<u8>, Refusal)> = vec![
        (
            "a CSV cell",
            "text/csv",
            bytes(&[b"student_id,grade\n", id.as_bytes(), b",2.\xff\n"]),
            refusal(StatusCode::BAD_REQUEST, "invalid_upload", &[]),
        ),
        (
            "a CSV header (Latin-1)",
            "text/csv",
            bytes(&[b"student_id,grad\xe9\n", id.as_bytes(), b",2.0\n"]),
            refusal(StatusCode::BAD_REQUEST, "invalid_upload", &[]),
        ),
        (
            "a CSV in UTF-16",
            "text/csv",
            utf16,
            refusal(StatusCode::BAD_REQUEST, "invalid_upload", &[]),
        ),
        (
            "a JSON string",
            "application/json",
            bytes(&[b"[{\"student_id\": \"", id.as_bytes(), b"\xc3\x28\", \"grade\": 2.0}]"]),
            refusal(StatusCode::BAD_REQUEST, "invalid_upload", &[]),
        ),
    ];
    for (case, content_type, body, expected) in cases {
        assert_eq!(app.refused_upload(content_type, body).await, expected, "{case}");
    }
}

async fn json_rows_of_the_wrong_types_are_refused(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let (student, student2) = (demo::STUDENT.id, demo::STUDENT2.id);
    let cases = [
        (
            "a grade as a string, beside a good row",
            json!([{"student_id": student, "grade": 2.0}, {"student_id": student2, "grade": "3.5"}]),
            refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_rows",
                &["ok", "invalid_grade"],
            ),
        ),
        (
            "a grade as null, a list, an object",
            json!([{"student_id": student, "grade": null}, {"student_id": student2, "grade": [3.0]},
                   {"student_id": student, "grade": {"value": 3.0}}]),
            refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_rows",
                &["invalid_grade", "invalid_grade", "invalid_grade"],
            ),
        ),
        (
            "a student id that is not a UUID",
            json!([{"student_id": "student-1", "grade": 2.0}, {"student_id": student2, "grade": 2.5}]),
            refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_rows",
                &["invalid_student_id", "ok"],
            ),
        ),
        (
            "a student id as a number",
            json!([{"student_id": 42, "grade": 2.0}]),
            refusal(StatusCode::BAD_REQUEST, "invalid_upload", &[]),
        ),
        (
            "a row without a grade",
            json!([{"student_id": student}]),
            refusal(StatusCode::BAD_REQUEST, "invalid_upload", &[]),
        ),
        (
            "one object instead of a list",
            json!({"student_id": student, "grade": 2.0}),
            refusal(StatusCode::BAD_REQUEST, "invalid_upload", &[]),
        ),
    ];
    for (case, rows, expected) in cases {
        assert_eq!(
            app.refused_upload("application/json", rows.to_string()).await,
            expected,
            "{case}"
        );
    }
}
