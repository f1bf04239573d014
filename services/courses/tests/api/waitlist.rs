//! Waitlists: order, leaving, promotion in the drop's transaction of the
//! first student who still fits, and the races the issue names, on SQLite
//! and on PostgreSQL.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use service_common::demo;
use shared_types::Role;
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

use crate::support::TestCourses;
use crate::terms::{admin, call, create_course, demo_term, student, Student};

on_both_backends!(
    a_full_course_keeps_a_waitlist_in_order_and_a_freed_seat_goes_to_the_first_who_fits,
    a_student_made_the_course_teacher_leaves_its_waitlist_and_drops_go_on,
    ten_drops_at_once_promote_the_first_ten_who_fit_in_order_none_twice,
    a_join_racing_a_drop_is_enrolled_or_waiting_never_lost,
);

pub(crate) async fn join(app: &TestCourses, course: Uuid, who: &Student) -> (StatusCode, Value) {
    let path = format!("/courses/{course}/waitlist");
    call(app, Method::POST, &path, &who.token, None).await
}

pub(crate) async fn drop(app: &TestCourses, course: Uuid, who: &Student) -> StatusCode {
    let path = format!("/courses/{course}/enrollment");
    app.call(Method::DELETE, &path, &who.token, None).await.status()
}

/// The students on a course's roster.
pub(crate) async fn roster(app: &TestCourses, course: Uuid) -> Vec<Uuid> {
    let path = format!("/courses/{course}/roster");
    let (status, roster) = call(app, Method::GET, &path, &admin(app), None).await;
    assert_eq!(status, StatusCode::OK, "{roster}");
    roster
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["student_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// A course's seats taken and waitlist length, as the service shows them.
pub(crate) async fn counts(app: &TestCourses, course: Uuid) -> (i64, i64) {
    let (_, shown) = call(app, Method::GET, &format!("/courses/{course}"), &admin(app), None).await;
    (
        shown["enrolled"].as_i64().unwrap(),
        shown["waitlisted"].as_i64().unwrap(),
    )
}

/// The student's place on the course's list, if they are on it.
pub(crate) async fn position(app: &TestCourses, course: Uuid, who: &Student) -> Option<i64> {
    let (status, mine) = call(app, Method::GET, "/waitlists/me", &who.token, None).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    mine.as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == json!(course))
        .map(|e| e["position"].as_i64().unwrap())
}

/// Gives the student a credit limit of 0 in the demo term (or takes it
/// away): such a student fits in no course.
pub(crate) async fn limit_to_nothing(app: &TestCourses, who: &Student, on: bool) {
    let term = demo_term(app).await;
    let path = format!(
        "/terms/{}/students/{}/credit-limit",
        term["id"].as_str().unwrap(),
        who.id
    );
    let body = if on {
        json!({"max_credits": 0, "reason": "Hold on registration"})
    } else {
        json!({"max_credits": null})
    };
    let (status, answer) = call(app, Method::PUT, &path, &admin(app), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

async fn a_full_course_keeps_a_waitlist_in_order_and_a_freed_seat_goes_to_the_first_who_fits(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    let course = create_course(&app, "WAIT-1", &term, 3, 1).await;
    let [holder, b, c, d] = ["Holder", "Bea", "Cal", "Dee"].map(|name| student(&app, name));
    let (status, answer) = join(&app, course, &holder).await;
    assert_eq!((status, answer), (StatusCode::CREATED, json!({"status": "enrolled"})));
    for (who, place) in [(&b, 1), (&c, 2), (&d, 3)] {
        let (status, answer) = join(&app, course, who).await;
        assert_eq!(
            (status, answer),
            (StatusCode::CREATED, json!({"status": "waitlisted", "position": place}))
        );
    }
    assert_eq!(counts(&app, course).await, (1, 3));
    let (status, answer) = join(&app, course, &b).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_waitlisted"))
    );
    let (status, answer) = join(&app, course, &holder).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_enrolled"))
    );
    let teacher = app.token(demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    let path = format!("/courses/{course}/waitlist");
    assert_eq!(
        call(&app, Method::POST, &path, &teacher, None).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, answer) = join(&app, Uuid::new_v4(), &b).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("course_not_found"))
    );

    // Leaving moves everyone behind up.
    assert_eq!(
        app.call(Method::DELETE, &path, &b.token, None).await.status(),
        StatusCode::NO_CONTENT
    );
    let (status, answer) = call(&app, Method::DELETE, &path, &b.token, None).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_waitlisted"))
    );
    assert_eq!(
        (position(&app, course, &c).await, position(&app, course, &d).await),
        (Some(1), Some(2))
    );

    // Cal no longer fits anywhere: the freed seat goes past Cal to Dee, in
    // the drop's own transaction, and Cal keeps waiting at the front.
    limit_to_nothing(&app, &c, true).await;
    assert_eq!(drop(&app, course, &holder).await, StatusCode::NO_CONTENT);
    assert_eq!(roster(&app, course).await, vec![d.id]);
    assert_eq!(
        (position(&app, course, &c).await, position(&app, course, &d).await),
        (Some(1), None)
    );
    assert_eq!(counts(&app, course).await, (1, 1));

    // A raised capacity offers its new seats the same way.
    let admin = admin(&app);
    let raise = |capacity: i64| json!({ "capacity": capacity });
    let course_path = format!("/courses/{course}");
    assert_eq!(
        call(&app, Method::PATCH, &course_path, &admin, Some(raise(2))).await.0,
        StatusCode::OK
    );
    assert_eq!(counts(&app, course).await, (1, 1));
    limit_to_nothing(&app, &c, false).await;
    let (status, raised) = call(&app, Method::PATCH, &course_path, &admin, Some(raise(3))).await;
    assert_eq!(
        (status, raised["enrolled"].as_i64(), raised["waitlisted"].as_i64()),
        (StatusCode::OK, Some(2), Some(0))
    );
    let mut on_roster = roster(&app, course).await;
    on_roster.sort();
    let mut expected = vec![c.id, d.id];
    expected.sort();
    assert_eq!(on_roster, expected);
    // With a seat free, joining is enrolling.
    let (status, answer) = join(&app, course, &b).await;
    assert_eq!((status, answer), (StatusCode::CREATED, json!({"status": "enrolled"})));
}

