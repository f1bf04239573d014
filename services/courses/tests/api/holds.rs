//! Holds: an admin places one with a reason and lifts it; while it is on,
//! the student cannot enroll, join a waitlist or be promoted from one, and
//! can still drop; lifting it hands them the seat their list passed them
//! over for. Bad input and the wrong callers are refused with the JSON
//! error. On SQLite and on PostgreSQL.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use service_common::demo;
use shared_types::Role;
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

use crate::support::TestCourses;
use crate::terms::{admin, call, create_course, demo_term, student, Student};
use crate::waitlist::{counts, drop, join, position, roster};

on_both_backends!(
    a_hold_blocks_enrolling_and_joining_with_its_reason_but_never_dropping,
    a_waitlist_passes_a_held_student_over_and_the_lift_hands_them_the_seat,
    holds_are_placed_and_lifted_by_admins_only_and_bad_input_is_refused,
    a_hold_placed_while_enrollments_race_lets_none_through_after_it_answered,
);

async fn place(app: &TestCourses, who: Uuid, reason: &str) -> Value {
    let path = format!("/students/{who}/holds");
    let (status, hold) = call(app, Method::POST, &path, &admin(app), Some(json!({ "reason": reason }))).await;
    assert_eq!(status, StatusCode::CREATED, "{hold}");
    hold
}

async fn lift(app: &TestCourses, who: Uuid, hold: &Value) -> (StatusCode, Value) {
    let path = format!("/students/{who}/holds/{}", hold["id"].as_str().unwrap());
    call(app, Method::DELETE, &path, &admin(app), None).await
}

async fn my_holds(app: &TestCourses, who: &Student) -> Vec<Value> {
    let (status, holds) = call(app, Method::GET, "/holds/me", &who.token, None).await;
    assert_eq!(status, StatusCode::OK, "{holds}");
    holds.as_array().unwrap().clone()
}

pub(crate) async fn enroll(app: &TestCourses, course: Uuid, who: &Student) -> (StatusCode, Value) {
    call(
        app,
        Method::POST,
        &format!("/courses/{course}/enrollment"),
        &who.token,
        None,
    )
    .await
}

async fn a_hold_blocks_enrolling_and_joining_with_its_reason_but_never_dropping(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    let held = create_course(&app, "HOLD-1", &term, 3, 5).await;
    let other = create_course(&app, "HOLD-2", &term, 3, 1).await;
    let filler = student(&app, "Fay Filler");
    assert_eq!(enroll(&app, other, &filler).await.0, StatusCode::CREATED);
    let sam = student(&app, "Sam Held");
    assert_eq!(enroll(&app, held, &sam).await.0, StatusCode::CREATED);
    assert!(my_holds(&app, &sam).await.is_empty());

    let hold = place(&app, sam.id, "Unpaid fees: see the bursar's office").await;
    assert_eq!(hold["student_id"], json!(sam.id));
    assert_eq!(hold["lifted_at"], Value::Null);
    let shown = my_holds(&app, &sam).await;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["reason"], "Unpaid fees: see the bursar's office");

    // Enrolling: refused with the reason, whatever the course.
    let free = create_course(&app, "HOLD-3", &term, 3, 5).await;
    let (status, answer) = enroll(&app, free, &sam).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("registration_hold"))
    );
    assert!(answer["message"].as_str().unwrap().contains("Unpaid fees"), "{answer}");
    // Joining a full course's list: refused, not put on it.
    let (status, answer) = join(&app, other, &sam).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("registration_hold"))
    );
    assert_eq!(position(&app, other, &sam).await, None);
    assert_eq!(counts(&app, other).await, (1, 0));
    assert_eq!(counts(&app, free).await, (0, 0));
    // Dropping still works; the credits go back.
    assert_eq!(drop(&app, held, &sam).await, StatusCode::NO_CONTENT);
    assert!(roster(&app, held).await.is_empty());
    // Another student is not held.
    let ann = student(&app, "Ann Free");
    assert_eq!(enroll(&app, free, &ann).await.0, StatusCode::CREATED);

    // Lifted: enrolling works again, and the hold stays on record.
    let (status, lifted) = lift(&app, sam.id, &hold).await;
    assert_eq!(status, StatusCode::OK, "{lifted}");
    assert_eq!(lifted["lifted_by"], json!(demo::ADMIN.id));
    assert!(lifted["lifted_at"].is_string());
    assert!(my_holds(&app, &sam).await.is_empty());
    assert_eq!(enroll(&app, free, &sam).await.0, StatusCode::CREATED);
    let path = format!("/students/{}/holds", sam.id);
    let (status, all) = call(&app, Method::GET, &path, &admin(&app), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert!(all[0]["lifted_at"].is_string());
    // Lifted twice: there is no active hold of that id.
    let (status, answer) = lift(&app, sam.id, &hold).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("hold_not_found"))
    );
}

