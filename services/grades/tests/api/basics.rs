//! grade-service against SQLite and PostgreSQL, talking to a real
//! course-service: every status of its routes.

use crate::support::TestGrades;
use reqwest::{Method, StatusCode};
use serde_json::json;
use service_common::demo;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

on_both_backends!(
    student_reads_own_grades_with_titles,
    teacher_grades_and_the_student_sees_it,
    teacher_view_lists_every_enrolled_student,
    grading_is_only_for_the_course_teacher,
    bad_grades_are_refused_with_invalid_grade,
    history_records_each_change_in_order,
);

async fn student_reads_own_grades_with_titles(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let student = app.token_of(demo::STUDENT);
    let (status, grades) =
        status_and_body(app.call(&app.grades, Method::GET, "/grades/me", &student, None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        grades,
        json!([{"course_id": demo::CS101.id, "course_code": "CS101", "course_title": demo::CS101.title,
                "grade": 3.5, "updated_at": grades[0]["updated_at"]}])
    );
    let teacher = app.token_of(demo::TEACHER);
    let (status, _) = status_and_body(app.call(&app.grades, Method::GET, "/grades/me", &teacher, None).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = status_and_body(app.client.get(app.grades.at("/grades/me")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn teacher_grades_and_the_student_sees_it(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let teacher = app.token_of(demo::TEACHER);
    let (student_id, student) = app.new_student("Ines Okafor");
    app.enroll(demo::CS201.id, &student).await;

    let (status, record) = status_and_body(app.set_grade(&teacher, demo::CS201.id, student_id, json!(4.0)).await).await;
    assert_eq!(status, StatusCode::OK, "{record}");
    assert_eq!(
        (
            record["grade"].as_f64(),
            record["student_name"].as_str(),
            record["course_code"].as_str()
        ),
        (Some(4.0), Some("Ines Okafor"), Some("CS201"))
    );
    assert_eq!(record["updated_by"], json!(demo::TEACHER.id));

    let (status, mine) = status_and_body(app.call(&app.grades, Method::GET, "/grades/me", &student, None).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (mine[0]["course_title"].as_str(), mine[0]["grade"].as_f64()),
        (Some(demo::CS201.title), Some(4.0))
    );

    let (status, teaching) = status_and_body(
        app.call(&app.grades, Method::GET, "/grades/teaching", &teacher, None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<&str> = teaching
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["course_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["CS101", "CS201"]);
}

async fn teacher_view_lists_every_enrolled_student(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let teacher = app.token_of(demo::TEACHER);
    let path = format!("/grades/courses/{}", demo::CS101.id);
    let response = app.call(&app.grades, Method::GET, &path, &teacher, None).await;
    assert_eq!(response.headers()["x-roster-complete"], "true");
    let (status, list) = status_and_body(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list,
        json!([
            {"student_id": demo::STUDENT2.id, "student_name": demo::STUDENT2.name, "grade": null},
            {"student_id": demo::STUDENT.id, "student_name": demo::STUDENT.name, "grade": 3.5},
        ])
    );
    let admin = app.token_of(demo::ADMIN);
    let (status, _) = status_and_body(app.call(&app.grades, Method::GET, &path, &admin, None).await).await;
    assert_eq!(status, StatusCode::OK);
    for outsider in [app.token_of(demo::TEACHER2), app.token_of(demo::STUDENT)] {
        let (status, _) = status_and_body(app.call(&app.grades, Method::GET, &path, &outsider, None).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let unknown = format!("/grades/courses/{}", Uuid::new_v4());
    let (status, body) = status_and_body(app.call(&app.grades, Method::GET, &unknown, &teacher, None).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("course_not_found"))
    );
}

async fn grading_is_only_for_the_course_teacher(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let course = demo::CS101.id;
    let other_teacher = app.token_of(demo::TEACHER2);
    let (status, _) = status_and_body(
        app.set_grade(&other_teacher, course, demo::STUDENT.id, json!(2.0))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another teacher's course");

    let admin = app.token_of(demo::ADMIN);
    let (status, _) = status_and_body(app.set_grade(&admin, course, demo::STUDENT.id, json!(2.0)).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "admins do not grade");

    let teacher = app.token_of(demo::TEACHER);
    let (status, body) = status_and_body(app.set_grade(&teacher, course, Uuid::new_v4(), json!(2.0)).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("student_not_enrolled"))
    );
    let (status, body) = status_and_body(
        app.set_grade(&teacher, Uuid::new_v4(), demo::STUDENT.id, json!(2.0))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("course_not_found"))
    );

    // The course's own teacher, also a student, never grades themselves.
    let (status, body) = status_and_body(app.set_grade(&teacher, course, demo::TEACHER.id, json!(4.0)).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("own_grade")),
        "{body}"
    );

    let student = app.token_of(demo::STUDENT);
    let history = format!("/grades/courses/{course}/history");
    let list = format!("/grades/courses/{course}");
    for (method, path) in [
        (Method::GET, "/grades/teaching"),
        (Method::GET, &list),
        (Method::GET, &history),
    ] {
        let (status, _) = status_and_body(app.call(&app.grades, method, path, &student, None).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (status, _) = status_and_body(app.set_grade(&student, course, demo::STUDENT.id, json!(4.0)).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a student grading themselves");
    let (status, _) = status_and_body(
        app.upload(&student, course, "text/csv", "student_id,grade\n".into())
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let stored = app
        .grades_db
        .select_text("SELECT CAST(grade_tenths AS TEXT) AS value FROM grades ORDER BY course_code");
    assert_eq!(stored, ["35", "40"], "no refused write reached the database");
}

async fn bad_grades_are_refused_with_invalid_grade(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let teacher = app.token_of(demo::TEACHER);
    for bad in [
        json!(3.7),
        json!(0.5),
        json!(4.5),
        json!(-1),
        json!("3.5"),
        json!(null),
        json!("A"),
        json!([4]),
    ] {
        let (status, body) = status_and_body(
            app.set_grade(&teacher, demo::CS101.id, demo::STUDENT.id, bad.clone())
                .await,
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_grade")),
            "{bad}"
        );
    }
    let path = format!("/grades/courses/{}/students/not-a-uuid", demo::CS101.id);
    let (status, _) = status_and_body(
        app.call(&app.grades, Method::PUT, &path, &teacher, Some(json!({"grade": 3.0})))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = status_and_body(
        app.client
            .put(app.grades.at(&format!(
                "/grades/courses/{}/students/{}",
                demo::CS101.id,
                demo::STUDENT.id
            )))
            .bearer_auth(&teacher)
            .header("content-type", "application/json")
            .body("{\"grade\":")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn history_records_each_change_in_order(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let teacher = app.token_of(demo::TEACHER);
    let (student_id, student) = app.new_student("Ravi Patel");
    app.enroll(demo::PHYS101.id, &student).await;
    for grade in [2.0, 3.0, 3.0, 3.5] {
        let (status, _) = status_and_body(
            app.set_grade(&teacher, demo::PHYS101.id, student_id, json!(grade))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let path = format!("/grades/courses/{}/history?student_id={student_id}", demo::PHYS101.id);
    let (status, history) = status_and_body(app.call(&app.grades, Method::GET, &path, &teacher, None).await).await;
    assert_eq!(status, StatusCode::OK);
    let steps: Vec<(Option<f64>, f64)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["old_grade"].as_f64(), c["new_grade"].as_f64().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [(None, 2.0), (Some(2.0), 3.0), (Some(3.0), 3.5)],
        "setting the same grade is not a change"
    );
    assert!(history
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["changed_by"] == json!(demo::TEACHER.id)));

    let admin = app.token_of(demo::ADMIN);
    let (status, all) = status_and_body(
        app.call(
            &app.grades,
            Method::GET,
            &format!("/grades/courses/{}/history", demo::PHYS101.id),
            &admin,
            None,
        )
        .await,
    )
    .await;
    assert_eq!((status, all.as_array().unwrap().len()), (StatusCode::OK, 3));
    let other = app.token_of(demo::TEACHER2);
    let (status, _) = status_and_body(app.call(&app.grades, Method::GET, &path, &other, None).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
