//! The audit trail: one row for every attempt, accepted or refused, with
//! who acted, for whom, the outcome and the reason; promotions, overrides
//! and holds among them; read per student by admins and per section by
//! admins and the section's teacher, as JSON and as spreadsheet-safe CSV,
//! page by page. Concurrent attempts leave exactly one row each. On SQLite
//! and on PostgreSQL.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use service_common::demo;
use shared_types::Role;
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

use crate::holds::enroll;
use crate::support::TestCourses;
use crate::terms::{admin, call, create_course, demo_term, student, Student};
use crate::waitlist::{drop, join};

on_both_backends!(
    every_attempt_of_a_student_is_on_their_trail_with_its_outcome,
    a_sections_trail_is_read_by_its_teacher_and_admins_as_json_and_csv,
    attempts_racing_for_one_seat_leave_one_row_each,
);

async fn trail(app: &TestCourses, path: &str, token: &str) -> Vec<Value> {
    let (status, events) = call(app, Method::GET, path, token, None).await;
    assert_eq!(status, StatusCode::OK, "{events}");
    events.as_array().unwrap().clone()
}

pub(crate) async fn student_trail(app: &TestCourses, who: Uuid) -> Vec<Value> {
    trail(app, &format!("/students/{who}/audit"), &admin(app)).await
}

/// (action, outcome, code) of each event, oldest first.
fn summary(events: &[Value]) -> Vec<(String, String, String)> {
    events
        .iter()
        .rev()
        .map(|e| {
            let field = |name: &str| e[name].as_str().unwrap().to_owned();
            (field("action"), field("outcome"), field("code"))
        })
        .collect()
}

fn row(action: &str, outcome: &str, code: &str) -> (String, String, String) {
    (action.into(), outcome.into(), code.into())
}

