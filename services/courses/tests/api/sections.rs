//! Sections, an admin's enrollments past the rules, and time tickets: the
//! rules, the bad inputs, and one student racing into every section of a
//! course at once, on SQLite and on PostgreSQL.

use chrono::{DateTime, Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use service_common::demo;
use shared_types::Role;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

use crate::support::TestCourses;
use crate::terms::{
    admin, archive, call, codes, create_course, create_term, enroll_all_at_once, my_credits, open_term, student,
    Student,
};

on_both_backends!(
    sections_share_the_course_and_keep_their_own_seats_and_rosters,
    one_student_racing_into_fifty_sections_of_a_course_holds_one,
    an_admin_enrolls_a_student_past_each_rule_with_a_reason,
    time_tickets_open_registration_student_by_student,
);

async fn add_section(app: &TestCourses, course: Uuid, body: Value) -> (StatusCode, Value) {
    call(
        app,
        Method::POST,
        &format!("/courses/{course}/sections"),
        &admin(app),
        Some(body),
    )
    .await
}

fn section_body(section: &str, capacity: i64) -> Value {
    json!({"section": section, "capacity": capacity,
           "teacher_id": demo::TEACHER2.id, "teacher_name": demo::TEACHER2.name})
}

fn id_of(course: &Value) -> Uuid {
    course["id"].as_str().unwrap().parse().unwrap()
}

async fn enroll(app: &TestCourses, course: Uuid, who: &Student) -> (StatusCode, Value) {
    status_and_body(app.enroll(course, &who.token).await).await
}

async fn course(app: &TestCourses, course: Uuid) -> Value {
    let (status, shown) = call(app, Method::GET, &format!("/courses/{course}"), &admin(app), None).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    shown
}

async fn sections_share_the_course_and_keep_their_own_seats_and_rosters(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = create_term(&app, open_term("SEC-1", 18)).await;
    let first = create_course(&app, "SEC101", &term, 4, 1).await;

    let (status, second) = add_section(&app, first, section_body(" b2 ", 2)).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(
        (
            &second["code"],
            &second["section"],
            &second["credits"],
            &second["term_id"]
        ),
        (&json!("SEC101"), &json!("B2"), &json!(4), &term["id"]),
        "a section is the course's: {second}"
    );
    assert_eq!((&second["capacity"], &second["enrolled"]), (&json!(2), &json!(0)));
    let second_id = id_of(&second);

    // Refusals: the same section again, the code again as a new course, bad
    // values, a course that does not exist.
    let (status, again) = add_section(&app, first, section_body("B2", 5)).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (StatusCode::CONFLICT, Some("code_taken"))
    );
    assert!(again["message"].as_str().unwrap().contains("section B2"), "{again}");
    let duplicate = json!({"code": "sec101", "title": "Another", "capacity": 5, "section": "03",
                           "teacher_id": demo::TEACHER.id, "teacher_name": demo::TEACHER.name,
                           "term_id": term["id"]});
    let (status, answer) = call(&app, Method::POST, "/courses", &admin(&app), Some(duplicate)).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("code_taken")),
        "{answer}"
    );
    for (body, error) in [
        (section_body("A-1", 5), "invalid_section"),
        (section_body("", 5), "invalid_section"),
        (section_body("C", 0), "invalid_capacity"),
    ] {
        let (status, answer) = add_section(&app, first, body).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(error)),
            "{answer}"
        );
    }
    let (status, answer) = add_section(&app, Uuid::new_v4(), section_body("C", 5)).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("course_not_found"))
    );
    let student_token = app.token(demo::STUDENT.id, demo::STUDENT.name, Role::Student);
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/courses/{first}/sections"),
        &student_token,
        Some(section_body("C", 5)),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The same code in another term is another course.
    let other_term = create_term(&app, open_term("SEC-2", 18)).await;
    create_course(&app, "SEC101", &other_term, 3, 5).await;

    // The catalogue lists each section, in order.
    let (_, catalogue) = call(&app, Method::GET, "/courses?term=SEC-1", &admin(&app), None).await;
    assert_eq!(codes(&catalogue), vec!["SEC101", "SEC101"]);
    let sections: Vec<&str> = catalogue
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["section"].as_str().unwrap())
        .collect();
    assert_eq!(sections, vec!["01", "B2"]);

    // What the sections share changes on each; a section's own seats do not.
    let (status, changed) = call(
        &app,
        Method::PATCH,
        &format!("/courses/{second_id}"),
        &admin(&app),
        Some(json!({"title": "Sections in practice", "credits": 5, "capacity": 3})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let first_shown = course(&app, first).await;
    assert_eq!(
        (&first_shown["title"], &first_shown["credits"], &first_shown["capacity"]),
        (&json!("Sections in practice"), &json!(5), &json!(1))
    );

    // One section of a course per student; each section its own seats.
    let (sam, kim) = (student(&app, "Sam"), student(&app, "Kim"));
    assert_eq!(enroll(&app, first, &sam).await.0, StatusCode::CREATED);
    let (status, answer) = enroll(&app, second_id, &sam).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_enrolled"))
    );
    assert!(
        answer["message"].as_str().unwrap().contains("section 01 of SEC101"),
        "{answer}"
    );
    let (status, answer) = call(
        &app,
        Method::POST,
        &format!("/courses/{second_id}/waitlist"),
        &sam.token,
        None,
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_enrolled"))
    );
    let (status, answer) = enroll(&app, first, &kim).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("course_full"))
    );
    assert_eq!(enroll(&app, second_id, &kim).await.0, StatusCode::CREATED);

    // Rosters are per section, and each section's teacher sees their own.
    let (_, roster) = call(
        &app,
        Method::GET,
        &format!("/courses/{second_id}/roster"),
        &admin(&app),
        None,
    )
    .await;
    assert_eq!(roster.as_array().unwrap().len(), 1);
    assert_eq!(roster[0]["student_id"], json!(kim.id));
    let teacher2 = app.token(demo::TEACHER2.id, demo::TEACHER2.name, Role::Teacher);
    let (status, _) = call(&app, Method::GET, &format!("/courses/{first}/roster"), &teacher2, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "section 01 is Grace Hopper's");
    let (status, roster) = call(
        &app,
        Method::GET,
        &format!("/courses/{second_id}/roster"),
        &teacher2,
        None,
    )
    .await;
    assert_eq!((status, roster.as_array().unwrap().len()), (StatusCode::OK, 1));

    // Dropping one section lets the student take another.
    let dropped = app
        .call(
            Method::DELETE,
            &format!("/courses/{first}/enrollment"),
            &sam.token,
            None,
        )
        .await;
    assert_eq!(dropped.status(), StatusCode::NO_CONTENT);
    assert_eq!(enroll(&app, second_id, &sam).await.0, StatusCode::CREATED);
    let credits = my_credits(&app, &term, &sam.token).await;
    assert_eq!(credits["credits_held"], json!(5), "one section's credits: {credits}");

    // Nor does a student wait for another section of a course they hold.
    let lee = student(&app, "Lee");
    assert_eq!(enroll(&app, first, &lee).await.0, StatusCode::CREATED);
    let (status, answer) = call(
        &app,
        Method::POST,
        &format!("/courses/{first}/waitlist"),
        &sam.token,
        None,
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_enrolled")),
        "{answer}"
    );
    assert_eq!(course(&app, first).await["waitlisted"], json!(0));
}

