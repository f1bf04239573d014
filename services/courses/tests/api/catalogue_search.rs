//! `GET /courses` searched, filtered, sorted and paged, as curl users and
//! scripts ask for it.

use crate::support::TestCourses;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use service_common::demo;
use shared_types::Role;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend};

on_both_backends!(
    searches_code_title_and_teacher,
    filters_open_seats_and_sorts,
    pages_with_a_total_count,
    bad_search_parameters_get_clear_errors,
);

/// The codes of a search's answer, its status and its `X-Total-Count`.
async fn search(app: &TestCourses, query: &str) -> (StatusCode, Vec<String>, Option<String>) {
    let student = app.token(demo::STUDENT.id, demo::STUDENT.name, Role::Student);
    let response = app
        .call(Method::GET, &format!("/courses?{query}"), &student, None)
        .await;
    let total = response
        .headers()
        .get("x-total-count")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = status_and_body(response).await;
    let codes = body
        .as_array()
        .map(|courses| courses.iter().map(|c| c["code"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    (status, codes, total)
}

async fn searches_code_title_and_teacher(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    // A word matches inside other words: "cs" is in PHYS101's "Physics".
    let (status, codes, total) = search(&app, "q=cs").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(codes, ["CS101", "CS201", "PHYS101"]);
    assert_eq!(total.as_deref(), Some("3"));
    // Every word must match, in any case and any field.
    let teacher_surname = demo::TEACHER2.name.split_whitespace().last().unwrap().to_uppercase();
    let (_, codes, _) = search(&app, &format!("q={teacher_surname}%20history")).await;
    assert_eq!(codes, ["HIST210"]);
    let (_, codes, total) = search(&app, "q=underwater%20basket%20weaving").await;
    assert!(codes.is_empty());
    assert_eq!(total.as_deref(), Some("0"));
}

async fn filters_open_seats_and_sorts(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let admin = app.token(demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    // HIST210 has 2 seats and 1 taken: a second student fills it.
    let other = app.token(uuid::Uuid::new_v4(), "Another Student", Role::Student);
    assert_eq!(app.enroll(demo::HIST210.id, &other).await.status(), StatusCode::CREATED);
    let (_, open, _) = search(&app, "open=true").await;
    assert!(!open.contains(&"HIST210".to_owned()), "{open:?}");
    assert_eq!(open.len(), demo::COURSES.len() - 1);
    let (_, all, _) = search(&app, "open=false&sort=code").await;
    assert_eq!(all.len(), demo::COURSES.len());

    let (_, by_title, _) = search(&app, "sort=title").await;
    let (_, catalogue) = status_and_body(app.call(Method::GET, "/courses", &admin, None).await).await;
    let mut titles: Vec<(String, String)> = catalogue
        .as_array()
        .unwrap()
        .iter()
        .map(|c: &Value| {
            (
                c["title"].as_str().unwrap().to_lowercase(),
                c["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    titles.sort();
    assert_eq!(by_title, titles.into_iter().map(|(_, code)| code).collect::<Vec<_>>());
    let (_, by_seats, _) = search(&app, "sort=seats_left").await;
    assert_eq!(
        by_seats.last().map(String::as_str),
        Some("HIST210"),
        "the full course is last"
    );
}

async fn pages_with_a_total_count(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let (_, all, _) = search(&app, "sort=code").await;
    let mut paged = Vec::new();
    for offset in (0..all.len()).step_by(2) {
        let (status, page, total) = search(&app, &format!("offset={offset}&limit=2")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(total, Some(all.len().to_string()));
        assert!(page.len() <= 2);
        paged.extend(page);
    }
    assert_eq!(paged, all, "the pages together are the catalogue, once each");
    // The browser app may read the count across origins.
    let student = app.token(demo::STUDENT.id, demo::STUDENT.name, Role::Student);
    let response = app
        .client
        .get(app.service.at("/courses?limit=1"))
        .bearer_auth(&student)
        .header("origin", "http://127.0.0.1:8080")
        .send()
        .await
        .unwrap();
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(exposed.contains("x-total-count"), "{exposed}");
    let (status, past_the_end, total) = search(&app, "offset=1000&limit=10").await;
    assert_eq!(status, StatusCode::OK);
    assert!(past_the_end.is_empty());
    assert_eq!(total, Some(all.len().to_string()));
}

async fn bad_search_parameters_get_clear_errors(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let student = app.token(demo::STUDENT.id, demo::STUDENT.name, Role::Student);
    for (query, code) in [
        ("limit=0", "invalid_limit"),
        ("limit=501", "invalid_limit"),
        ("limit=ten", "invalid_query"),
        ("offset=-1", "invalid_query"),
        ("sort=price", "invalid_query"),
        ("open=maybe", "invalid_query"),
    ] {
        let (status, body) = status_and_body(
            app.call(Method::GET, &format!("/courses?{query}"), &student, None)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(body["error"], code, "{query}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{query}");
    }
    // Without a token a search is refused like the catalogue.
    let response = app.client.get(app.service.at("/courses?q=cs")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
