//! Capacity and the one-enrollment rule hold under concurrency, on SQLite
//! and on PostgreSQL.

use crate::support::TestCourses;
use reqwest::{Method, StatusCode};
use serde_json::json;
use service_common::demo;
use shared_types::Role;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

on_both_backends!(
    two_hundred_students_race_for_thirty_seats,
    one_student_clicks_enroll_fifty_times,
    drops_and_enrollments_racing_for_the_last_seat_never_overbook,
    a_seat_freed_through_another_replica_is_not_lost,
    lowering_capacity_while_students_race_never_overbooks,
    a_teacher_change_racing_that_persons_enrollment_never_puts_them_on_their_roster,
);

pub(crate) async fn new_course(app: &TestCourses, code: &str, capacity: i64) -> Uuid {
    let admin = app.token(demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    let body = json!({"code": code, "title": "Popular Seminar", "capacity": capacity,
                      "teacher_id": demo::TEACHER.id, "teacher_name": demo::TEACHER.name});
    let (status, course) = status_and_body(app.call(Method::POST, "/courses", &admin, Some(body)).await).await;
    assert_eq!(status, StatusCode::CREATED);
    course["id"].as_str().unwrap().parse().unwrap()
}

async fn two_hundred_students_race_for_thirty_seats(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let course = new_course(&app, "RUSH1", 30).await;
    let tokens: Vec<String> = (0..200)
        .map(|n| app.token(Uuid::new_v4(), &format!("Student {n}"), Role::Student))
        .collect();
    let answers = testkit::join_all(tokens.iter().map(|t| app.enroll(course, t))).await;
    let mut created = 0;
    let mut full = 0;
    for answer in answers {
        let (status, body) = status_and_body(answer).await;
        match (status, body["error"].as_str()) {
            (StatusCode::CREATED, _) => created += 1,
            (StatusCode::CONFLICT, Some("course_full")) => full += 1,
            other => panic!("unexpected answer {other:?}: {body}"),
        }
    }
    assert_eq!((created, full), (30, 170));

    let teacher = app.token(demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    let (_, roster) = status_and_body(
        app.call(Method::GET, &format!("/courses/{course}/roster"), &teacher, None)
            .await,
    )
    .await;
    assert_eq!(roster.as_array().unwrap().len(), 30);
    let counted = app.db.select_text(&format!(
        "SELECT CAST(COUNT(*) AS TEXT) AS value FROM enrollments WHERE course_id = '{course}'"
    ));
    let enrolled = app.db.select_text(&format!(
        "SELECT CAST(enrolled AS TEXT) AS value FROM courses WHERE id = '{course}'"
    ));
    assert_eq!((counted[0].as_str(), enrolled[0].as_str()), ("30", "30"));
}

async fn one_student_clicks_enroll_fifty_times(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let course = new_course(&app, "RUSH2", 30).await;
    let token = app.token(Uuid::new_v4(), "Eager Student", Role::Student);
    let answers = testkit::join_all((0..50).map(|_| app.enroll(course, &token))).await;
    let mut created = 0;
    let mut duplicate = 0;
    for answer in answers {
        let (status, body) = status_and_body(answer).await;
        match (status, body["error"].as_str()) {
            (StatusCode::CREATED, _) => created += 1,
            (StatusCode::CONFLICT, Some("already_enrolled")) => duplicate += 1,
            other => panic!("unexpected answer {other:?}: {body}"),
        }
    }
    assert_eq!((created, duplicate), (1, 49));
    let enrolled = app.db.select_text(&format!(
        "SELECT CAST(enrolled AS TEXT) AS value FROM courses WHERE id = '{course}'"
    ));
    assert_eq!(enrolled, ["1"]);
}

/// What one student's loop saw: seats taken and given back.
#[derive(Default)]
struct Ledger {
    enrolled: usize,
    dropped: usize,
}

/// Enrolls `rounds` times, dropping again after each success, so that the
/// seat keeps changing hands; `holds_seat` starts with a drop.
async fn churn(app: &TestCourses, course: Uuid, token: &str, rounds: usize, holds_seat: bool) -> Ledger {
    let drop_path = format!("/courses/{course}/enrollment");
    let mut ledger = Ledger::default();
    let mut enrolled = holds_seat;
    for _ in 0..rounds {
        if enrolled {
            let (status, body) = status_and_body(app.call(Method::DELETE, &drop_path, token, None).await).await;
            assert_eq!(status, StatusCode::NO_CONTENT, "dropping a held seat: {body}");
            ledger.dropped += 1;
            enrolled = false;
            continue;
        }
        let (status, body) = status_and_body(app.enroll(course, token).await).await;
        match (status, body["error"].as_str()) {
            (StatusCode::CREATED, _) => {
                ledger.enrolled += 1;
                enrolled = true;
            }
            (StatusCode::CONFLICT, Some("course_full")) => {}
            other => panic!("unexpected answer {other:?}: {body}"),
        }
    }
    ledger
}

async fn drops_and_enrollments_racing_for_the_last_seat_never_overbook(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let course = new_course(&app, "LAST1", 1).await;
    let holder = app.token(Uuid::new_v4(), "Student A", Role::Student);
    let (status, _) = status_and_body(app.enroll(course, &holder).await).await;
    assert_eq!(status, StatusCode::CREATED);

    let others: Vec<String> = (0..8)
        .map(|n| {
            app.token(
                Uuid::new_v4(),
                &format!("Student {}", (b'B' + n) as char),
                Role::Student,
            )
        })
        .collect();
    let watcher = app.token(Uuid::new_v4(), "Watching Student", Role::Student);
    let course_path = format!("/courses/{course}");
    // While the race runs, nobody ever sees more seats taken than exist.
    let watch = async {
        for _ in 0..40 {
            let (status, seen) = status_and_body(app.call(Method::GET, &course_path, &watcher, None).await).await;
            assert_eq!(status, StatusCode::OK);
            let enrolled = seen["enrolled"].as_i64().unwrap();
            assert!((0..=1).contains(&enrolled), "{enrolled} of 1 seat taken");
        }
    };
    let racers = testkit::join_all(
        std::iter::once(churn(&app, course, &holder, 12, true))
            .chain(others.iter().map(|token| churn(&app, course, token, 12, false))),
    );
    let (ledgers, ()) = tokio::join!(racers, watch);

    // Every seat taken and given back is accounted for: the one A held, plus
    // each 201, minus each 204, is what is left.
    let taken: usize = ledgers.iter().map(|l| l.enrolled).sum();
    let given_back: usize = ledgers.iter().map(|l| l.dropped).sum();
    assert!(ledgers[0].dropped >= 1, "A gave the seat back");
    let left = 1 + taken - given_back;
    assert!(left <= 1, "{left} seats held in a course of 1");

    let teacher = app.token(demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    let (status, roster) = status_and_body(
        app.call(Method::GET, &format!("/courses/{course}/roster"), &teacher, None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, seen) = status_and_body(app.call(Method::GET, &course_path, &watcher, None).await).await;
    assert_eq!(
        (seen["enrolled"].as_u64(), roster.as_array().unwrap().len()),
        (Some(left as u64), left),
        "the seat count, the roster and the ledger agree"
    );
    let counted = app.db.select_text(&format!(
        "SELECT CAST(COUNT(*) AS TEXT) AS value FROM enrollments WHERE course_id = '{course}'"
    ));
    assert_eq!(counted, [left.to_string()]);
}

/// A replica refuses a course it has just seen full without asking the
/// database; a seat given back through another replica must still be
/// taken through this one, soon (the hint is trusted for half a second).
async fn a_seat_freed_through_another_replica_is_not_lost(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let other = app.replica().await;
    let course = new_course(&app, "FREED1", 1).await;
    let holder = app.token(Uuid::new_v4(), "Holding Student", Role::Student);
    let waiting = app.token(Uuid::new_v4(), "Waiting Student", Role::Student);
    let (status, _) = status_and_body(app.enroll(course, &holder).await).await;
    assert_eq!(status, StatusCode::CREATED);
    // This replica now knows the course is full.
    let (status, body) = status_and_body(app.enroll(course, &waiting).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("course_full"))
    );

    let dropped = app
        .client
        .delete(other.at(&format!("/courses/{course}/enrollment")))
        .bearer_auth(&holder)
        .send()
        .await
        .expect("request sent");
    assert_eq!(dropped.status(), StatusCode::NO_CONTENT);

    let mut refused = 0;
    loop {
        let (status, body) = status_and_body(app.enroll(course, &waiting).await).await;
        match (status, body["error"].as_str()) {
            (StatusCode::CREATED, _) => break,
            (StatusCode::CONFLICT, Some("course_full")) => refused += 1,
            other => panic!("unexpected answer {other:?}: {body}"),
        }
        assert!(refused < 40, "the freed seat was refused for 2 s");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let counted = app.db.select_text(&format!(
        "SELECT CAST(COUNT(*) AS TEXT) AS value FROM enrollments WHERE course_id = '{course}'"
    ));
    assert_eq!(counted, ["1"]);
}

/// 40 students enroll while an admin lowers the capacity from 30 to 20,
/// ten times over: whatever the order, the seats taken never pass the
/// capacity, and a refused change names the seats that stopped it.
async fn lowering_capacity_while_students_race_never_overbooks(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let course = new_course(&app, "SHRINK1", 30).await;
    let admin = app.token(demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    let path = format!("/courses/{course}");
    let tokens: Vec<String> = (0..40)
        .map(|n| app.token(Uuid::new_v4(), &format!("Student {n}"), Role::Student))
        .collect();
    let enrollments = testkit::join_all(tokens.iter().map(|t| app.enroll(course, t)));
    let changes =
        testkit::join_all((0..10).map(|_| app.call(Method::PATCH, &path, &admin, Some(json!({"capacity": 20})))));
    let (enrolled, changed) = tokio::join!(enrollments, changes);
    let created = enrolled.iter().filter(|r| r.status() == StatusCode::CREATED).count();
    let mut lowered = 0;
    for answer in changed {
        let (status, body) = status_and_body(answer).await;
        match status {
            StatusCode::OK => lowered += 1,
            StatusCode::CONFLICT => {
                assert_eq!(body["error"], "capacity_below_enrolled", "{body}");
                assert!(body["message"].as_str().unwrap().contains("seats are taken"), "{body}");
            }
            other => panic!("a capacity change answered {other}: {body}"),
        }
    }
    let (_, now) = status_and_body(app.call(Method::GET, &path, &admin, None).await).await;
    let (capacity, taken) = (now["capacity"].as_i64().unwrap(), now["enrolled"].as_i64().unwrap());
    assert_eq!(taken, created as i64, "the counter is the enrollments made");
    assert!(taken <= capacity, "{taken} seats taken of {capacity}");
    if lowered > 0 {
        assert_eq!(capacity, 20);
    } else {
        assert_eq!(capacity, 30);
        assert!(created > 20, "every change was refused with only {created} seats taken");
    }
    let (_, roster) = status_and_body(app.call(Method::GET, &format!("{path}/roster"), &admin, None).await).await;
    assert_eq!(roster.as_array().unwrap().len(), created);
}

/// A person who both teaches and studies enrolls in a course while an
/// admin makes them its teacher, 20 times over: never both.
async fn a_teacher_change_racing_that_persons_enrollment_never_puts_them_on_their_roster(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let admin = app.token(demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    for round in 0..20 {
        let course = new_course(&app, &format!("RACE{round}"), 10).await;
        let person = Uuid::new_v4();
        let as_student = app.token(person, "Pat Both", Role::Student);
        let change = json!({"teacher_id": person, "teacher_name": "Pat Both"});
        let path = format!("/courses/{course}");
        let (enrolled, changed) = tokio::join!(
            app.enroll(course, &as_student),
            app.call(Method::PATCH, &path, &admin, Some(change)),
        );
        let (enrolled, changed) = (enrolled.status(), changed.status());
        let (_, now) = status_and_body(app.call(Method::GET, &path, &admin, None).await).await;
        let teaches = now["teacher_id"] == person.to_string();
        let (_, roster) = status_and_body(app.call(Method::GET, &format!("{path}/roster"), &admin, None).await).await;
        let on_roster = roster
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["student_id"] == person.to_string());
        assert!(
            !(teaches && on_roster),
            "round {round}: teacher and student of one course ({enrolled}, {changed})"
        );
        assert_eq!(teaches, changed == StatusCode::OK, "round {round}: {changed}");
        assert_eq!(on_roster, enrolled == StatusCode::CREATED, "round {round}: {enrolled}");
    }
}
