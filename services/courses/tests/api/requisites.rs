//! Prerequisites and corequisites: set by admins on a course code, met by
//! a completion (the registrar's here; grade-service's feed is tested with
//! grade-service) or, for a corequisite, a section held in the term; a
//! student who does not meet them cannot enroll, join a list or be
//! promoted, can always drop, and an override passes them. Bad input and
//! the wrong callers are refused with the JSON error. On both databases.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

use crate::audit::student_trail;
use crate::holds::enroll;
use crate::support::TestCourses;
use crate::terms::{admin, call, create_course, demo_term, student, Student};
use crate::waitlist::{drop, join, position, roster};

on_both_backends!(
    a_prerequisite_is_met_by_a_completion_with_its_grade_and_a_corequisite_by_a_section_held,
    a_waitlist_passes_over_a_student_missing_a_prerequisite_until_a_completion_is_recorded,
    requisites_are_set_by_admins_only_and_bad_ones_are_refused,
);

pub(crate) async fn set_requisites(app: &TestCourses, course: Uuid, list: Value) -> (StatusCode, Value) {
    call(
        app,
        Method::PUT,
        &format!("/courses/{course}/requisites"),
        &admin(app),
        Some(list),
    )
    .await
}

pub(crate) async fn record_completion(app: &TestCourses, who: Uuid, code: &str, grade: f64) -> (StatusCode, Value) {
    let path = format!("/students/{who}/completions/{code}");
    call(app, Method::PUT, &path, &admin(app), Some(json!({ "grade": grade }))).await
}

fn refusal(answer: &(StatusCode, Value)) -> (StatusCode, Option<&str>) {
    (answer.0, answer.1["error"].as_str())
}

