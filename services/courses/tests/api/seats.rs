//! `GET /courses/seats`: the seat counts that changed since a moment the
//! client holds, from any replica.

use crate::support::TestCourses;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use service_common::demo;
use shared_types::courses::SeatChanges;
use shared_types::Role;
use testkit::{status_and_body, Backend, RunningService};
use uuid::Uuid;

testkit::on_both_backends!(
    only_the_seats_that_changed_are_sent_and_any_replica_can_answer,
    a_bad_since_is_a_clear_400_and_no_token_is_needed,
    every_course_s_count_is_one_shared_read_however_many_ask,
);

async fn seats(app: &TestCourses, replica: &RunningService, token: &str, since: Option<i64>) -> SeatChanges {
    let path = match since {
        Some(since) => format!("/courses/seats?since={since}"),
        None => "/courses/seats".to_owned(),
    };
    let response = app
        .client
        .get(replica.at(&path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// A moment far enough after `changed` (more than the overlap every answer
/// repeats) that an answer from it no longer holds that change.
async fn past_the_overlap(changed: i64) -> i64 {
    let overlap = 10_000;
    loop {
        let now = chrono::Utc::now().timestamp_millis();
        if now > changed + overlap + 100 {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Longer than the seat feed keeps a read.
async fn feed_reads_again() {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}

async fn only_the_seats_that_changed_are_sent_and_any_replica_can_answer(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let student = app.token(Uuid::new_v4(), "Ada Byron", Role::Student);

    let all = seats(&app, &app.service, &student, None).await;
    assert_eq!(all.courses.len(), demo::COURSES.len(), "without since, every course");
    let cs101 = all.courses.iter().find(|c| c.id == demo::CS101.id).unwrap().clone();

    // Nothing changed since a moment past the overlap: an empty answer.
    let quiet_since = past_the_overlap(all.as_of).await;
    let quiet = seats(&app, &app.service, &student, Some(quiet_since)).await;
    assert!(
        quiet.courses.is_empty(),
        "nothing changed, yet {:?} were sent",
        quiet.courses
    );
    assert!(quiet.as_of >= quiet_since);

    // One enrollment: that course alone, with its new count (once the
    // feed has read again: it reads at most every 250 ms).
    assert_eq!(app.enroll(demo::CS101.id, &student).await.status(), StatusCode::CREATED);
    feed_reads_again().await;
    let after_enroll = seats(&app, &app.service, &student, Some(quiet.as_of)).await;
    assert_eq!(after_enroll.courses.len(), 1, "{:?}", after_enroll.courses);
    assert_eq!(after_enroll.courses[0].id, demo::CS101.id);
    assert_eq!(after_enroll.courses[0].enrolled, cs101.enrolled + 1);

    // A drop is a change too.
    let path = format!("/courses/{}/enrollment", demo::CS101.id);
    let dropped = app.call(Method::DELETE, &path, &student, None).await;
    assert!(dropped.status().is_success());
    feed_reads_again().await;
    let after_drop = seats(&app, &app.service, &student, Some(after_enroll.as_of)).await;
    let counted = after_drop.courses.iter().find(|c| c.id == demo::CS101.id).unwrap();
    assert_eq!(counted.enrolled, cs101.enrolled);

    // A second replica on the same database answers from the same moment.
    let other = app.replica().await;
    let from_other = seats(&app, &other, &student, Some(quiet.as_of)).await;
    assert_eq!(from_other.courses.len(), 1);
    assert_eq!(from_other.courses[0].enrolled, cs101.enrolled);

    // A course created since shows up, so a tab knows to fetch the catalogue.
    let admin = app.token(demo::ADMIN.id, demo::ADMIN.name, Role::Admin);
    let body = serde_json::json!({"code": "NEW101", "title": "New", "capacity": 5,
        "teacher_id": demo::TEACHER.id, "teacher_name": demo::TEACHER.name});
    let (status, created) = status_and_body(app.call(Method::POST, "/courses", &admin, Some(body)).await).await;
    assert_eq!(status, StatusCode::CREATED);
    feed_reads_again().await;
    let with_new = seats(&app, &app.service, &student, Some(after_drop.as_of)).await;
    let new_id: Uuid = created["id"].as_str().unwrap().parse().unwrap();
    assert!(with_new
        .courses
        .iter()
        .any(|c| c.id == new_id && c.enrolled == 0 && c.capacity == 5));
}

async fn a_bad_since_is_a_clear_400_and_no_token_is_needed(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let student = app.token(Uuid::new_v4(), "Ada Byron", Role::Student);
    let far_future = chrono::Utc::now().timestamp_millis() + 2 * 3_600_000;
    for query in [
        "since=yesterday",
        "since=",
        &format!("since={far_future}"),
        "since=-5",
        "since=99999999999999999999",
    ] {
        let (status, body): (StatusCode, Value) = status_and_body(
            app.call(Method::GET, &format!("/courses/seats?{query}"), &student, None)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(body["error"].is_string(), "{query}: {body}");
    }
    // A moment a little ahead (another replica's clock) is taken as now.
    let ahead = chrono::Utc::now().timestamp_millis() + 5_000;
    let (status, body) = status_and_body(
        app.call(Method::GET, &format!("/courses/seats?since={ahead}"), &student, None)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["as_of"].as_i64().unwrap() <= ahead);
    // No token needed: seat counts by course id, polled as a simple request.
    let anonymous = app.client.get(app.service.at("/courses/seats")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::OK);
}

/// Anyone may ask for every course's count without a token; a loop of
/// such requests (or of a `since` from long ago) must not cost a
/// whole-term read each. Each answer's `as_of` is the moment of the read
/// it came from, so the distinct `as_of`s count the reads.
async fn every_course_s_count_is_one_shared_read_however_many_ask(backend: Backend) {
    let app = TestCourses::spawn(backend).await;
    let long_ago = chrono::Utc::now().timestamp_millis() - 3_600_000;
    let started = std::time::Instant::now();
    let mut moments = std::collections::BTreeSet::new();
    for round in 0..10 {
        let asks = (0..30).map(|i| {
            let path = if (round + i) % 3 == 0 {
                format!("/courses/seats?since={long_ago}")
            } else {
                "/courses/seats".to_owned()
            };
            let request = app.client.get(app.service.at(&path));
            async move {
                let response = request.send().await.unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                response.json::<SeatChanges>().await.unwrap()
            }
        });
        for answer in testkit::join_all(asks).await {
            assert_eq!(answer.courses.len(), demo::COURSES.len(), "every course");
            moments.insert(answer.as_of);
        }
    }
    let reads_allowed = started.elapsed().as_millis() / 250 + 1;
    assert!(
        moments.len() as u128 <= reads_allowed,
        "300 requests made {} reads in {:?} (at most one per 250 ms: {reads_allowed})",
        moments.len(),
        started.elapsed()
    );

    // Shared, yet current within the read's period.
    let student = app.token(Uuid::new_v4(), "Ada Byron", Role::Student);
    let before = seats(&app, &app.service, &student, None).await;
    let counted = |answer: &SeatChanges| answer.courses.iter().find(|c| c.id == demo::CS101.id).unwrap().enrolled;
    assert_eq!(app.enroll(demo::CS101.id, &student).await.status(), StatusCode::CREATED);
    feed_reads_again().await;
    let after = seats(&app, &app.service, &student, None).await;
    assert_eq!(counted(&after), counted(&before) + 1);
}
