//! The settle step on every path: a free seat never sits beside a waiting
//! student who fits it once a request has answered. One test per failure
//! found by the races outside (each failed before the settle step).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

use crate::support::TestCourses;
use crate::terms::{admin, call, create_course, demo_term, student, Student};
use crate::waitlist::{counts, drop, join, limit_to_nothing, position, roster};

on_both_backends!(
    a_waiting_student_whose_clash_is_dropped_takes_the_free_seat_and_leaves_the_list,
    a_fitting_student_behind_fifty_one_who_do_not_fit_gets_the_freed_seat,
    seats_added_while_a_section_is_archived_go_to_its_list_on_restore,
);

async fn set_week(app: &TestCourses, course: Uuid, week: Value) {
    let path = format!("/courses/{course}/meetings");
    let (status, answer) = call(app, Method::PUT, &path, &admin(app), Some(week)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

async fn patch(app: &TestCourses, course: Uuid, body: Value) {
    let path = format!("/courses/{course}");
    let (status, answer) = call(app, Method::PATCH, &path, &admin(app), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

/// The ids of the courses the student is enrolled in.
async fn enrolled_in(app: &TestCourses, who: &Student) -> Vec<Value> {
    let (status, mine) = call(app, Method::GET, "/enrollments/me", &who.token, None).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    mine.as_array().unwrap().iter().map(|c| c["id"].clone()).collect()
}

async fn a_waiting_student_whose_clash_is_dropped_takes_the_free_seat_and_leaves_the_list(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    let wanted = create_course(&app, "SETTLE-A", &term, 3, 1).await;
    let clashing = create_course(&app, "SETTLE-B", &term, 3, 5).await;
    let monday = json!([{"day": "mon", "starts": "09:00", "ends": "10:15", "room": "A-1"}]);
    set_week(&app, wanted, monday.clone()).await;
    set_week(&app, clashing, monday).await;
    let [holder, sam] = ["Holder", "Sam"].map(|name| student(&app, name));
    assert_eq!(app.enroll(wanted, &holder.token).await.status(), StatusCode::CREATED);
    assert_eq!(app.enroll(clashing, &sam.token).await.status(), StatusCode::CREATED);
    let (status, answer) = join(&app, wanted, &sam).await;
    assert_eq!((status, answer["position"].as_i64()), (StatusCode::CREATED, Some(1)));

    // The seat frees while Sam does not fit: it stays free, Sam waits.
    assert_eq!(drop(&app, wanted, &holder).await, StatusCode::NO_CONTENT);
    assert_eq!(counts(&app, wanted).await, (0, 1));
    assert_eq!(position(&app, wanted, &sam).await, Some(1));

    // Sam drops the clash: the drop settles Sam's own lists, and the seat
    // is Sam's in the same transaction, off the list.
    assert_eq!(drop(&app, clashing, &sam).await, StatusCode::NO_CONTENT);
    assert_eq!(enrolled_in(&app, &sam).await, vec![json!(wanted)]);
    assert_eq!(position(&app, wanted, &sam).await, None);
    assert_eq!(counts(&app, wanted).await, (1, 0));
    let (status, answer) = join(&app, wanted, &sam).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_enrolled"))
    );
    assert_eq!(counts(&app, wanted).await, (1, 0));
}

async fn a_fitting_student_behind_fifty_one_who_do_not_fit_gets_the_freed_seat(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    let course = create_course(&app, "SETTLE-52", &term, 3, 1).await;
    let holder = student(&app, "Holder");
    assert_eq!(app.enroll(course, &holder.token).await.status(), StatusCode::CREATED);
    let misfits: Vec<Student> = (0..51).map(|n| student(&app, &format!("Misfit {n}"))).collect();
    for who in &misfits {
        assert_eq!(join(&app, course, who).await.0, StatusCode::CREATED);
        limit_to_nothing(&app, who, true).await;
    }
    let fitting = student(&app, "Fits");
    let (status, answer) = join(&app, course, &fitting).await;
    assert_eq!((status, answer["position"].as_i64()), (StatusCode::CREATED, Some(52)));

    assert_eq!(drop(&app, course, &holder).await, StatusCode::NO_CONTENT);
    assert_eq!(roster(&app, course).await, vec![fitting.id]);
    assert_eq!(position(&app, course, &fitting).await, None);
    assert_eq!(position(&app, course, &misfits[0]).await, Some(1));
    assert_eq!(counts(&app, course).await, (1, 51));
    let outsider = student(&app, "Outsider");
    let answer = app.enroll(course, &outsider.token).await;
    assert_eq!(answer.status(), StatusCode::CONFLICT);
}

async fn seats_added_while_a_section_is_archived_go_to_its_list_on_restore(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    let course = create_course(&app, "SETTLE-AR", &term, 3, 1).await;
    let [holder, waiting, outsider] = ["Holder", "Waiting", "Outsider"].map(|name| student(&app, name));
    assert_eq!(app.enroll(course, &holder.token).await.status(), StatusCode::CREATED);
    assert_eq!(join(&app, course, &waiting).await.0, StatusCode::CREATED);

    patch(&app, course, json!({"archived": true})).await;
    patch(&app, course, json!({"capacity": 2})).await;
    assert_eq!(counts(&app, course).await, (1, 1));
    patch(&app, course, json!({"archived": false})).await;

    let mut on_roster = roster(&app, course).await;
    on_roster.sort();
    let mut expected = vec![holder.id, waiting.id];
    expected.sort();
    assert_eq!(on_roster, expected);
    assert_eq!(counts(&app, course).await, (2, 0));
    let (status, answer) = call(
        &app,
        Method::POST,
        &format!("/courses/{course}/enrollment"),
        &outsider.token,
        None,
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("course_full"))
    );
}
