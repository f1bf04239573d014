//! What operators read at grade-service's `/metrics`: its calls to
//! course-service, by outcome.

use reqwest::StatusCode;
use serde_json::json;
use service_common::demo;
use testkit::metrics::{scrape, series};
use testkit::Backend;

use crate::support::TestGrades;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn calls_to_course_service_are_counted_by_outcome() {
    let app = TestGrades::spawn(Backend::Sqlite).await;
    let teacher = app.token_of(demo::TEACHER);
    let ok = [r#"target="courses""#, r#"outcome="ok""#];
    let admin = app.token_of(demo::ADMIN);
    let before = scrape(&app.client, &app.grades.url, &admin).await;

    let answer = app
        .set_grade(&teacher, demo::CS101.id, demo::STUDENT.id, json!(3.0))
        .await;
    assert_eq!(answer.status(), StatusCode::OK);

    let after = scrape(&app.client, &app.grades.url, &admin).await;
    let (was, now) = (
        series(&before, "service_calls_total", &ok).unwrap_or(0.0),
        series(&after, "service_calls_total", &ok).unwrap_or(0.0),
    );
    assert!(now >= was + 1.0, "{was} then {now}\n{after}");
    assert!(
        series(&after, "service_call_duration_seconds_count", &[r#"target="courses""#]).is_some(),
        "{after}"
    );
}
