//! Terms, registration windows and credit limits: the rules, the bad
//! inputs, and the limit held exactly under concurrent enrollments of one
//! student, on SQLite and on PostgreSQL.

use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use service_common::demo;
use shared_types::Role;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

use crate::support::TestCourses;

on_both_backends!(
    terms_are_listed_created_and_checked,
    a_course_belongs_to_a_term_and_the_catalogue_shows_one_term,
    enrolling_and_dropping_follow_the_registration_window,
    one_student_racing_into_fifty_courses_never_passes_the_credit_limit,
    an_admin_grants_one_student_their_own_limit_with_a_reason,
);

pub(crate) fn admin(app: &TestCourses) -> String {
    app.token(demo::ADMIN.id, demo::ADMIN.name, Role::Admin)
}

pub(crate) async fn call(
    app: &TestCourses,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    status_and_body(app.call(method, path, token, body).await).await
}

/// A student of the tests, with a token of their own.
pub(crate) struct Student {
    pub(crate) id: Uuid,
    pub(crate) token: String,
}

pub(crate) fn student(app: &TestCourses, name: &str) -> Student {
    let id = Uuid::new_v4();
    Student {
        id,
        token: app.token(id, name, Role::Student),
    }
}

/// What `GET /terms/{id}/credits/me` answers the holder of `token`.
pub(crate) async fn my_credits(app: &TestCourses, term: &Value, token: &str) -> Value {
    let path = format!("/terms/{}/credits/me", term["id"].as_str().unwrap());
    let (status, credits) = call(app, Method::GET, &path, token, None).await;
    assert_eq!(status, StatusCode::OK, "{credits}");
    credits
}

/// A term whose registration is open now, ending in a month.
pub(crate) fn open_term(code: &str, max_credits: i64) -> Value {
    let now = Utc::now();
    json!({
        "code": code,
        "title": format!("Term {code}"),
        "starts_on": (now - Duration::days(1)).date_naive(),
        "ends_on": (now + Duration::days(30)).date_naive(),
        "registration_opens_at": now - Duration::hours(1),
        "add_drop_closes_at": now + Duration::days(7),
        "max_credits": max_credits,
    })
}