async fn a_prerequisite_is_met_by_a_completion_with_its_grade_and_a_corequisite_by_a_section_held(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    create_course(&app, "REQ-100", &term, 3, 5).await;
    let lecture = create_course(&app, "REQ-200", &term, 3, 5).await;
    let lab = create_course(&app, "REQ-200L", &term, 1, 5).await;
    let (status, set) = set_requisites(
        &app,
        lecture,
        json!([{"code": "REQ-100", "kind": "prerequisite", "min_grade": 2.0}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["code"], "REQ-200");
    let (status, _) = set_requisites(&app, lab, json!([{"code": "REQ-200", "kind": "corequisite"}])).await;
    assert_eq!(status, StatusCode::OK);
    // Anyone signed in reads them; min_grade defaults to 1.0.
    let sam = student(&app, "Sam Newcomer");
    let (status, read) = call(
        &app,
        Method::GET,
        &format!("/courses/{lab}/requisites"),
        &sam.token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        read,
        json!({"code": "REQ-200L", "requisites": [{"code": "REQ-200", "kind": "corequisite", "min_grade": 1.0}]})
    );

    // No completion: refused, naming the course required and the next step.
    let answer = enroll(&app, lecture, &sam).await;
    assert_eq!(refusal(&answer), (StatusCode::CONFLICT, Some("prerequisite_missing")));
    let message = answer.1["message"].as_str().unwrap();
    assert!(
        message.contains("REQ-100") && message.contains("2.0") && message.contains("override"),
        "{message}"
    );
    // A completion below the grade is none.
    assert_eq!(record_completion(&app, sam.id, "REQ-100", 1.5).await.0, StatusCode::OK);
    assert_eq!(
        refusal(&enroll(&app, lecture, &sam).await).1,
        Some("prerequisite_missing")
    );
    // The lab without the lecture: the corequisite is named.
    let answer = enroll(&app, lab, &sam).await;
    assert_eq!(refusal(&answer), (StatusCode::CONFLICT, Some("corequisite_missing")));
    assert!(answer.1["message"].as_str().unwrap().contains("REQ-200"), "{answer:?}");

    // With the grade: the lecture, then the lab beside it.
    let (status, held) = record_completion(&app, sam.id, "REQ-100", 2.0).await;
    assert_eq!(status, StatusCode::OK, "{held}");
    assert_eq!(held["completions"][0]["code"], "REQ-100");
    assert_eq!(held["completions"][0]["grade"], 2.0);
    assert_eq!(held["completions"][0]["source"], "registrar");
    assert_eq!(enroll(&app, lecture, &sam).await.0, StatusCode::CREATED);
    assert_eq!(enroll(&app, lab, &sam).await.0, StatusCode::CREATED);
    // Dropping the lecture is never refused (the lab is kept).
    assert_eq!(drop(&app, lecture, &sam).await, StatusCode::NO_CONTENT);
    assert_eq!(roster(&app, lab).await, vec![sam.id]);
    // Every section of the code, in any term, requires the same.
    let other_term = crate::terms::create_term(&app, crate::terms::open_term("REQ-T2", 18)).await;
    let later = create_course(&app, "REQ-200", &other_term, 3, 5).await;
    let ann = student(&app, "Ann Other");
    assert_eq!(
        refusal(&enroll(&app, later, &ann).await).1,
        Some("prerequisite_missing")
    );

    // An admin's override passes it, on record.
    let (status, entry) = call(
        &app,
        Method::POST,
        &format!("/courses/{lecture}/enrollments"),
        &admin(&app),
        Some(
            json!({"student_id": ann.id, "student_name": "Ann Other", "student_email": "ann@example.edu",
                    "reason": "Equivalent course at her previous university"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    // Each refusal is on the student's trail with its code.
    let codes: Vec<String> = student_trail(&app, sam.id)
        .await
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        codes.iter().filter(|c| *c == "prerequisite_missing").count(),
        2,
        "{codes:?}"
    );
    assert_eq!(
        codes.iter().filter(|c| *c == "corequisite_missing").count(),
        1,
        "{codes:?}"
    );
}

async fn a_waitlist_passes_over_a_student_missing_a_prerequisite_until_a_completion_is_recorded(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    let _intro = create_course(&app, "REQW-100", &term, 3, 5).await;
    let course = create_course(&app, "REQW-200", &term, 3, 1).await;
    let [holder, first, second]: [Student; 3] = ["Holder", "First", "Second"].map(|name| student(&app, name));
    assert_eq!(enroll(&app, course, &holder).await.0, StatusCode::CREATED);
    assert_eq!(join(&app, course, &first).await.0, StatusCode::CREATED);
    assert_eq!(join(&app, course, &second).await.0, StatusCode::CREATED);
    // The requisite comes after they joined; only the second has the course.
    let (status, _) = set_requisites(&app, course, json!([{"code": "REQW-100", "kind": "prerequisite"}])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        record_completion(&app, second.id, "REQW-100", 3.0).await.0,
        StatusCode::OK
    );
    // A newcomer without it cannot join the list.
    let late = student(&app, "Late");
    assert_eq!(
        refusal(&join(&app, course, &late).await).1,
        Some("prerequisite_missing")
    );

    // The seat frees: the first is passed over (keeps their place), the
    // second takes it.
    assert_eq!(drop(&app, course, &holder).await, StatusCode::NO_CONTENT);
    assert_eq!(roster(&app, course).await, vec![second.id]);
    assert_eq!(position(&app, course, &first).await, Some(1));

    // Another seat (a drop), and the first's completion recorded: theirs.
    assert_eq!(drop(&app, course, &second).await, StatusCode::NO_CONTENT);
    assert_eq!(roster(&app, course).await, Vec::<Uuid>::new());
    assert_eq!(
        record_completion(&app, first.id, "REQW-100", 2.5).await.0,
        StatusCode::OK
    );
    assert_eq!(roster(&app, course).await, vec![first.id]);
    assert_eq!(position(&app, course, &first).await, None);
}

async fn requisites_are_set_by_admins_only_and_bad_ones_are_refused(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let term = demo_term(&app).await;
    let a = create_course(&app, "REQB-A", &term, 3, 5).await;
    let b = create_course(&app, "REQB-B", &term, 3, 5).await;
    let c = create_course(&app, "REQB-C", &term, 3, 5).await;
    let sam = student(&app, "Sam");
    let good = json!([{"code": "REQB-A", "kind": "prerequisite"}]);
    let (status, _) = call(
        &app,
        Method::PUT,
        &format!("/courses/{b}/requisites"),
        &sam.token,
        Some(good.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &app,
        Method::PUT,
        &format!("/courses/{b}/requisites"),
        "",
        Some(good.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(set_requisites(&app, b, good).await.0, StatusCode::OK);
    assert_eq!(
        set_requisites(&app, c, json!([{"code": "REQB-B", "kind": "corequisite"}]))
            .await
            .0,
        StatusCode::OK
    );

    for (body, code) in [
        (
            json!([{"code": "REQB-A", "kind": "antirequisite"}]),
            "invalid_requisites",
        ),
        (
            json!([{"code": "NOPE-1", "kind": "prerequisite"}]),
            "invalid_requisites",
        ),
        (json!([{"code": " ", "kind": "prerequisite"}]), "invalid_requisites"),
        (
            json!([{"code": "REQB-C", "kind": "prerequisite"}, {"code": "REQB-C", "kind": "corequisite"}]),
            "invalid_requisites",
        ),
        (
            json!([{"code": "REQB-A", "kind": "prerequisite", "min_grade": 3.7}]),
            "invalid_grade",
        ),
        (
            json!([{"code": "REQB-A", "kind": "prerequisite", "min_grade": 5.0}]),
            "invalid_grade",
        ),
        // A requires C, which requires B, which requires A.
        (json!([{"code": "REQB-C", "kind": "prerequisite"}]), "requisite_cycle"),
        (json!([{"code": "REQB-A", "kind": "corequisite"}]), "requisite_cycle"),
    ] {
        let (status, answer) = set_requisites(&app, a, body.clone()).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(code)),
            "{body}"
        );
    }
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"code": format!("X{i}"), "kind": "prerequisite"}))
        .collect();
    assert_eq!(
        set_requisites(&app, a, json!(many)).await.1["error"],
        "invalid_requisites"
    );
    // Nothing refused was stored.
    let (_, read) = call(&app, Method::GET, &format!("/courses/{a}/requisites"), &sam.token, None).await;
    assert_eq!(read["requisites"], json!([]));
    // Not JSON, not a list, no such course, not a UUID.
    let (status, answer) = call(
        &app,
        Method::PUT,
        &format!("/courses/{a}/requisites"),
        &admin(&app),
        Some(json!({"code": "REQB-B"})),
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_body"))
    );
    let (status, answer) = set_requisites(&app, Uuid::new_v4(), json!([])).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("course_not_found"))
    );
    let (status, _) = call(&app, Method::GET, "/courses/nope/requisites", &sam.token, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Clearing with [] works.
    assert_eq!(set_requisites(&app, c, json!([])).await.1["requisites"], json!([]));

    // Completions: admins only, a grade on the scale, a code of the catalogue.
    let path = format!("/students/{}/completions/REQB-A", sam.id);
    let (status, _) = call(&app, Method::PUT, &path, &sam.token, Some(json!({"grade": 3.0}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, answer) = record_completion(&app, sam.id, "REQB-A", 3.7).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_grade"))
    );
    assert!(
        answer["message"].as_str().unwrap().starts_with("'3.7' is not a grade"),
        "{answer}"
    );
    assert_eq!(
        record_completion(&app, sam.id, "NOPE-1", 3.0).await.1["error"],
        "course_not_found"
    );
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("/students/{}/completions", sam.id),
        &sam.token,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, held) = call(
        &app,
        Method::GET,
        &format!("/students/{}/completions", sam.id),
        &admin(&app),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(held["completions"], json!([]));
    // Not following grade-service: it was never read.
    assert_eq!(held["grades_synced_at"], Value::Null);
}