async fn one_student_racing_into_fifty_sections_of_a_course_holds_one(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = create_term(&app, open_term("RACE-S", 60)).await;
    let first = create_course(&app, "RACE101", &term, 1, 10).await;
    let mut sections = vec![first];
    for n in 2..=50 {
        let (status, added) = add_section(&app, first, section_body(&format!("{n:02}"), 10)).await;
        assert_eq!(status, StatusCode::CREATED, "{added}");
        sections.push(id_of(&added));
    }
    let sam = student(&app, "Sam");
    let (created, refused) = enroll_all_at_once(&app, &sections, &sam.token, "already_enrolled").await;
    assert_eq!(
        (created, refused),
        (1, 49),
        "one section of the course, whatever the race"
    );
    let (_, mine) = call(&app, Method::GET, "/enrollments/me", &sam.token, None).await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    let mut taken = 0;
    for section in &sections {
        taken += course(&app, *section).await["enrolled"].as_i64().unwrap();
    }
    assert_eq!(taken, 1, "every refused attempt gave its seat back");
    let credits = my_credits(&app, &term, &sam.token).await;
    assert_eq!(credits["credits_held"], json!(1));
}

async fn override_into(app: &TestCourses, course: Uuid, who: &Student, reason: &str) -> (StatusCode, Value) {
    let body = json!({"student_id": who.id, "student_name": "Over Ride", "student_email": "over@example.edu",
                      "reason": reason});
    call(
        app,
        Method::POST,
        &format!("/courses/{course}/enrollments"),
        &admin(app),
        Some(body),
    )
    .await
}