async fn every_attempt_of_a_student_is_on_their_trail_with_its_outcome(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    let open = create_course(&app, "AUD-1", &term, 3, 5).await;
    let full = create_course(&app, "AUD-2", &term, 3, 1).await;
    let (sam, kim) = (student(&app, "Sam Audit"), student(&app, "Kim Audit"));

    assert_eq!(enroll(&app, open, &sam).await.0, StatusCode::CREATED);
    assert_eq!(enroll(&app, open, &sam).await.0, StatusCode::CONFLICT);
    assert_eq!(enroll(&app, full, &kim).await.0, StatusCode::CREATED);
    // Full: refused from the database, then from this replica's memory.
    assert_eq!(enroll(&app, full, &sam).await.0, StatusCode::CONFLICT);
    assert_eq!(enroll(&app, full, &sam).await.0, StatusCode::CONFLICT);
    assert_eq!(join(&app, full, &sam).await.0, StatusCode::CREATED);
    // Kim's drop promotes Sam, in the drop's transaction.
    assert_eq!(drop(&app, full, &kim).await, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/courses/{full}/waitlist"),
        &sam.token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A hold placed, an attempt it refuses, the hold lifted, a lift refused.
    let path = format!("/students/{}/holds", sam.id);
    let body = json!({ "reason": "Advising required" });
    let (status, hold) = call(&app, Method::POST, &path, &admin(&app), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED);
    let other = create_course(&app, "AUD-3", &term, 3, 5).await;
    assert_eq!(enroll(&app, other, &sam).await.0, StatusCode::CONFLICT);
    let lift = format!("{path}/{}", hold["id"].as_str().unwrap());
    assert_eq!(
        call(&app, Method::DELETE, &lift, &admin(&app), None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&app, Method::DELETE, &lift, &admin(&app), None).await.0,
        StatusCode::NOT_FOUND
    );
    // An admin's override, and one refused (already enrolled).
    let body = json!({"student_id": sam.id, "student_name": "Sam Audit", "student_email": "sam@example.edu",
                      "reason": "Department approval"});
    let path = format!("/courses/{other}/enrollments");
    assert_eq!(
        call(&app, Method::POST, &path, &admin(&app), Some(body.clone()))
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(
        call(&app, Method::POST, &path, &admin(&app), Some(body)).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(drop(&app, open, &sam).await, StatusCode::NO_CONTENT);

    let events = student_trail(&app, sam.id).await;
    assert_eq!(
        summary(&events),
        vec![
            row("enroll", "accepted", "enrolled"),
            row("enroll", "refused", "already_enrolled"),
            row("enroll", "refused", "course_full"),
            row("enroll", "refused", "course_full"),
            row("join", "accepted", "waiting"),
            row("promote", "accepted", "enrolled"),
            row("leave", "refused", "not_waitlisted"),
            row("hold_placed", "accepted", "placed"),
            row("enroll", "refused", "registration_hold"),
            row("hold_lifted", "accepted", "lifted"),
            row("hold_lifted", "refused", "hold_not_found"),
            row("override", "accepted", "enrolled"),
            row("override", "refused", "already_enrolled"),
            row("drop", "accepted", "dropped"),
        ]
    );
    let by_action = |action: &str| events.iter().rev().find(|e| e["action"] == action).unwrap().clone();
    // Who acted, for whom, on what, and why.
    let enrolled = by_action("enroll");
    assert_eq!(
        (&enrolled["actor_id"], &enrolled["student_id"], &enrolled["course_id"]),
        (&json!(sam.id), &json!(sam.id), &json!(open))
    );
    assert_eq!(
        (enrolled["course_code"].as_str(), enrolled["section"].as_str()),
        (Some("AUD-1"), Some("01"))
    );
    assert_eq!(enrolled["student_name"], "Sam Audit");
    assert_eq!(by_action("promote")["actor_id"], Value::Null);
    assert_eq!(by_action("promote")["student_name"], "Sam Audit");
    assert_eq!(by_action("drop")["student_name"], "Sam Audit");
    assert_eq!(by_action("join")["detail"], "Place 1 on the waitlist.");
    let placed = by_action("hold_placed");
    assert_eq!(
        (&placed["actor_id"], &placed["detail"], &placed["course_id"]),
        (&json!(demo::ADMIN.id), &json!("Advising required"), &Value::Null)
    );
    assert_eq!(by_action("override")["detail"], "Department approval");
    let held = events.iter().find(|e| e["code"] == "registration_hold").unwrap();
    assert!(held["detail"].as_str().unwrap().contains("Advising required"), "{held}");
    // Kim's trail is hers alone: an enrollment and a drop.
    assert_eq!(
        summary(&student_trail(&app, kim.id).await),
        vec![
            row("enroll", "accepted", "enrolled"),
            row("drop", "accepted", "dropped")
        ]
    );

    // Newest first, page by page.
    let page = trail(&app, &format!("/students/{}/audit?limit=5", sam.id), &admin(&app)).await;
    assert_eq!(page, events[..5]);
    let before = page[4]["id"].as_str().unwrap();
    let next = trail(
        &app,
        &format!("/students/{}/audit?limit=5&before={before}", sam.id),
        &admin(&app),
    )
    .await;
    assert_eq!(next, events[5..10]);
}

async fn a_sections_trail_is_read_by_its_teacher_and_admins_as_json_and_csv(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    let course = create_course(&app, "AUD-S", &term, 3, 1).await;
    let (ann, bob) = (student(&app, "Ann"), student(&app, "Bob"));
    assert_eq!(enroll(&app, course, &ann).await.0, StatusCode::CREATED);
    assert_eq!(enroll(&app, course, &bob).await.0, StatusCode::CONFLICT);
    // A reason an admin typed that a spreadsheet would run as a formula.
    let body = json!({"student_id": bob.id, "student_name": "Bob", "student_email": "bob@example.edu",
                      "reason": "=HYPERLINK(\"http://x\")"});
    let path = format!("/courses/{course}/enrollments");
    assert_eq!(
        call(&app, Method::POST, &path, &admin(&app), Some(body)).await.0,
        StatusCode::CREATED
    );

    let path = format!("/courses/{course}/audit");
    let teacher = app.token(demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    let events = trail(&app, &path, &teacher).await;
    assert_eq!(
        summary(&events),
        vec![
            row("enroll", "accepted", "enrolled"),
            row("enroll", "refused", "course_full"),
            row("override", "accepted", "enrolled"),
        ]
    );
    assert_eq!(trail(&app, &path, &admin(&app)).await, events);

    // CSV: a download, a header, a row per event, the formula neutralised.
    let response = app
        .call(Method::GET, &format!("{path}?format=csv"), &admin(&app), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let body = response.text().await.unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 4, "{body}");
    assert!(
        lines[0].starts_with("\"id\",\"at\",\"actor_id\",\"student_id\",\"student_name\""),
        "{body}"
    );
    assert!(lines[3].contains("\"Ann\""), "{body}");
    assert!(lines[1].contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{body}");
    assert!(lines[3].contains("\"AUD-S 01\""), "{body}");

    // The wrong callers, and bad input.
    let other_teacher = app.token(Uuid::new_v4(), "Other Teacher", Role::Teacher);
    for token in [&other_teacher, &ann.token] {
        let (status, body) = call(&app, Method::GET, &path, token, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden"))
        );
    }
    let (status, body) = call(
        &app,
        Method::GET,
        &format!("/students/{}/audit", ann.id),
        &teacher,
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    for query in ["limit=0", "limit=1001"] {
        let (status, body) = call(&app, Method::GET, &format!("{path}?{query}"), &admin(&app), None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_limit")),
            "{query}"
        );
    }
    for query in ["before=nope", "format=xml", "limit=ten"] {
        let (status, body) = call(&app, Method::GET, &format!("{path}?{query}"), &admin(&app), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }
    let (status, body) = call(
        &app,
        Method::GET,
        &format!("/courses/{}/audit", Uuid::new_v4()),
        &admin(&app),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("course_not_found"))
    );
    let (status, _) = call(&app, Method::GET, "/students/nope/audit", &admin(&app), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn attempts_racing_for_one_seat_leave_one_row_each(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    let course = create_course(&app, "AUD-R", &term, 3, 3).await;
    let students: Vec<Student> = (0..40).map(|i| student(&app, &format!("Racer {i}"))).collect();
    let answers = testkit::join_all(students.iter().map(|who| enroll(&app, course, who))).await;
    let taken = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::CREATED)
        .count();
    assert_eq!(taken, 3);
    let events = trail(&app, &format!("/courses/{course}/audit"), &admin(&app)).await;
    assert_eq!(events.len(), students.len(), "one row per attempt");
    for (who, (status, answer)) in students.iter().zip(&answers) {
        let mine: Vec<&Value> = events.iter().filter(|e| e["student_id"] == json!(who.id)).collect();
        assert_eq!(mine.len(), 1, "{mine:?}");
        let expected = if *status == StatusCode::CREATED {
            "enrolled"
        } else {
            answer["error"].as_str().unwrap()
        };
        assert_eq!(mine[0]["code"], expected);
    }
}