pub(crate) async fn create_term(app: &TestCourses, body: Value) -> Value {
    let (status, term) = call(app, Method::POST, "/terms", &admin(app), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{term}");
    term
}

pub(crate) async fn create_course(app: &TestCourses, code: &str, term: &Value, credits: i64, capacity: i64) -> Uuid {
    let body = json!({"code": code, "title": format!("Course {code}"), "capacity": capacity,
                      "teacher_id": demo::TEACHER.id, "teacher_name": demo::TEACHER.name,
                      "credits": credits, "term_id": term["id"]});
    let (status, course) = call(app, Method::POST, "/courses", &admin(app), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{course}");
    assert_eq!(
        (course["credits"].as_i64(), &course["term_id"]),
        (Some(credits), &term["id"])
    );
    course["id"].as_str().unwrap().parse().unwrap()
}

/// Archives `course` (by the admin).
pub(crate) async fn archive(app: &TestCourses, course: Uuid) {
    let path = format!("/courses/{course}");
    let (status, body) = call(app, Method::PATCH, &path, &admin(app), Some(json!({"archived": true}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// The demo term, as `GET /terms` lists it.
pub(crate) async fn demo_term(app: &TestCourses) -> Value {
    let (_, terms) = call(app, Method::GET, "/terms", &admin(app), None).await;
    terms
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "DEMO")
        .unwrap()
        .clone()
}

/// One student's enrollments into every course at once: how many were
/// taken and how many refused with `refusal` (any other answer fails).
pub(crate) async fn enroll_all_at_once(
    app: &TestCourses,
    courses: &[Uuid],
    token: &str,
    refusal: &str,
) -> (usize, usize) {
    let answers = testkit::join_all(courses.iter().map(|course| app.enroll(*course, token))).await;
    let (mut created, mut refused) = (0, 0);
    for answer in answers {
        let (status, body) = status_and_body(answer).await;
        match (status, body["error"].as_str()) {
            (StatusCode::CREATED, _) => created += 1,
            (StatusCode::CONFLICT, Some(code)) if code == refusal => refused += 1,
            other => panic!("unexpected answer {other:?}: {body}"),
        }
    }
    (created, refused)
}

pub(crate) fn codes(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect()
}

async fn terms_are_listed_created_and_checked(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let admin = admin(&app);
    let (status, terms) = call(&app, Method::GET, "/terms", &admin, None).await;
    assert_eq!((status, codes(&terms)), (StatusCode::OK, vec!["DEMO"]));
    assert_eq!(terms[0]["current"], json!(true));
    assert_eq!(terms[0]["max_credits"], json!(18));

    let mut later = open_term("2027-sp", 18);
    later["starts_on"] = json!((Utc::now() + Duration::days(60)).date_naive());
    later["ends_on"] = json!((Utc::now() + Duration::days(150)).date_naive());
    let created = create_term(&app, later.clone()).await;
    assert_eq!(
        (created["code"].as_str(), created["current"].as_bool()),
        (Some("2027-SP"), Some(false))
    );
    let (status, again) = call(&app, Method::POST, "/terms", &admin, Some(later.clone())).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (StatusCode::CONFLICT, Some("code_taken"))
    );

    let student = app.token(demo::STUDENT.id, demo::STUDENT.name, Role::Student);
    let (status, _) = call(&app, Method::POST, "/terms", &student, Some(open_term("X-1", 18))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let mut backwards = open_term("BACK", 18);
    backwards["ends_on"] = json!("2020-01-01");
    let mut closed_first = open_term("CLOSED", 18);
    closed_first["add_drop_closes_at"] = json!(Utc::now() - Duration::days(2));
    let mut greedy = open_term("GREEDY", 18);
    greedy["max_credits"] = json!(99);
    let mut bad_code = open_term("no spaces", 18);
    bad_code["code"] = json!("no spaces");
    for (body, error) in [
        (backwards, "invalid_term_dates"),
        (closed_first, "invalid_term_dates"),
        (greedy, "invalid_max_credits"),
        (bad_code, "invalid_code"),
    ] {
        let (status, answer) = call(&app, Method::POST, "/terms", &admin, Some(body)).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(error)),
            "{answer}"
        );
    }
    let (status, answer) = call(&app, Method::POST, "/terms", &admin, Some(json!({"code": "X1"}))).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_body"))
    );

    // A change is checked against the dates it keeps.
    let path = format!("/terms/{}", created["id"].as_str().unwrap());
    let (status, answer) = call(
        &app,
        Method::PATCH,
        &path,
        &admin,
        Some(json!({"ends_on": "2000-01-01"})),
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_term_dates"))
    );
    let (status, changed) = call(
        &app,
        Method::PATCH,
        &path,
        &admin,
        Some(json!({"title": "Spring", "max_credits": 21})),
    )
    .await;
    assert_eq!(
        (status, changed["title"].as_str(), changed["max_credits"].as_i64()),
        (StatusCode::OK, Some("Spring"), Some(21))
    );
    let missing = format!("/terms/{}", Uuid::new_v4());
    let (status, answer) = call(&app, Method::PATCH, &missing, &admin, Some(json!({"title": "Nope"}))).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("term_not_found"))
    );
    let (_, terms) = call(&app, Method::GET, "/terms", &student, None).await;
    assert_eq!(codes(&terms), vec!["DEMO", "2027-SP"]);
}