async fn ten_drops_at_once_promote_the_first_ten_who_fit_in_order_none_twice(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    let course = create_course(&app, "WAIT-10", &term, 3, 10).await;
    let holders: Vec<Student> = (0..10).map(|n| student(&app, &format!("Holder {n}"))).collect();
    for holder in &holders {
        assert_eq!(app.enroll(course, &holder.token).await.status(), StatusCode::CREATED);
    }
    let waiting: Vec<Student> = (0..20).map(|n| student(&app, &format!("Waiting {n}"))).collect();
    for (n, who) in waiting.iter().enumerate() {
        let (status, answer) = join(&app, course, who).await;
        assert_eq!(
            (status, answer["position"].as_i64()),
            (StatusCode::CREATED, Some(n as i64 + 1))
        );
    }
    // The third in line fits in no course: the first ten who fit are the
    // 1st, 2nd and 4th to 11th.
    limit_to_nothing(&app, &waiting[2], true).await;
    // Ten drops and forty new joiners, all at once.
    let latecomers: Vec<Student> = (0..40).map(|n| student(&app, &format!("Late {n}"))).collect();
    let drops = testkit::join_all(holders.iter().map(|h| drop(&app, course, h)));
    let joins = testkit::join_all(latecomers.iter().map(|l| join(&app, course, l)));
    let (dropped, joined) = tokio::join!(drops, joins);
    assert!(dropped.iter().all(|s| *s == StatusCode::NO_CONTENT), "{dropped:?}");
    for (status, answer) in &joined {
        assert_eq!(
            (*status, answer["status"].as_str()),
            (StatusCode::CREATED, Some("waitlisted")),
            "{answer}"
        );
    }

    let mut expected: Vec<Uuid> = waiting[..11]
        .iter()
        .map(|w| w.id)
        .filter(|id| *id != waiting[2].id)
        .collect();
    expected.sort();
    let mut on_roster = roster(&app, course).await;
    on_roster.sort();
    assert_eq!(on_roster, expected, "the first ten who fit, none twice");
    assert_eq!(counts(&app, course).await, (10, 50));
    // Those left keep their order: the third first, then the 12th on.
    assert_eq!(position(&app, course, &waiting[2]).await, Some(1));
    for (n, who) in waiting[11..].iter().enumerate() {
        assert_eq!(position(&app, course, who).await, Some(n as i64 + 2));
    }
    let credits = app.db.select_text(&format!(
        "SELECT CAST(SUM(credits) AS TEXT) AS value FROM student_terms WHERE student_id IN ({})",
        expected
            .iter()
            .map(|id| format!("'{id}'"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    assert_eq!(credits, ["30"], "each promoted student holds the course's 3 credits");
}

async fn a_join_racing_a_drop_is_enrolled_or_waiting_never_lost(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    // 25 full one-seat courses; in each, the holder drops while another
    // student joins: 50 requests at once.
    let mut rounds = Vec::new();
    for n in 0..25 {
        let course = create_course(&app, &format!("RACE-{n}"), &term, 3, 1).await;
        let (holder, joiner) = (student(&app, "Holder"), student(&app, "Joiner"));
        assert_eq!(app.enroll(course, &holder.token).await.status(), StatusCode::CREATED);
        rounds.push((course, holder, joiner));
    }
    let app = &app;
    let answers = testkit::join_all(rounds.iter().map(|(course, holder, joiner)| async move {
        tokio::join!(drop(app, *course, holder), join(app, *course, joiner))
    }))
    .await;
    for ((course, _, joiner), (dropped, (status, answer))) in rounds.iter().zip(answers) {
        assert_eq!(dropped, StatusCode::NO_CONTENT);
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        assert!(
            ["enrolled", "waitlisted"].contains(&answer["status"].as_str().unwrap()),
            "{answer}"
        );
        // Either way the seat is the joiner's now: taken at once, or handed
        // over by the drop that came after the join.
        assert_eq!(roster(app, *course).await, vec![joiner.id]);
        assert_eq!(counts(app, *course).await, (1, 0));
        assert_eq!(position(app, *course, joiner).await, None);
    }
}

async fn a_student_made_the_course_teacher_leaves_its_waitlist_and_drops_go_on(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    let course = create_course(&app, "WAIT-T", &term, 3, 1).await;
    let (holder, assistant) = (student(&app, "Holder"), student(&app, "Teaching Assistant"));
    assert_eq!(app.enroll(course, &holder.token).await.status(), StatusCode::CREATED);
    assert_eq!(join(&app, course, &assistant).await.1["position"], json!(1));
    let change = json!({"teacher_id": assistant.id, "teacher_name": "Teaching Assistant"});
    let (status, changed) = call(
        &app,
        Method::PATCH,
        &format!("/courses/{course}"),
        &admin(&app),
        Some(change),
    )
    .await;
    assert_eq!(
        (status, changed["waitlisted"].as_i64()),
        (StatusCode::OK, Some(0)),
        "{changed}"
    );
    // The course's teacher is never offered its seat, and the drop is not
    // refused for them.
    assert_eq!(drop(&app, course, &holder).await, StatusCode::NO_CONTENT);
    assert_eq!(counts(&app, course).await, (0, 0));
    let (status, answer) = join(&app, course, &assistant).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("own_course"))
    );
}