async fn a_waitlist_passes_a_held_student_over_and_the_lift_hands_them_the_seat(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    let course = create_course(&app, "HOLD-W", &term, 3, 1).await;
    let [holder, first, second] = ["Holder", "First", "Second"].map(|name| student(&app, name));
    assert_eq!(join(&app, course, &holder).await.0, StatusCode::CREATED);
    assert_eq!(join(&app, course, &first).await.1["position"], 1);
    assert_eq!(join(&app, course, &second).await.1["position"], 2);

    // First is held: the freed seat goes past them to Second, and First
    // keeps their place at the front.
    let hold = place(&app, first.id, "Advising required").await;
    assert_eq!(drop(&app, course, &holder).await, StatusCode::NO_CONTENT);
    assert_eq!(roster(&app, course).await, vec![second.id]);
    assert_eq!(position(&app, course, &first).await, Some(1));

    // A seat added while First is still held stays free: First is the only
    // one waiting, and is passed over.
    let admin = admin(&app);
    let (status, raised) = call(
        &app,
        Method::PATCH,
        &format!("/courses/{course}"),
        &admin,
        Some(json!({"capacity": 2})),
    )
    .await;
    assert_eq!(
        (status, raised["enrolled"].as_i64(), raised["waitlisted"].as_i64()),
        (StatusCode::OK, Some(1), Some(1))
    );
    // The lift settles First's lists in its own request: the free seat is
    // theirs when it answers.
    let (status, _) = lift(&app, first.id, &hold).await;
    assert_eq!(status, StatusCode::OK);
    let mut on_roster = roster(&app, course).await;
    on_roster.sort();
    let mut expected = vec![first.id, second.id];
    expected.sort();
    assert_eq!(on_roster, expected);
    assert_eq!(counts(&app, course).await, (2, 0));
}

async fn holds_are_placed_and_lifted_by_admins_only_and_bad_input_is_refused(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let sam = student(&app, "Sam");
    let path = format!("/students/{}/holds", sam.id);
    let teacher = app.token(demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    for token in [&sam.token, &teacher] {
        let (status, answer) = call(&app, Method::POST, &path, token, Some(json!({"reason": "x"}))).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden"))
        );
        assert_eq!(
            call(&app, Method::GET, &path, token, None).await.0,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        call(&app, Method::GET, "/holds/me", &teacher, None).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call(Method::GET, "/holds/me", "", None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let admin = admin(&app);
    for bad in [
        json!({"reason": ""}),
        json!({"reason": "   "}),
        json!({"reason": "a".repeat(501)}),
        json!({"reason": "two\nlines"}),
        json!({"reason": "bell\u{7}"}),
    ] {
        let (status, answer) = call(&app, Method::POST, &path, &admin, Some(bad.clone())).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_field")),
            "{bad}"
        );
    }
    let (status, answer) = call(
        &app,
        Method::POST,
        &path,
        &admin,
        Some(json!({"why": "no reason field"})),
    )
    .await;
    assert!(
        status.is_client_error() && answer["error"].is_string(),
        "{status} {answer}"
    );
    let (status, answer) = call(
        &app,
        Method::POST,
        "/students/not-a-uuid/holds",
        &admin,
        Some(json!({"reason": "x"})),
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_path"))
    );
    let unknown = format!("/students/{}/holds/{}", sam.id, Uuid::new_v4());
    let (status, answer) = call(&app, Method::DELETE, &unknown, &admin, None).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("hold_not_found"))
    );
    // Nothing of the refusals was kept; two holds are lifted one by one.
    assert!(my_holds(&app, &sam).await.is_empty());
    let one = place(&app, sam.id, "Library fines").await;
    place(&app, sam.id, "Advising required").await;
    // Another student's id with this hold: not theirs to lift.
    let other = student(&app, "Other");
    assert_eq!(lift(&app, other.id, &one).await.0, StatusCode::NOT_FOUND);
    assert_eq!(lift(&app, sam.id, &one).await.0, StatusCode::OK);
    let left = my_holds(&app, &sam).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["reason"], "Advising required");
}

/// Twenty enrollments of one student race the hold's placement: any
/// enrollment whose request began after the hold answered is refused.
async fn a_hold_placed_while_enrollments_race_lets_none_through_after_it_answered(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    let mut courses = Vec::new();
    for n in 0..20 {
        courses.push(create_course(&app, &format!("HOLD-R{n}"), &term, 0, 5).await);
    }
    let sam = student(&app, "Sam Racer");
    let placed_at = std::sync::Mutex::new(None::<std::time::Instant>);
    let enrollments = testkit::join_all(courses.iter().map(|course| async {
        let sent = std::time::Instant::now();
        let (status, answer) = enroll(&app, *course, &sam).await;
        (sent, status, answer)
    }));
    let hold = async {
        let hold = place(&app, sam.id, "Placed mid-race").await;
        *placed_at.lock().unwrap() = Some(std::time::Instant::now());
        hold
    };
    let (answers, _) = tokio::join!(enrollments, hold);
    let placed_at = placed_at.lock().unwrap().unwrap();
    let mut enrolled = 0;
    for (sent, status, answer) in &answers {
        match *status {
            StatusCode::CREATED => {
                enrolled += 1;
                assert!(
                    *sent < placed_at,
                    "an enrollment sent after the hold answered got through"
                );
            }
            StatusCode::CONFLICT => assert_eq!(answer["error"], "registration_hold", "{answer}"),
            other => panic!("{other}: {answer}"),
        }
    }
    // Every seat the answers gave is on a roster, and no other.
    let mut on_rosters = 0;
    for course in &courses {
        on_rosters += roster(&app, *course).await.iter().filter(|id| **id == sam.id).count();
    }
    assert_eq!(on_rosters, enrolled);
    for course in &courses[..3] {
        assert_eq!(
            enroll(&app, *course, &sam).await.1["error"]
                .as_str()
                .map(|e| e == "registration_hold" || e == "already_enrolled"),
            Some(true)
        );
    }
}
