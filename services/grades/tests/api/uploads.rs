//! Bulk uploads: all or nothing, with a report per row.

use crate::support::TestGrades;
use reqwest::{Method, StatusCode};
use serde_json::json;
use service_common::demo;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

on_both_backends!(
    csv_with_one_bad_row_writes_nothing,
    csv_of_500_rows_writes_500,
    json_upload_and_content_types
);

async fn csv_with_one_bad_row_writes_nothing(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let teacher = app.token_of(demo::TEACHER);
    let csv = format!(
        "student_id,grade\n{},4.0\n{},3.7\n",
        demo::STUDENT.id,
        demo::STUDENT2.id
    );
    let (status, report) = status_and_body(app.upload(&teacher, demo::CS101.id, "text/csv", csv).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(report["error"], "invalid_rows");
    assert_eq!(
        (report["written"].as_u64(), report["rejected"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(report["rows"][0]["status"], "ok");
    assert_eq!(report["rows"][1]["status"], "invalid_grade");
    let stored = app.grades_db.select_text(&format!(
        "SELECT CAST(grade_tenths AS TEXT) AS value FROM grades WHERE course_id = '{}'",
        demo::CS101.id
    ));
    assert_eq!(stored, ["35"], "the good row was not written either");
}

async fn csv_of_500_rows_writes_500(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let admin = app.token_of(demo::ADMIN);
    let teacher = app.token_of(demo::TEACHER);
    let body = json!({"code": "BIG500", "title": "Lecture Hall", "capacity": 500,
                      "teacher_id": demo::TEACHER.id, "teacher_name": demo::TEACHER.name});
    let (status, course) = status_and_body(
        app.call(&app.courses, Method::POST, "/courses", &admin, Some(body))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let course: Uuid = course["id"].as_str().unwrap().parse().unwrap();

    let students: Vec<(Uuid, String)> = (0..500).map(|n| app.new_student(&format!("Student {n:03}"))).collect();
    for chunk in students.chunks(50) {
        testkit::join_all(chunk.iter().map(|(_, token)| app.enroll(course, token))).await;
    }
    let scale = ["4.0", "3.5", "3.0", "2.5", "2.0", "1.5", "1.0", "0.0"];
    let mut csv = String::from("student_id,grade\r\n");
    for (n, (id, _)) in students.iter().enumerate() {
        csv.push_str(&format!("{id},{}\r\n", scale[n % scale.len()]));
    }
    let (status, report) = status_and_body(app.upload(&teacher, course, "text/csv; charset=utf-8", csv).await).await;
    assert_eq!(status, StatusCode::OK, "{}", report["message"]);
    assert_eq!(
        (report["written"].as_u64(), report["rejected"].as_u64()),
        (Some(500), Some(0))
    );
    let stored = app.grades_db.select_text(&format!(
        "SELECT CAST(COUNT(*) AS TEXT) AS value FROM grades WHERE course_id = '{course}'"
    ));
    assert_eq!(stored, ["500"]);
    let history = app.grades_db.select_text(&format!(
        "SELECT CAST(COUNT(*) AS TEXT) AS value FROM grade_changes WHERE course_id = '{course}'"
    ));
    assert_eq!(history, ["500"]);
}

async fn json_upload_and_content_types(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let teacher = app.token_of(demo::TEACHER);
    let rows = json!([{"student_id": demo::STUDENT.id, "grade": 2.5}, {"student_id": demo::STUDENT2.id, "grade": 3}]);
    let (status, report) = status_and_body(
        app.upload(&teacher, demo::CS101.id, "application/json", rows.to_string())
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["written"], 2);

    let (status, body) = status_and_body(app.upload(&teacher, demo::CS101.id, "text/plain", "x".into()).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("unsupported_media_type"))
    );
    for (content_type, body) in [
        ("text/csv", "id,score\n1,2\n"),
        ("application/json", "{\"a\":1}"),
        ("text/csv", "student_id,grade\n"),
    ] {
        let (status, answer) =
            status_and_body(app.upload(&teacher, demo::CS101.id, content_type, body.into()).await).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_upload")),
            "{body}"
        );
    }
    let other = app.token_of(demo::TEACHER2);
    let (status, _) = status_and_body(
        app.upload(&other, demo::CS101.id, "application/json", rows.to_string())
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
