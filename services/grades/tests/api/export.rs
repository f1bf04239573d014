//! `GET /grades/courses/{course_id}/export`: a class's grades as CSV, safe
//! to open in a spreadsheet, for the course's teacher and admins only.

use crate::support::TestGrades;
use reqwest::{Method, StatusCode};
use serde_json::json;
use service_common::demo;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend};

on_both_backends!(
    teacher_exports_the_grade_sheet_with_formulas_neutralised,
    export_is_only_for_the_teacher_or_an_admin,
    export_while_course_service_is_down_fails_closed,
);

fn export_path(course: uuid::Uuid) -> String {
    format!("/grades/courses/{course}/export")
}

async fn teacher_exports_the_grade_sheet_with_formulas_neutralised(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let teacher = app.token_of(demo::TEACHER);
    let (formula_id, formula) = app.new_student("=HYPERLINK(\"http://evil.example\",\"click\")");
    let (plain_id, plain) = app.new_student("Lin, Chen");
    // A formula after a `;`: a spreadsheet that splits on `;` on import
    // would start a cell there.
    let (split_id, split) = app.new_student("Ann;=1+2+cmd|' /C calc'!A0;");
    app.enroll(demo::CS201.id, &split).await;
    app.enroll(demo::CS201.id, &formula).await;
    app.enroll(demo::CS201.id, &plain).await;
    let (status, _) = status_and_body(app.set_grade(&teacher, demo::CS201.id, plain_id, json!(3.5)).await).await;
    assert_eq!(status, StatusCode::OK);

    let response = app
        .call(&app.grades, Method::GET, &export_path(demo::CS201.id), &teacher, None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| response.headers().get(name).unwrap().to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        header("content-disposition"),
        format!("attachment; filename=\"grades-{}.csv\"", demo::CS201.id)
    );
    assert_eq!(header("x-roster-complete"), "true");
    let text = response.text().await.unwrap();
    let mut lines = text.lines();
    // Every cell quoted, so no list separator (`,` or `;`) splits a name.
    assert_eq!(lines.next(), Some("\"student_id\",\"student_name\",\"grade\""));
    let rows: Vec<&str> = lines.collect();
    assert!(
        rows.contains(&format!("\"{plain_id}\",\"Lin, Chen\",\"3.5\"").as_str()),
        "{text}"
    );
    assert!(
        rows.contains(
            &format!("\"{formula_id}\",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",\"\"").as_str()
        ),
        "the formula was not neutralised: {text}"
    );
    assert!(
        rows.contains(&format!("\"{split_id}\",\"Ann;'=1+2+cmd|' /C calc'!A0;\",\"\"").as_str()),
        "the formula after a separator was not neutralised: {text}"
    );
    // Every student of the JSON grade sheet is a row, none more.
    let (_, sheet) = status_and_body(
        app.call(
            &app.grades,
            Method::GET,
            &format!("/grades/courses/{}", demo::CS201.id),
            &teacher,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(rows.len(), sheet.as_array().unwrap().len());
}

async fn export_is_only_for_the_teacher_or_an_admin(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let path = export_path(demo::CS101.id);
    let admin = app.token_of(demo::ADMIN);
    let response = app.call(&app.grades, Method::GET, &path, &admin, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    for (who, status, code) in [
        (app.token_of(demo::TEACHER2), StatusCode::FORBIDDEN, "forbidden"),
        (app.token_of(demo::STUDENT), StatusCode::FORBIDDEN, "forbidden"),
    ] {
        let (got, body) = status_and_body(app.call(&app.grades, Method::GET, &path, &who, None).await).await;
        assert_eq!((got, body["error"].as_str()), (status, Some(code)), "{body}");
    }
    let (status, body) = status_and_body(app.client.get(app.grades.at(&path)).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let teacher = app.token_of(demo::TEACHER);
    for (path, status, code) in [
        (
            export_path(uuid::Uuid::new_v4()),
            StatusCode::NOT_FOUND,
            "course_not_found",
        ),
        (
            "/grades/courses/not-a-uuid/export".to_owned(),
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
    ] {
        let (got, body) = status_and_body(app.call(&app.grades, Method::GET, &path, &teacher, None).await).await;
        assert_eq!((got, body["error"].as_str()), (status, Some(code)), "{path}: {body}");
    }
}

async fn export_while_course_service_is_down_fails_closed(backend: Backend) {
    let mut app = TestGrades::spawn(backend).await;
    app.courses.kill().await;
    let teacher = app.token_of(demo::TEACHER);
    // CS101 has a demo grade stored here: that alone is exported, marked incomplete.
    let response = app
        .call(&app.grades, Method::GET, &export_path(demo::CS101.id), &teacher, None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-roster-complete"], "false");
    let text = response.text().await.unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    // Nothing stored for CS201: 503, never an empty sheet that looks complete.
    let (status, body) = status_and_body(
        app.call(&app.grades, Method::GET, &export_path(demo::CS201.id), &teacher, None)
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("courses_unavailable"))
    );
}
