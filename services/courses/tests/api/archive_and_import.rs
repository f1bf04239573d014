//! Archiving a course, and importing courses from CSV (teachers found by
//! email at the real auth-service).

use crate::support::TestCourses;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use service_common::demo;
use shared_types::Role;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

on_both_backends!(
    an_archived_course_leaves_the_catalogue_and_its_roster_stays,
    a_course_import_is_checked_whole_and_idempotent_by_code,
    a_course_import_needs_auth_to_find_teachers,
);

fn admin(app: &TestCourses) -> String {
    app.token(demo::ADMIN.id, demo::ADMIN.name, Role::Admin)
}

fn student(app: &TestCourses, who: demo::DemoUser) -> String {
    app.keys.token(who.id, who.name, &[Role::Student])
}

async fn get(app: &TestCourses, path: &str, token: &str) -> (StatusCode, Value) {
    status_and_body(app.call(Method::GET, path, token, None).await).await
}

async fn archive(app: &TestCourses, course: Uuid, archived: bool) -> (StatusCode, Value) {
    let path = format!("/courses/{course}");
    status_and_body(
        app.call(Method::PATCH, &path, &admin(app), Some(json!({ "archived": archived })))
            .await,
    )
    .await
}

fn codes(courses: &Value) -> Vec<&str> {
    courses
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect()
}

async fn an_archived_course_leaves_the_catalogue_and_its_roster_stays(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let admin = admin(&app);
    let (_, roster_before) = get(&app, &format!("/courses/{}/roster", demo::CS101.id), &admin).await;
    assert!(!roster_before.as_array().unwrap().is_empty());
    let (_, seats) = get(&app, "/courses/seats", &admin).await;
    let before_archive = seats["as_of"].as_i64().unwrap();

    let (status, course) = archive(&app, demo::CS101.id, true).await;
    assert_eq!(
        (status, course["archived"].as_bool(), course["open"].as_bool()),
        (StatusCode::OK, Some(true), Some(false))
    );
    let (_, catalogue) = get(&app, "/courses", &admin).await;
    assert!(!codes(&catalogue).contains(&"CS101"), "{catalogue}");
    let (_, searched) = get(&app, "/courses?q=CS101", &admin).await;
    assert_eq!(searched, json!([]));
    let (status, archived) = get(&app, "/courses/archived", &admin).await;
    assert_eq!((status, codes(&archived)), (StatusCode::OK, vec!["CS101"]));
    let (status, one) = get(&app, &format!("/courses/{}", demo::CS101.id), &admin).await;
    assert_eq!((status, one["archived"].as_bool()), (StatusCode::OK, Some(true)));
    // Open tabs learn of it from their seat updates (the feed reads at
    // most every 250 ms).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, changes) = get(&app, &format!("/courses/seats?since={before_archive}"), &admin).await;
    let told = changes["courses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(demo::CS101.id));
    assert_eq!(told.map(|c| c["archived"].clone()), Some(json!(true)), "{changes}");

    // Enrolled students keep it (marked) and cannot drop it; nobody joins.
    let enrolled = student(&app, demo::STUDENT);
    let (_, mine) = get(&app, "/enrollments/me", &enrolled).await;
    let held = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "CS101")
        .expect("still listed");
    assert_eq!(held["archived"], true);
    let path = format!("/courses/{}/enrollment", demo::CS101.id);
    let (status, body) = status_and_body(app.call(Method::DELETE, &path, &enrolled, None).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("course_archived"))
    );
    let newcomer = app.keys.token(Uuid::new_v4(), "New Student", &[Role::Student]);
    let (status, body) = status_and_body(app.enroll(demo::CS101.id, &newcomer).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("course_archived"))
    );
    let (_, roster_after) = get(&app, &format!("/courses/{}/roster", demo::CS101.id), &admin).await;
    assert_eq!(
        roster_after, roster_before,
        "an archived course's roster stays as it is"
    );

    // Only an admin sees the archive; bringing the course back reopens it.
    let (status, _) = get(&app, "/courses/archived", &enrolled).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, course) = archive(&app, demo::CS101.id, false).await;
    assert_eq!((status, course.get("archived")), (StatusCode::OK, None));
    let (status, _) = status_and_body(app.enroll(demo::CS101.id, &newcomer).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, archived) = get(&app, "/courses/archived", &admin).await;
    assert_eq!(archived, json!([]));
    let (status, body) = archive_raw(&app, json!({"archived": "yes"})).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_body"))
    );
}

async fn archive_raw(app: &TestCourses, body: Value) -> (StatusCode, Value) {
    let path = format!("/courses/{}", demo::CS201.id);
    status_and_body(app.call(Method::PATCH, &path, &admin(app), Some(body)).await).await
}

