//! Bad bodies sent to `POST /courses` by an admin: each gets a client error
//! with the JSON error body, never a 500, and no course is created.

use crate::support::TestCourses;
use reqwest::{Response, StatusCode};
use serde_json::json;
use service_common::demo;
use shared_types::Role;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend};

on_both_backends!(
    malformed_json_is_400_malformed_json,
    json_of_the_wrong_shape_is_400_invalid_body,
    a_body_over_256_kib_is_413_payload_too_large,
    a_body_that_is_not_json_is_415_unsupported_media_type,
);

/// The services' default body limit (`--max-body-bytes`).
const BODY_LIMIT: usize = 256 * 1024;

impl TestCourses {
    /// `POST /courses` as the demo admin with this body and content type.
    async fn post_course(&self, content_type: Option<&str>, body: impl Into<reqwest::Body>) -> Response {
        let admin = self.token(demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
        let mut request = self.client.post(self.service.at("/courses")).bearer_auth(admin);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.body(body).send().await.expect("request sent")
    }

    fn course_codes(&self) -> Vec<String> {
        self.db.select_text("SELECT code AS value FROM courses ORDER BY code")
    }
}

/// A valid course, padded with whitespace after the object (still valid
/// JSON) to make the whole body exactly `size` bytes.
fn course_body_of_size(code: &str, size: usize) -> String {
    let mut body = json!({"code": code, "title": "Padded", "description": "A course sent at a chosen size.",
                          "capacity": 10, "teacher_id": demo::TEACHER.id, "teacher_name": demo::TEACHER.name})
    .to_string();
    assert!(size >= body.len());
    body.push_str(&" ".repeat(size - body.len()));
    body
}

/// Asserts each answer is `expected` with the error `code`, and that the
/// catalogue is as it was.
async fn assert_refused(
    app: &TestCourses,
    cases: Vec<(&str, Response)>,
    expected: StatusCode,
    code: &str,
    before: &[String],
) {
    for (case, response) in cases {
        let is_json = response
            .headers()
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        let (status, body) = status_and_body(response).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (expected, Some(code)),
            "{case}: {body}"
        );
        assert!(is_json, "{case}: the error is declared JSON");
    }
    assert_eq!(app.course_codes(), before, "no course was created");
}

async fn malformed_json_is_400_malformed_json(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let before = app.course_codes();
    let json = Some("application/json");
    let cases = vec![
        (
            "cut short",
            app.post_course(json, r#"{"code": "BAD1", "title": "#).await,
        ),
        ("empty", app.post_course(json, "").await),
        ("trailing comma", app.post_course(json, r#"{"code": "BAD2",}"#).await),
        ("single quotes", app.post_course(json, "{'code': 'BAD3'}").await),
        (
            "invalid UTF-8 in a string",
            app.post_course(json, b"{\"code\": \"BAD\xff\xfe4\"}".to_vec()).await,
        ),
    ];
    assert_refused(&app, cases, StatusCode::BAD_REQUEST, "malformed_json", &before).await;
}

async fn json_of_the_wrong_shape_is_400_invalid_body(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let before = app.course_codes();
    let json = Some("application/json");
    let cases = vec![
        ("a list", app.post_course(json, "[]").await),
        ("a string", app.post_course(json, r#""CS999""#).await),
        ("null", app.post_course(json, "null").await),
        (
            "capacity as a string",
            app.post_course(
                json,
                json!({"code": "BAD5", "title": "T", "capacity": "10",
                       "teacher_id": demo::TEACHER.id, "teacher_name": "T"})
                .to_string(),
            )
            .await,
        ),
    ];
    assert_refused(&app, cases, StatusCode::BAD_REQUEST, "invalid_body", &before).await;
}

async fn a_body_over_256_kib_is_413_payload_too_large(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let before = app.course_codes();
    let json = Some("application/json");
    let cases = vec![
        (
            "one byte over",
            app.post_course(json, course_body_of_size("BIG1", BODY_LIMIT + 1)).await,
        ),
        (
            "a megabyte",
            app.post_course(json, course_body_of_size("BIG2", 1024 * 1024)).await,
        ),
    ];
    for (case, response) in &cases {
        // The unread rest of the body ends the connection; the client is
        // told, so that it does not send its next request down it.
        assert_eq!(
            response.headers().get("connection").map(|v| v.as_bytes()),
            Some(&b"close"[..]),
            "{case}"
        );
    }
    assert_refused(&app, cases, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", &before).await;

    // A body of exactly the limit is still taken.
    let (status, created) = status_and_body(app.post_course(json, course_body_of_size("BIG3", BODY_LIMIT)).await).await;
    assert_eq!((status, created["code"].as_str()), (StatusCode::CREATED, Some("BIG3")));
}

async fn a_body_that_is_not_json_is_415_unsupported_media_type(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let before = app.course_codes();
    let course = course_body_of_size("TYPE1", 300);
    let cases = vec![
        ("text/plain", app.post_course(Some("text/plain"), course.clone()).await),
        ("no content type", app.post_course(None, course.clone()).await),
        (
            "a form",
            app.post_course(Some("application/x-www-form-urlencoded"), "code=TYPE1&capacity=10")
                .await,
        ),
        (
            "CSV",
            app.post_course(Some("text/csv"), "code,capacity\nTYPE1,10\n").await,
        ),
    ];
    assert_refused(
        &app,
        cases,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        &before,
    )
    .await;

    // The same body declared as JSON is a course.
    let (status, created) =
        status_and_body(app.post_course(Some("application/json; charset=utf-8"), course).await).await;
    assert_eq!((status, created["code"].as_str()), (StatusCode::CREATED, Some("TYPE1")));
}