async fn an_admin_enrolls_a_student_past_each_rule_with_a_reason(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = create_term(&app, open_term("OVR", 3)).await;
    let full = create_course(&app, "FULL1", &term, 3, 1).await;
    let other = create_course(&app, "OTHER1", &term, 3, 5).await;
    let (kim, sam) = (student(&app, "Kim"), student(&app, "Sam"));
    assert_eq!(enroll(&app, full, &kim).await.0, StatusCode::CREATED);
    assert_eq!(enroll(&app, other, &sam).await.0, StatusCode::CREATED);
    let (status, answer) = enroll(&app, full, &sam).await;
    assert_eq!(answer["error"], json!("course_full"), "{status}");

    // Past capacity and past the credit limit at once (Sam holds 3 of 3),
    // and off the waitlist Sam was on.
    let (status, answer) = call(
        &app,
        Method::POST,
        &format!("/courses/{full}/waitlist"),
        &sam.token,
        None,
    )
    .await;
    assert_eq!(
        (status, &answer["position"]),
        (StatusCode::CREATED, &json!(1)),
        "{answer}"
    );
    let (status, entry) = override_into(&app, full, &sam, "Department approval, ticket 4411").await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    assert_eq!(entry["override_reason"], json!("Department approval, ticket 4411"));
    let shown = course(&app, full).await;
    assert_eq!(
        (
            &shown["enrolled"],
            &shown["capacity"],
            &shown["open"],
            &shown["waitlisted"]
        ),
        (&json!(2), &json!(1), &json!(false), &json!(0))
    );
    let credits = my_credits(&app, &term, &sam.token).await;
    assert_eq!(credits["credits_held"], json!(6), "the credits still count: {credits}");
    let (_, roster) = call(
        &app,
        Method::GET,
        &format!("/courses/{full}/roster"),
        &admin(&app),
        None,
    )
    .await;
    let reasons: Vec<&Value> = roster
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["override_reason"])
        .collect();
    assert_eq!(reasons.iter().filter(|r| r.is_string()).count(), 1, "{roster}");

    // A drop leaves the section at capacity: no one else takes a seat.
    let dropped = app
        .call(Method::DELETE, &format!("/courses/{full}/enrollment"), &kim.token, None)
        .await;
    assert_eq!(dropped.status(), StatusCode::NO_CONTENT);
    let (status, answer) = enroll(&app, full, &kim).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("course_full"))
    );

    // Past a schedule conflict and past a closed window.
    let clash = create_course(&app, "CLASH1", &term, 0, 5).await;
    for course in [other, clash] {
        let week = json!([{"day": "mon", "starts": "09:00", "ends": "10:00", "room": "R"}]);
        let (status, _) = call(
            &app,
            Method::PUT,
            &format!("/courses/{course}/meetings"),
            &admin(&app),
            Some(week),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, answer) = enroll(&app, clash, &sam).await;
    assert_eq!(answer["error"], json!("schedule_conflict"), "{status}");
    assert_eq!(
        override_into(&app, clash, &sam, "Lab overlaps by agreement").await.0,
        StatusCode::CREATED
    );
    let mut closed = open_term("OVR-LATE", 18);
    closed["registration_opens_at"] = json!(Utc::now() + Duration::days(1));
    let closed = create_term(&app, closed).await;
    let later = create_course(&app, "LATE1", &closed, 3, 5).await;
    let (_, answer) = enroll(&app, later, &sam).await;
    assert_eq!(answer["error"], json!("registration_closed"));
    assert_eq!(
        override_into(&app, later, &sam, "Early for an exchange student")
            .await
            .0,
        StatusCode::CREATED
    );

    // What an override never does, and bad input.
    let (status, answer) = override_into(&app, full, &sam, "Twice").await;
    assert_eq!(
        (status, answer["error"].as_str(), answer["message"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("already_enrolled"),
            Some("The student is already enrolled in this section.")
        )
    );
    let (_, second) = add_section(&app, full, section_body("02", 5)).await;
    let (status, answer) = override_into(&app, id_of(&second), &sam, "Both sections").await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_enrolled"))
    );
    let told = answer["message"].as_str().unwrap_or_default();
    assert!(
        told.starts_with("The student holds section 01 of "),
        "the admin is told of the student, not as the student: {told}"
    );
    assert_eq!(
        course(&app, id_of(&second)).await["enrolled"],
        json!(0),
        "the refused seat went back"
    );
    let held = my_credits(&app, &term, &sam.token).await["credits_held"].clone();
    assert_eq!(held, json!(6), "and the credits it would have added");
    let teacher = Student {
        id: demo::TEACHER.id,
        token: String::new(),
    };
    let (status, answer) = override_into(&app, full, &teacher, "Teaching it").await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("own_course"))
    );
    let archived = create_course(&app, "GONE1", &term, 3, 5).await;
    archive(&app, archived).await;
    let (status, answer) = override_into(&app, archived, &kim, "Gone").await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("course_archived"))
    );
    let (status, answer) = override_into(&app, Uuid::new_v4(), &kim, "Nowhere").await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("course_not_found"))
    );
    let path = format!("/courses/{other}/enrollments");
    for (body, error) in [
        (
            json!({"student_id": kim.id, "student_name": "Kim", "student_email": "kim@example.edu", "reason": "  "}),
            "invalid_field",
        ),
        (
            json!({"student_id": kim.id, "student_name": "Kim", "student_email": "not an email", "reason": "Why"}),
            "invalid_email",
        ),
        (
            json!({"student_id": kim.id, "student_name": "", "student_email": "kim@example.edu", "reason": "Why"}),
            "invalid_field",
        ),
    ] {
        let (status, answer) = call(&app, Method::POST, &path, &admin(&app), Some(body)).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(error)),
            "{answer}"
        );
    }
    let (status, _) = call(
        &app,
        Method::POST,
        &path,
        &sam.token,
        Some(json!({"student_id": sam.id, "student_name": "Sam",
        "student_email": "sam@example.edu", "reason": "Myself"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn set_tickets(app: &TestCourses, term: &Value, tickets: Value) -> (StatusCode, Value) {
    let path = format!("/terms/{}/time-tickets", term["id"].as_str().unwrap());
    call(
        app,
        Method::PUT,
        &path,
        &admin(app),
        Some(json!({ "tickets": tickets })),
    )
    .await
}

async fn time_tickets_open_registration_student_by_student(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = create_term(&app, open_term("TICK", 18)).await;
    let course_id = create_course(&app, "TICK101", &term, 3, 1).await;
    let (later, cleared, early) = (student(&app, "Later"), student(&app, "Cleared"), student(&app, "Early"));
    let in_an_hour = Utc::now() + Duration::hours(1);
    let (status, answer) = set_tickets(
        &app,
        &term,
        json!([{"student_id": later.id, "opens_at": in_an_hour}, {"student_id": cleared.id, "opens_at": in_an_hour}]),
    )
    .await;
    assert_eq!((status, &answer["set"]), (StatusCode::OK, &json!(2)), "{answer}");
    let (status, answer) = set_tickets(&app, &term, json!([{"student_id": cleared.id, "opens_at": null}])).await;
    assert_eq!(status, StatusCode::OK, "{answer}");

    // Before their ticket: refused with when it opens, for a seat and for a
    // place on the waitlist.
    let answer = app.enroll(course_id, &later.token).await;
    let wait: u64 = answer.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((3500..=3601).contains(&wait), "Retry-After {wait}");
    let (status, body) = status_and_body(answer).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("registration_closed"))
    );
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/courses/{course_id}/waitlist"),
        &later.token,
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("registration_closed"))
    );
    let mine = my_credits(&app, &term, &later.token).await;
    let shown: DateTime<Utc> = mine["registration_opens_at"].as_str().unwrap().parse().unwrap();
    assert!((shown - in_an_hour).num_milliseconds().abs() < 1000, "{mine}");
    // A cleared ticket is the term's opening again.
    assert_eq!(enroll(&app, course_id, &cleared).await.0, StatusCode::CREATED);

    // A ticket before the term opens is priority registration.
    let mut upcoming = open_term("TICK-2", 18);
    upcoming["registration_opens_at"] = json!(Utc::now() + Duration::days(1));
    let upcoming = create_term(&app, upcoming).await;
    let next = create_course(&app, "TICK201", &upcoming, 3, 5).await;
    let (status, _) = set_tickets(
        &app,
        &upcoming,
        json!([{"student_id": early.id, "opens_at": Utc::now() - Duration::minutes(1)}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(enroll(&app, next, &early).await.0, StatusCode::CREATED);
    assert_eq!(
        enroll(&app, next, &cleared).await.1["error"],
        json!("registration_closed")
    );

    // Bad tickets change nothing.
    let deadline: DateTime<Utc> = term["add_drop_closes_at"].as_str().unwrap().parse().unwrap();
    for tickets in [
        json!([{"student_id": cleared.id, "opens_at": in_an_hour}, {"student_id": later.id, "opens_at": deadline}]),
        json!([{"student_id": later.id, "opens_at": null}, {"student_id": later.id, "opens_at": in_an_hour}]),
    ] {
        let (status, answer) = set_tickets(&app, &term, tickets).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_time_ticket")),
            "{answer}"
        );
    }
    let (status, answer) = set_tickets(&app, &term, json!([{"student_id": "nope", "opens_at": null}])).await;
    assert!(
        status.is_client_error() && answer["error"].is_string(),
        "{status} {answer}"
    );
    assert_eq!(
        enroll(&app, course_id, &later).await.1["error"],
        json!("registration_closed"),
        "unchanged"
    );
    let cleared_now = my_credits(&app, &term, &cleared.token).await;
    assert!(
        cleared_now.get("registration_opens_at").is_none(),
        "unchanged: {cleared_now}"
    );
    let missing = json!({"id": Uuid::new_v4()});
    let (status, answer) = set_tickets(&app, &missing, json!([])).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("term_not_found"))
    );
    let path = format!("/terms/{}/time-tickets", term["id"].as_str().unwrap());
    let (status, _) = call(&app, Method::PUT, &path, &later.token, Some(json!({"tickets": []}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