async fn a_course_belongs_to_a_term_and_the_catalogue_shows_one_term(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let admin = admin(&app);
    let mut next = open_term("NEXT", 18);
    next["starts_on"] = json!((Utc::now() + Duration::days(60)).date_naive());
    next["ends_on"] = json!((Utc::now() + Duration::days(150)).date_naive());
    let next = create_term(&app, next).await;
    create_course(&app, "FUT-101", &next, 4, 10).await;

    let (_, current) = call(&app, Method::GET, "/courses", &admin, None).await;
    assert!(
        codes(&current).contains(&"CS101") && !codes(&current).contains(&"FUT-101"),
        "{current}"
    );
    let (status, other) = call(&app, Method::GET, "/courses?term=next", &admin, None).await;
    assert_eq!((status, codes(&other)), (StatusCode::OK, vec!["FUT-101"]));
    let (status, answer) = call(&app, Method::GET, "/courses?term=NOPE", &admin, None).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("term_not_found"))
    );
    let (status, same) = call(&app, Method::GET, "/courses?term=DEMO", &admin, None).await;
    assert_eq!((status, codes(&same)), (StatusCode::OK, codes(&current)));

    let body = |credits: Value, term: Value| {
        json!({"code": "BAD-1", "title": "Bad", "capacity": 5, "teacher_id": demo::TEACHER.id,
               "teacher_name": demo::TEACHER.name, "credits": credits, "term_id": term})
    };
    for (request, error) in [
        (body(json!(31), json!(null)), "invalid_credits"),
        (body(json!(-1), json!(null)), "invalid_credits"),
        (body(json!(3), json!(Uuid::new_v4())), "unknown_term"),
    ] {
        let (status, answer) = call(&app, Method::POST, "/courses", &admin, Some(request)).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(error)),
            "{answer}"
        );
    }
    // A course without a term goes to the current one, worth 3 credits.
    let (status, course) = call(
        &app,
        Method::POST,
        "/courses",
        &admin,
        Some(body(json!(null), json!(null))),
    )
    .await;
    assert_eq!(
        (status, course["credits"].as_i64()),
        (StatusCode::CREATED, Some(3)),
        "{course}"
    );
    let (_, terms) = call(&app, Method::GET, "/terms", &admin, None).await;
    let demo_term = terms.as_array().unwrap().iter().find(|t| t["code"] == "DEMO").unwrap();
    assert_eq!(course["term_id"], demo_term["id"]);
}

async fn enrolling_and_dropping_follow_the_registration_window(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let admin = admin(&app);
    let mut early = open_term("EARLY", 18);
    let opens = Utc::now() + Duration::hours(2);
    early["registration_opens_at"] = json!(opens);
    let term = create_term(&app, early).await;
    let course = create_course(&app, "WIN-101", &term, 3, 10).await;
    let token = app.token(Uuid::new_v4(), "Keen Student", Role::Student);

    let response = app.enroll(course, &token).await;
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    let (status, answer) = status_and_body(response).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("registration_closed"))
    );
    assert!(
        (7_000..=7_200).contains(&retry_after),
        "Retry-After {retry_after} s for a window opening in 2 h"
    );

    let path = format!("/terms/{}", term["id"].as_str().unwrap());
    let open_now = json!({"registration_opens_at": Utc::now() - Duration::minutes(1)});
    let (status, _) = call(&app, Method::PATCH, &path, &admin, Some(open_now)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.enroll(course, &token).await.status(), StatusCode::CREATED);

    // Past the add/drop deadline neither enrolling nor dropping is open,
    // and there is no time to wait for.
    let past = json!({"registration_opens_at": Utc::now() - Duration::days(3),
                      "add_drop_closes_at": Utc::now() - Duration::days(1)});
    let (status, _) = call(&app, Method::PATCH, &path, &admin, Some(past)).await;
    assert_eq!(status, StatusCode::OK);
    let drop_path = format!("/courses/{course}/enrollment");
    let response = app.call(Method::DELETE, &drop_path, &token, None).await;
    assert!(response.headers().get("retry-after").is_none());
    let (status, answer) = status_and_body(response).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("registration_closed"))
    );
    let other = app.token(Uuid::new_v4(), "Late Student", Role::Student);
    let (status, answer) = status_and_body(app.enroll(course, &other).await).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("registration_closed"))
    );
    let enrolled = app.db.select_text(&format!(
        "SELECT CAST(enrolled AS TEXT) AS value FROM courses WHERE id = '{course}'"
    ));
    assert_eq!(enrolled, ["1"]);
}

async fn credits_of(app: &TestCourses, term: &Value, token: &str) -> (i64, i64) {
    let path = format!("/terms/{}/credits/me", term["id"].as_str().unwrap());
    let (status, credits) = call(app, Method::GET, &path, token, None).await;
    assert_eq!(status, StatusCode::OK, "{credits}");
    (
        credits["credits_held"].as_i64().unwrap(),
        credits["max_credits"].as_i64().unwrap(),
    )
}