async fn import(app: &TestCourses, query: &str, body: &str) -> (StatusCode, Value) {
    let path = format!("/courses/import{query}");
    let request = testkit::api::post_csv(&app.client, &app.service.url, &admin(app), &path, body);
    status_and_body(request.send().await.unwrap()).await
}

fn statuses(report: &Value) -> Vec<&str> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["error"].as_str().or(row["status"].as_str()).unwrap())
        .collect()
}

async fn a_course_import_is_checked_whole_and_idempotent_by_code(backend: Backend) {
    let (app, _auth) = TestCourses::spawn_with_auth(backend).await;
    let file = format!(
        "code,title,capacity,teacher_email,description\n\
         bio101,Cell Biology,40,{teacher},Cells and what they do\n\
         CHEM110,\"Chemistry, General\",25,{teacher2},\n\
         cs101,Intro again,10,{teacher},\n",
        teacher = demo::TEACHER.email.to_uppercase(),
        teacher2 = demo::TEACHER2.email,
    );
    let (status, report) = import(&app, "?dry_run=true", &file).await;
    assert_eq!(
        (status, statuses(&report)),
        (StatusCode::OK, vec!["new", "new", "exists"]),
        "{report}"
    );
    let (_, catalogue) = get(&app, "/courses", &admin(&app)).await;
    assert!(!codes(&catalogue).contains(&"BIO101"), "a dry run writes nothing");

    let (status, report) = import(&app, "", &file).await;
    assert_eq!(
        (status, statuses(&report)),
        (StatusCode::CREATED, vec!["created", "created", "exists"]),
        "{report}"
    );
    assert_eq!(report["rows"][2]["id"], json!(demo::CS101.id));
    let (_, bio) = get(
        &app,
        &format!("/courses/{}", report["rows"][0]["id"].as_str().unwrap()),
        &admin(&app),
    )
    .await;
    assert_eq!(
        (
            bio["code"].as_str(),
            bio["capacity"].as_i64(),
            bio["teacher_id"].as_str(),
            bio["teacher_name"].as_str()
        ),
        (
            Some("BIO101"),
            Some(40),
            Some(demo::TEACHER.id.to_string().as_str()),
            Some(demo::TEACHER.name)
        )
    );
    let (_, catalogue) = get(&app, "/courses?q=chemistry", &admin(&app)).await;
    assert_eq!(
        codes(&catalogue),
        ["CHEM110"],
        "the catalogue shows imported courses at once"
    );

    let (status, again) = import(&app, "", &file).await;
    assert_eq!((status, statuses(&again)), (StatusCode::OK, vec!["exists"; 3]));

    let bad = format!(
        "code,title,capacity,teacher_email\n\
         GEO100,Rocks,30,{student}\n\
         GEO101,Maps,zero,{teacher}\n\
         GEO101,Maps again,20,{teacher}\n\
         G,Too short,20,{teacher}\n\
         GEO102,More rocks,0,{teacher}\n\
         GEO103,Fine,20,{teacher}\n",
        student = demo::STUDENT.email,
        teacher = demo::TEACHER.email,
    );
    let (status, report) = import(&app, "", &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
    assert_eq!(
        statuses(&report),
        [
            "unknown_teacher",
            "invalid_capacity",
            "duplicate_row",
            "invalid_code",
            "invalid_capacity",
            "new"
        ]
    );
    let (_, catalogue) = get(&app, "/courses?q=GEO103", &admin(&app)).await;
    assert_eq!(catalogue, json!([]), "nothing of a refused file is written");

    let (status, body) = import(&app, "", "code,title,capacity\nX1,Y,3\n").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_import"))
    );
    let teacher = app.token(demo::TEACHER.id, demo::TEACHER.name, Role::Teacher);
    let response = testkit::api::post_csv(&app.client, &app.service.url, &teacher, "/courses/import", &file)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

async fn a_course_import_needs_auth_to_find_teachers(backend: Backend) {
    let (app, mut auth) = TestCourses::spawn_with_auth(backend).await;
    auth.kill().await;
    let file = format!(
        "code,title,capacity,teacher_email\nBIO101,Cell Biology,40,{}\n",
        demo::TEACHER.email
    );
    let (status, body) = import(&app, "", &file).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("auth_unavailable")),
        "{body}"
    );
    // Everything else goes on without auth-service.
    let (status, _) = get(&app, "/courses", &admin(&app)).await;
    assert_eq!(status, StatusCode::OK);
    let newcomer = app.keys.token(Uuid::new_v4(), "New Student", &[Role::Student]);
    let (status, _) = status_and_body(app.enroll(demo::CS201.id, &newcomer).await).await;
    assert_eq!(status, StatusCode::CREATED);
}