async fn one_student_racing_into_fifty_courses_never_passes_the_credit_limit(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = create_term(&app, open_term("RACE", 10)).await;
    let mut courses = Vec::new();
    for n in 0..50 {
        courses.push(create_course(&app, &format!("CR-{n}"), &term, 3, 5).await);
    }
    let student = Uuid::new_v4();
    let token = app.token(student, "Greedy Student", Role::Student);
    let (created, refused) = enroll_all_at_once(&app, &courses, &token, "credit_limit").await;
    // 3 courses of 3 credits fit under 10; a fourth would make 12.
    assert_eq!((created, refused), (3, 47));
    assert_eq!(credits_of(&app, &term, &token).await, (9, 10));
    let held = app.db.select_text(&format!(
        "SELECT CAST(COUNT(*) AS TEXT) AS value FROM enrollments WHERE student_id = '{student}'"
    ));
    let seats = app.db.select_text(&format!(
        "SELECT CAST(SUM(enrolled) AS TEXT) AS value FROM courses WHERE term_id = '{}'",
        term["id"].as_str().unwrap()
    ));
    assert_eq!((held[0].as_str(), seats[0].as_str()), ("3", "3"));

    // A refusal says what the student holds; a drop gives the credits back.
    let mine = app.db.select_text(&format!(
        "SELECT course_id AS value FROM enrollments WHERE student_id = '{student}' ORDER BY course_id"
    ));
    // Any course the race did not give them (which three it gave is the
    // race's to decide).
    let not_held = *courses
        .iter()
        .find(|course| !mine.contains(&course.to_string()))
        .expect("a course not held");
    let (_, refusal) = status_and_body(app.enroll(not_held, &token).await).await;
    let message = refusal["message"].as_str().unwrap();
    assert!(
        message.contains("hold 9") && message.contains("limit of 10"),
        "{message}"
    );
    let path = format!("/courses/{}/enrollment", mine[0]);
    assert_eq!(
        app.call(Method::DELETE, &path, &token, None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(credits_of(&app, &term, &token).await, (6, 10));
    let free = courses.iter().find(|c| !mine.contains(&c.to_string())).unwrap();
    assert_eq!(app.enroll(*free, &token).await.status(), StatusCode::CREATED);
    assert_eq!(credits_of(&app, &term, &token).await, (9, 10));
}

async fn an_admin_grants_one_student_their_own_limit_with_a_reason(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let admin = admin(&app);
    let term = create_term(&app, open_term("HONOURS", 6)).await;
    let courses = [
        create_course(&app, "HN-1", &term, 3, 5).await,
        create_course(&app, "HN-2", &term, 3, 5).await,
        create_course(&app, "HN-3", &term, 3, 5).await,
    ];
    let student = Uuid::new_v4();
    let token = app.token(student, "Honours Student", Role::Student);
    assert_eq!(app.enroll(courses[0], &token).await.status(), StatusCode::CREATED);
    assert_eq!(app.enroll(courses[1], &token).await.status(), StatusCode::CREATED);
    let (status, answer) = status_and_body(app.enroll(courses[2], &token).await).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("credit_limit"))
    );

    let path = format!(
        "/terms/{}/students/{student}/credit-limit",
        term["id"].as_str().unwrap()
    );
    let (status, answer) = call(&app, Method::PUT, &path, &admin, Some(json!({"max_credits": 9}))).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_field"))
    );
    let (status, answer) = call(
        &app,
        Method::PUT,
        &path,
        &admin,
        Some(json!({"max_credits": 61, "reason": "x"})),
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_max_credits"))
    );
    let (status, _) = call(
        &app,
        Method::PUT,
        &path,
        &token,
        Some(json!({"max_credits": 9, "reason": "me"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let grant = json!({"max_credits": 9, "reason": "Honours programme"});
    let (status, granted) = call(&app, Method::PUT, &path, &admin, Some(grant)).await;
    assert_eq!(
        (
            status,
            granted["max_credits"].as_i64(),
            granted["credits_held"].as_i64(),
            granted["override_reason"].as_str()
        ),
        (StatusCode::OK, Some(9), Some(6), Some("Honours programme"))
    );
    assert_eq!(app.enroll(courses[2], &token).await.status(), StatusCode::CREATED);
    assert_eq!(credits_of(&app, &term, &token).await, (9, 9));

    // Taken away: the term's limit applies again, the credits held stay.
    let (status, back) = call(&app, Method::PUT, &path, &admin, Some(json!({"max_credits": null}))).await;
    assert_eq!(
        (status, back["max_credits"].as_i64(), back["override_reason"].as_str()),
        (StatusCode::OK, Some(6), None)
    );
    assert_eq!(credits_of(&app, &term, &token).await, (9, 6));
    let missing = format!("/terms/{}/students/{student}/credit-limit", Uuid::new_v4());
    let (status, answer) = call(&app, Method::GET, &missing, &admin, None).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("term_not_found"))
    );
}
